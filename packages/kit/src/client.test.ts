import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceCredentials } from './auth.ts';
import { ServiceClient } from './client.ts';
import { RedisRegistry, createRedis } from './registry.ts';
import { eventually, startRedisServer, type RedisServer } from './testing.ts';

let redis: RedisServer | undefined;
const servers: http.Server[] = [];
afterAll(async () => {
  await redis?.stop();
  for (const s of servers) s.close();
});

describe('service client while Redis is down', () => {
  it('keeps calling the instances it knew while the registry is unreachable, and after Redis comes back empty', async () => {
    redis = await startRedisServer();
    const server = http.createServer((_req, res) => res.end('{"ok":true}'));
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    const conn = createRedis(redis.url);
    conn.on('error', () => {});
    await new Promise((r) => conn.once('ready', r));
    const registry = new RedisRegistry(conn, `test-${process.pid}:`);
    await registry.register({ id: 'clinic-1', name: 'clinic', url, version: '1', healthUrl: `${url}/healthz` });
    const client = new ServiceClient({
      registry,
      credentials: new ServiceCredentials('x'.repeat(32), 'booking'),
    });
    expect(await client.json('clinic', { path: '/x' })).toEqual({ ok: true });

    await redis.stop();
    await expect(registry.list('clinic')).rejects.toThrow();
    await new Promise((r) => setTimeout(r, 1_100)); // past the client's 1 s cache
    expect(await client.json('clinic', { path: '/x' })).toEqual({ ok: true });

    // A Redis restarted without persistence has forgotten every instance until its next heartbeat.
    await redis.start();
    await eventually(async () => (await registry.list('clinic').catch(() => undefined)) !== undefined, 10_000);
    expect(await registry.list('clinic')).toEqual([]);
    await new Promise((r) => setTimeout(r, 1_100));
    expect(await client.json('clinic', { path: '/x' })).toEqual({ ok: true });
    conn.disconnect();
  });
});
