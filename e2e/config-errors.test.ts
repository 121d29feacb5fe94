/** A bad configuration stops start-up with one line naming the variable, and a non-zero exit code. */
import { spawn } from 'node:child_process';
import path from 'node:path';
import { describe, expect, it } from 'vitest';

const ROOT = path.resolve(import.meta.dirname, '..');

// Asynchronous on purpose: a blocking spawnSync starves the test worker's RPC with vitest.
function run(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stderr: stderr.trim() });
    });
  });
}

describe('configuration errors', () => {
  it.each([
    ['GATEWAY_PORT', { GATEWAY_PORT: '99999' }, /GATEWAY_PORT must be 0\.\.65535 \(got "99999"\)/],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }, /DATABASE_URL must be a valid URL/],
    ['REDIS_URL', { REDIS_URL: 'http://wrong-scheme' }, /REDIS_URL must be a valid URL \(redis, rediss\)/],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    ['AUTH_PORT', { AUTH_PORT: 'abc' }, /AUTH_PORT must be a port number/],
  ])('the launcher refuses a bad %s', { timeout: 60_000 }, async (_name, env, message) => {
    const r = await run('scripts/start.ts', env);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('the launcher refuses replicas without REDIS_URL, and a malformed --scale', { timeout: 60_000 }, async () => {
    const noRedis = await run('scripts/start.ts', {}, ['--scale', 'gateway=2,booking=2']);
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toBe(
      'Configuration error: REDIS_URL is required to run replicas (gateway=2,booking=2): they share the service registry, rate limits and IP blocks through Redis (e.g. REDIS_URL=redis://127.0.0.1:6379)',
    );
    const env = await run('scripts/start.ts', { PETPRO_SCALE: 'booking=3' });
    expect([env.code, env.stderr]).toEqual([2, expect.stringMatching(/^Configuration error: REDIS_URL is required/)]);
    const bad = await run('scripts/start.ts', { REDIS_URL: 'redis://127.0.0.1:1' }, ['--scale', 'booking:2']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--scale must look like gateway=2,booking=2/)]);
  });

  it('a service started alone refuses a bad PORT and a missing SERVICE_SECRET', { timeout: 120_000 }, async () => {
    const bad = await run('services/auth/src/main.ts', {
      PORT: '-1',
      DATABASE_URL: 'postgres://127.0.0.1:1/x',
      SERVICE_SECRET: 'x'.repeat(32),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^Configuration error: PORT must be 0\.\.65535/);
    const secret = await run('services/user/src/main.ts', { DATABASE_URL: 'postgres://127.0.0.1:1/x' });
    expect(secret.code).toBe(2);
    expect(secret.stderr).toMatch(/SERVICE_SECRET is required/);
    const gateway = await run('services/gateway/src/main.ts', {
      UPSTREAM_TIMEOUT_MS: 'soon',
      SERVICE_SECRET: 'x'.repeat(32),
    });
    expect(gateway.code).toBe(2);
    expect(gateway.stderr).toMatch(/UPSTREAM_TIMEOUT_MS/);
  });
});
