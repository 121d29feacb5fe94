/**
 * GATEWAY_WORKERS: the real gateway process (main.ts) with two workers behind one port. A client's
 * rate-limit budget is one budget whichever worker serves it (counted by the primary), services
 * register once on the primary's internal listener and every worker routes to them, and the
 * internal /metrics sums the workers.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { HttpRegistry, ServiceCredentials } from '@petpro/kit';
import { freePort } from '@petpro/kit/embedded-db';
import { eventually } from '@petpro/kit/testing';
import { TEST_SECRET, okHandler, request, startUpstream, type FakeUpstream } from './harness.ts';

const ROOT = path.resolve(import.meta.dirname, '../../..');
const LIMIT = 12;

describe('gateway workers (GATEWAY_WORKERS=2)', () => {
  let gateway: ChildProcess;
  let output = '';
  let url: string;
  let internalUrl: string;
  let clinic: FakeUpstream;

  beforeAll(async () => {
    const [port, internalPort] = [await freePort(), await freePort()];
    url = `http://127.0.0.1:${port}`;
    internalUrl = `http://127.0.0.1:${internalPort}`;
    gateway = spawn(process.execPath, ['--import', 'tsx', 'services/gateway/src/main.ts'], {
      cwd: ROOT,
      env: {
        PATH: process.env.PATH,
        GATEWAY_WORKERS: '2',
        GATEWAY_PORT: String(port),
        GATEWAY_INTERNAL_PORT: String(internalPort),
        SERVICE_SECRET: TEST_SECRET,
        PETPRO_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'petpro-gw-cluster-')),
        RATE_LIMIT_PER_MINUTE: String(LIMIT),
        AUTO_BLOCK_THRESHOLD: '0',
        LOG_LEVEL: 'warn',
      },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    gateway.stdout!.on('data', (d: Buffer) => (output += d.toString()));
    gateway.stderr!.on('data', (d: Buffer) => (output += d.toString()));
    // The upstream registers with the primary, over HTTP, as a service process does.
    const credentials = new ServiceCredentials(TEST_SECRET, 'clinic');
    const registry = new HttpRegistry(internalUrl, () => credentials.token());
    await eventually(
      async () => (await fetch(`${internalUrl}/metrics`).catch(() => undefined))?.status === 200,
      30_000,
      200,
    ).catch((err) => {
      throw new Error(`${(err as Error).message}: ${output}`);
    });
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    // Every worker routes to it once its next registry read has run (every 2 s).
    await new Promise((resolve) => setTimeout(resolve, 2_500));
    await eventually(async () => {
      const statuses = await Promise.all(
        Array.from({ length: 6 }, (_, i) => request(url, '/api/v1/clinics', { from: `127.90.0.${i + 1}` })),
      );
      return statuses.every((r) => r.status === 200);
    }, 10_000);
  }, 60_000);
  afterAll(async () => {
    await clinic?.stop();
    if (gateway && gateway.exitCode === null) {
      gateway.kill('SIGTERM');
      await new Promise((resolve) => gateway.once('exit', resolve));
    }
  });

  it('serves one port from two processes', async () => {
    const pids = new Set<number>();
    for (let i = 0; i < 20 && pids.size < 2; i++) pids.add((await request(url, '/healthz')).body.pid as number);
    expect(pids.size).toBe(2);
  });

  it('counts one budget per client across the workers', async () => {
    const from = '127.91.0.1';
    const statuses: number[] = [];
    // Fresh connections: the cluster spreads them over both workers.
    for (let i = 0; i < LIMIT + 4; i++) statuses.push((await request(url, '/api/v1/clinics', { from })).status);
    expect(statuses.filter((s) => s === 200)).toHaveLength(LIMIT);
    expect(statuses.slice(LIMIT)).toEqual([429, 429, 429, 429]);
  });

  it('sums the workers’ metrics on the internal listener, and keeps the registry off the public port', async () => {
    const text = await (await fetch(`${internalUrl}/metrics`)).text();
    const served = text
      .split('\n')
      .filter((l) => l.startsWith('gateway_requests_total{') && l.includes('upstream="clinic"'))
      .reduce((sum, l) => sum + Number(l.split(' ').pop()), 0);
    expect(served).toBeGreaterThanOrEqual(LIMIT + 4);
    expect((await request(url, '/internal/registry/instances', { from: '127.92.0.1' })).status).toBe(404);
    expect((await request(url, '/metrics', { from: '127.92.0.1' })).status).toBe(404);
  });
});
