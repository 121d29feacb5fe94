/** A bad configuration stops start-up with one line naming the variable, and a non-zero exit code. */
import { describe, expect, it } from 'vitest';
import { runScript } from '../test/process.ts';

describe('configuration errors', () => {
  it.each([
    ['GATEWAY_PORT', { GATEWAY_PORT: '99999' }, /GATEWAY_PORT must be 0\.\.65535 \(got "99999"\)/],
    ['DATABASE_URL', { DATABASE_URL: 'not a url' }, /DATABASE_URL must be a valid URL/],
    ['REDIS_URL', { REDIS_URL: 'http://wrong-scheme' }, /REDIS_URL must be a valid URL \(redis, rediss\)/],
    ['LOG_LEVEL', { LOG_LEVEL: 'loud' }, /LOG_LEVEL must be one of/],
    ['AUTH_PORT', { AUTH_PORT: 'abc' }, /AUTH_PORT must be a port number/],
  ])('the launcher refuses a bad %s', { timeout: 60_000 }, async (_name, env, message) => {
    const r = await runScript('scripts/start.ts', env);
    expect(r.code).toBe(2);
    expect(r.stderr.split('\n')).toHaveLength(1);
    expect(r.stderr).toMatch(message);
  });

  it('the launcher refuses replicas without REDIS_URL, and a malformed --scale', { timeout: 60_000 }, async () => {
    const noRedis = await runScript('scripts/start.ts', {}, ['--scale', 'gateway=2,booking=2']);
    expect(noRedis.code).toBe(2);
    expect(noRedis.stderr).toBe(
      'Configuration error: REDIS_URL is required to run replicas (gateway=2,booking=2): they share the service ' +
        'registry, rate limits and IP blocks through Redis (e.g. REDIS_URL=redis://127.0.0.1:6379)',
    );
    const env = await runScript('scripts/start.ts', { PETPRO_SCALE: 'booking=3' });
    expect([env.code, env.stderr]).toEqual([2, expect.stringMatching(/^Configuration error: REDIS_URL is required/)]);
    const bad = await runScript('scripts/start.ts', { REDIS_URL: 'redis://127.0.0.1:1' }, ['--scale', 'booking:2']);
    expect([bad.code, bad.stderr]).toEqual([2, expect.stringMatching(/--scale must look like gateway=2,booking=2/)]);
  });

  it('a service started alone refuses a bad PORT and a missing SERVICE_SECRET', { timeout: 120_000 }, async () => {
    const bad = await runScript('services/auth/src/main.ts', {
      PORT: '-1',
      DATABASE_URL: 'postgres://127.0.0.1:1/x',
      SERVICE_SECRET: 'x'.repeat(32),
    });
    expect(bad.code).toBe(2);
    expect(bad.stderr).toMatch(/^Configuration error: PORT must be 0\.\.65535/);
    const secret = await runScript('services/user/src/main.ts', { DATABASE_URL: 'postgres://127.0.0.1:1/x' });
    expect(secret.code).toBe(2);
    expect(secret.stderr).toMatch(/SERVICE_SECRET is required/);
    const gateway = await runScript('services/gateway/src/main.ts', {
      UPSTREAM_TIMEOUT_MS: 'soon',
      SERVICE_SECRET: 'x'.repeat(32),
    });
    expect(gateway.code).toBe(2);
    expect(gateway.stderr).toMatch(/UPSTREAM_TIMEOUT_MS/);
  });
});
