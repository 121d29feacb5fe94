/**
 * The real `npm start` launcher as a newcomer runs it: embedded PostgreSQL, five child processes,
 * crash restarts, a clean stop within 10 s, and data that survives a full stop and start.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, describe, expect, it } from 'vitest';
import { freePort } from '@petpro/kit/embedded-db';
import { eventually, httpClient, startSmtpCapture, type SmtpCapture } from '@petpro/kit/testing';

const ROOT = path.resolve(import.meta.dirname, '..');
const dataDir = mkdtempSync(path.join(os.tmpdir(), 'petpro-launcher-'));
let smtp: SmtpCapture;
let launcher: ChildProcess | undefined;
let output = '';
const ports: Record<string, number> = {};

async function startLauncher(): Promise<ChildProcess> {
  const child = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts'], {
    cwd: ROOT,
    env: {
      PATH: process.env.PATH,
      HOME: process.env.HOME,
      PETPRO_DATA_DIR: dataDir,
      GATEWAY_PORT: String(ports.gateway),
      GATEWAY_INTERNAL_PORT: String(ports.gatewayInternal),
      AUTH_PORT: String(ports.auth),
      USER_PORT: String(ports.user),
      CLINIC_PORT: String(ports.clinic),
      BOOKING_PORT: String(ports.booking),
      SMTP_URL: smtp.url,
      LOG_LEVEL: 'warn',
      // This test polls the login route while auth restarts: keep the gateway's limits out of the way.
      RATE_LIMIT_AUTH_PER_MINUTE: '10000',
      RATE_LIMIT_PER_MINUTE: '10000',
      AUTO_BLOCK_THRESHOLD: '0',
      LOG_FORMAT: 'json',
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  child.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  child.stderr!.on('data', (d: Buffer) => (output += d.toString()));
  return child;
}

function exited(child: ChildProcess, timeoutMs: number): Promise<number | null> {
  return new Promise((resolve, reject) => {
    if (child.exitCode !== null) return resolve(child.exitCode);
    const t = setTimeout(() => reject(new Error(`launcher still running after ${timeoutMs} ms`)), timeoutMs);
    child.once('exit', (code) => {
      clearTimeout(t);
      resolve(code);
    });
  });
}

afterAll(async () => {
  if (launcher && launcher.exitCode === null) {
    launcher.kill('SIGTERM');
    await exited(launcher, 15_000).catch(() => launcher!.kill('SIGKILL'));
  }
  await smtp?.close();
  rmSync(dataDir, { recursive: true, force: true });
});

describe('npm start', () => {
  it('runs the whole platform, restarts a crashed service, stops cleanly and keeps its data', async () => {
    smtp = await startSmtpCapture();
    for (const name of ['gateway', 'gatewayInternal', 'auth', 'user', 'clinic', 'booking'])
      ports[name] = await freePort();
    const gw = `http://127.0.0.1:${ports.gateway}`;
    const api = httpClient(gw);

    const started = Date.now();
    launcher = await startLauncher();
    await eventually(async () => (await api.get('/readyz')).status === 200, 60_000, 250);
    expect(Date.now() - started).toBeLessThan(60_000);
    await eventually(() => output.includes('PetPro is running'), 5_000);
    expect(output).toContain(`/docs`);

    // Every process runs on Node 24 (the `node` package's binary, whatever the system's Node is).
    const children = [
      `${gw}/healthz`,
      ...['auth', 'user', 'clinic', 'booking'].map((s) => `http://127.0.0.1:${ports[s]}/healthz`),
    ];
    for (const url of children) expect((await (await fetch(url)).json()).node, url).toMatch(/^v24\./);

    // Web Push works without configuration: the launcher made a VAPID key pair in the data folder.
    const vapid = await api.get('/api/v1/push/vapid-public-key');
    expect(vapid.status).toBe(200);
    expect(vapid.body.publicKey).toMatch(/^[A-Za-z0-9_-]{87}$/);

    // Write data through the gateway.
    const email = `launcher-${Date.now()}@example.test`;
    const password = 'launcher passphrase 1';
    expect((await api.post('/api/v1/auth/register', { email, password, name: 'Launch' })).status).toBe(201);
    const mail = await smtp.waitFor(email);
    const token = /token=([A-Za-z0-9_-]+)/.exec(mail.text)![1];
    expect((await api.post('/api/v1/auth/verify-email', { token })).status).toBe(200);
    const login = await api.post('/api/v1/auth/login', { email, password });
    expect(login.status).toBe(200);

    // Kill the auth process: its routes answer 503 problem+json at once, then come back after the restart.
    const health = await (await fetch(`http://127.0.0.1:${ports.auth}/healthz`)).json();
    process.kill(health.pid, 'SIGKILL');
    const t = Date.now();
    const down = await api.post('/api/v1/auth/login', { email, password });
    expect(Date.now() - t).toBeLessThan(3_000);
    expect(down.status).toBe(503);
    expect(down.headers.get('content-type')).toContain('application/problem+json');
    const seen: string[] = [];
    await eventually(
      async () => {
        const r = await api.post('/api/v1/auth/login', { email, password });
        seen.push(`${r.status}:${r.body?.code ?? ''}`);
        return r.status === 200;
      },
      30_000,
      250,
    ).catch((err) => {
      throw new Error(
        `${(err as Error).message}; saw ${[...new Set(seen)].join(', ')}; output: ${output.slice(-3000)}`,
      );
    });
    expect(output).toMatch(/auth exited .*restarting/);

    // Ctrl-C / SIGTERM stops every child and the database within 10 s.
    const stopAt = Date.now();
    launcher.kill('SIGTERM');
    expect(await exited(launcher, 10_000)).toBe(0);
    expect(Date.now() - stopAt).toBeLessThan(10_000);
    for (const port of Object.values(ports)) {
      await expect(fetch(`http://127.0.0.1:${port}/healthz`, { signal: AbortSignal.timeout(1_000) })).rejects.toThrow();
    }

    // A second start finds the data of the first.
    launcher = await startLauncher();
    await eventually(async () => (await api.get('/readyz')).status === 200, 60_000, 250);
    const again = await api.post('/api/v1/auth/login', { email, password });
    expect(again.status).toBe(200);
    expect(again.body.user.email).toBe(email);
    // The same VAPID key: browsers' subscriptions stay valid across restarts.
    expect((await api.get('/api/v1/push/vapid-public-key')).body.publicKey).toBe(vapid.body.publicKey);
  }, 180_000);
});
