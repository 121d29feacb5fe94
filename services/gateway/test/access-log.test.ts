import { Writable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { pino } from 'pino';
import { MemoryRegistry, ServiceCredentials, closeServer, listen } from '@petpro/kit';
import { buildGateway, type Gateway } from '../src/app.ts';
import { parseGatewayConfig } from '../src/config.ts';
import { TEST_SECRET } from './harness.ts';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import type http from 'node:http';

// Regression: the gateway's access log wrote the whole URL, so opening a mailed password-reset link
// (`/reset-password?token=…`, which the gateway answers 404) put a live reset token in the logs.
describe('gateway access log', () => {
  const lines: string[] = [];
  let gateway: Gateway;
  let server: http.Server;
  let url: string;

  beforeAll(async () => {
    const sink = new Writable({
      write: (chunk, _enc, cb) => {
        lines.push(String(chunk));
        cb();
      },
    });
    const config = parseGatewayConfig({
      HOST: '127.0.0.1',
      GATEWAY_PORT: '0',
      LOG_LEVEL: 'info',
      SERVICE_SECRET: TEST_SECRET,
      PETPRO_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'petpro-gw-')),
    });
    gateway = buildGateway({
      config,
      log: pino({ level: 'info' }, sink),
      registry: new MemoryRegistry(),
      credentials: new ServiceCredentials(TEST_SECRET, 'gateway'),
    });
    const l = await listen(gateway.app, 0, '127.0.0.1', gateway.serverOptions);
    server = l.server;
    gateway.attach(server);
    await gateway.start();
    url = `http://127.0.0.1:${l.port}`;
  });
  afterAll(async () => {
    await closeServer(server, 500);
    await gateway.close();
  });

  it('never writes the token of a reset or verification link', async () => {
    await fetch(`${url}/reset-password?token=live-reset-token`);
    await fetch(`${url}/api/v1/auth/verify-email?token=live-verify-token`);
    await new Promise((resolve) => setTimeout(resolve, 50));
    const log = lines.join('\n');
    expect(log).toContain('/reset-password?token=[redacted]');
    expect(log).not.toContain('live-reset-token');
    expect(log).not.toContain('live-verify-token');
  });
});
