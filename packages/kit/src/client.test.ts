import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceCredentials } from './auth.ts';
import { ServiceClient, SharedCalls } from './client.ts';
import { MemoryRegistry, RedisRegistry, createRedis } from './registry.ts';
import { eventually, startRedisServer, type RedisServer } from './testing.ts';

let redis: RedisServer | undefined;
const servers: http.Server[] = [];
afterAll(async () => {
  await redis?.stop();
  for (const s of servers) s.close();
});

describe('service client while Redis is down', () => {
  it(
    'keeps calling the instances it knew while the registry is unreachable, ' + 'and after Redis comes back empty',
    async () => {
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
    },
  );
});

describe('service client calls', () => {
  const credentials = new ServiceCredentials('x'.repeat(40), 'booking');
  const serve = async (handler: http.RequestListener): Promise<string> => {
    const server = http.createServer(handler);
    servers.push(server);
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    return `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  };
  const deadUrl = async () => {
    const server = http.createServer();
    await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
    const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
    await new Promise((r) => server.close(r));
    return url;
  };

  it('answers 504 gateway_timeout when the service does not answer in time', async () => {
    const url = await serve(() => {}); // never answers
    const client = new ServiceClient({
      registry: new MemoryRegistry(),
      credentials,
      staticUrls: { clinic: url },
      timeoutMs: 300,
      retries: 0,
    });
    const started = performance.now();
    await expect(client.json('clinic', { path: '/slow' })).rejects.toMatchObject({ status: 504 });
    expect(performance.now() - started).toBeLessThan(2_000);
  });

  it('moves a refused call, even a POST, to another instance; passes 4xx on; 5xx is a 503 upstream_error', async () => {
    const seen: string[] = [];
    const live = await serve((req, res) => {
      seen.push(`${req.method} ${req.url} ${req.headers['content-type']}`);
      const status = req.url === '/missing' ? 404 : req.url === '/broken' ? 500 : 200;
      res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify({ code: `s${status}` }));
    });
    const registry = new MemoryRegistry();
    const dead = await deadUrl();
    await registry.register({ id: 'clinic-1', name: 'clinic', url: dead, version: '1', healthUrl: `${dead}/healthz` });
    await registry.register({ id: 'clinic-2', name: 'clinic', url: live, version: '1', healthUrl: `${live}/healthz` });
    const client = new ServiceClient({ registry, credentials });
    for (let i = 0; i < 3; i++)
      expect(await client.json('clinic', { method: 'POST', path: '/things', body: { n: i } })).toEqual({
        code: 's200',
      });
    expect(seen.filter((s) => s === 'POST /things application/json')).toHaveLength(3);
    expect(await client.request('clinic', { path: '/missing' })).toEqual({ status: 404, body: { code: 's404' } });
    await expect(client.json('clinic', { method: 'POST', path: '/broken' })).rejects.toMatchObject({
      status: 503,
      code: 'upstream_error',
    });
  });
});

describe('shared calls', () => {
  it('gives callers that come while a call is in flight its answer, and a later caller a new call', async () => {
    const shared = new SharedCalls<number>();
    let calls = 0;
    const call = () => new Promise<number>((resolve) => setTimeout(() => resolve(++calls), 20));
    expect(await Promise.all([shared.run('a', call), shared.run('a', call), shared.run('b', call)])).toEqual([1, 1, 2]);
    expect(await shared.run('a', call)).toBe(3);
    // A failure is shared too, and then forgotten.
    const failing = () => Promise.reject(new Error('down'));
    const both = await Promise.allSettled([shared.run('c', failing), shared.run('c', call)]);
    expect(both.map((r) => r.status)).toEqual(['rejected', 'rejected']);
    expect(await shared.run('c', call)).toBe(4);
  });
});
