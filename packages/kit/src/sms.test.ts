import http from 'node:http';
import { mkdtempSync, readdirSync, readFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { pino } from 'pino';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { createTestDatabase } from './testing.ts';
import { WindowQuota } from './quota.ts';
import { TooManyRequestsError } from './errors.ts';
import { SmsRejectedError, SmsUnavailableError, createSmsSender, smsEnv, type SmsConfig } from './sms.ts';
import { parseConfig } from './config.ts';

/** A real HTTP server on loopback that records every request and answers with `status`. */
async function receiver(answer: (body: string) => { status: number; body?: unknown }) {
  const received: Array<{ path: string; headers: http.IncomingHttpHeaders; body: string }> = [];
  const server = http.createServer((req, res) => {
    let body = '';
    req.setEncoding('utf8');
    req.on('data', (c: string) => (body += c));
    req.on('end', () => {
      received.push({ path: req.url ?? '', headers: req.headers, body });
      const a = answer(body);
      res.writeHead(a.status, { 'content-type': 'application/json' }).end(JSON.stringify(a.body ?? {}));
    });
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  return { url, received, close: () => new Promise<void>((r) => server.close(() => r())) };
}

const silent = pino({ level: 'silent' });
const config = (env: Record<string, string>): SmsConfig => ({
  ...parseConfig(smsEnv, env),
  PETPRO_DATA_DIR: mkdtempSync(path.join(os.tmpdir(), 'petpro-sms-')),
});

describe('SMS sender', () => {
  it('outbox (default): one JSON file per text and a log line without the text', async () => {
    const lines: string[] = [];
    const cfg = config({});
    const sms = createSmsSender(cfg, pino({ level: 'info' }, { write: (l: string) => void lines.push(l) }));
    expect(sms.provider).toBe('outbox');
    await sms.send({ to: '+6281234567890', text: 'Kode PetPro Anda: 123456', purpose: 'mfa_code' });
    const dir = path.join(cfg.PETPRO_DATA_DIR, 'sms-outbox');
    const files = readdirSync(dir);
    expect(files).toHaveLength(1);
    expect(JSON.parse(readFileSync(path.join(dir, files[0]!), 'utf8'))).toMatchObject({
      to: '+6281234567890',
      from: 'PetPro',
      purpose: 'mfa_code',
      text: 'Kode PetPro Anda: 123456',
    });
    expect(lines.join('')).toContain('sms-outbox');
    expect(lines.join('')).not.toContain('123456');
  });

  it('webhook: POSTs {to, text, purpose} as JSON with the bearer token; 4xx is rejected, 5xx unavailable', async () => {
    let status = 200;
    const hook = await receiver(() => ({ status, body: { id: 'm-1' } }));
    try {
      const sms = createSmsSender(
        config({ SMS_PROVIDER: 'webhook', SMS_WEBHOOK_URL: `${hook.url}/sms`, SMS_WEBHOOK_TOKEN: 't0k' }),
        silent,
      );
      expect(await sms.send({ to: '+6281111111111', text: 'Pengingat: besok 09.00', purpose: 'reminder' })).toEqual({
        id: 'm-1',
      });
      expect(hook.received).toHaveLength(1);
      expect(hook.received[0]!.headers.authorization).toBe('Bearer t0k');
      expect(JSON.parse(hook.received[0]!.body)).toMatchObject({
        to: '+6281111111111',
        text: 'Pengingat: besok 09.00',
        purpose: 'reminder',
      });
      status = 400;
      await expect(sms.send({ to: '+6281111111111', text: 'x', purpose: 'notice' })).rejects.toBeInstanceOf(
        SmsRejectedError,
      );
      status = 503;
      await expect(sms.send({ to: '+6281111111111', text: 'x', purpose: 'notice' })).rejects.toBeInstanceOf(
        SmsUnavailableError,
      );
    } finally {
      await hook.close();
    }
  });

  it('twilio: the Messages API with basic auth and the sender id, against a local fake of its HTTP API', async () => {
    const api = await receiver(() => ({ status: 201, body: { sid: 'SM123' } }));
    try {
      const sms = createSmsSender(
        config({
          SMS_PROVIDER: 'twilio',
          TWILIO_ACCOUNT_SID: 'AC1',
          TWILIO_AUTH_TOKEN: 'secret-token',
          TWILIO_API_BASE: api.url,
          SMS_SENDER_ID: 'PETPRO',
        }),
        silent,
      );
      expect(await sms.send({ to: '+6282222222222', text: 'Kode: 654321', purpose: 'mfa_code' })).toEqual({
        id: 'SM123',
      });
      const r = api.received[0]!;
      expect(r.path).toBe('/2010-04-01/Accounts/AC1/Messages.json');
      expect(r.headers.authorization).toBe(`Basic ${Buffer.from('AC1:secret-token').toString('base64')}`);
      expect(Object.fromEntries(new URLSearchParams(r.body))).toEqual({
        To: '+6282222222222',
        From: 'PETPRO',
        Body: 'Kode: 654321',
      });
    } finally {
      await api.close();
    }
  });

  it('refuses a number that is not E.164 and a provider without its settings', async () => {
    const sms = createSmsSender(config({}), silent);
    await expect(sms.send({ to: '081234567890', text: 'x', purpose: 'notice' })).rejects.toBeInstanceOf(
      SmsRejectedError,
    );
    expect(() => createSmsSender(config({ SMS_PROVIDER: 'webhook' }), silent)).toThrow(/SMS_WEBHOOK_URL/);
    expect(() => createSmsSender(config({ SMS_PROVIDER: 'twilio' }), silent)).toThrow(/TWILIO_ACCOUNT_SID/);
  });
});

describe('SMS per-phone daily cap (counted in PostgreSQL, shared by replicas)', () => {
  let db: Kysely<unknown>;
  beforeAll(async () => {
    const url = await createTestDatabase(inject('databaseUrl'), 'sms');
    db = new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 2 }) }) });
    await sql`create table rate_counters (key text primary key, window_start timestamptz not null,
                                          count integer not null)`.execute(db);
  });
  afterAll(async () => {
    await db?.destroy();
  });

  it('stops the texts to one number past the cap, not those to another', async () => {
    const quota = new WindowQuota(db, {
      limit: 2,
      windowSeconds: 86_400,
      code: 'sms_limit_reached',
      message: 'Too many texts',
    });
    const sms = createSmsSender(config({}), silent, (phone) => quota.consume(`sms:${phone}`));
    await sms.send({ to: '+6283333333333', text: 'a', purpose: 'notice' });
    await sms.send({ to: '+6283333333333', text: 'b', purpose: 'notice' });
    await expect(sms.send({ to: '+6283333333333', text: 'c', purpose: 'notice' })).rejects.toBeInstanceOf(
      TooManyRequestsError,
    );
    await sms.send({ to: '+6284444444444', text: 'd', purpose: 'notice' });
  });
});
