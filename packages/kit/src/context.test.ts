import http from 'node:http';
import { afterAll, describe, expect, it } from 'vitest';
import { ServiceCredentials } from './auth.ts';
import { ServiceClient } from './client.ts';
import { closeServer, createServiceApp, finishApp, listen } from './http.ts';
import { createLogger } from './log.ts';
import { MemoryRegistry } from './registry.ts';

const servers: http.Server[] = [];
afterAll(async () => {
  for (const s of servers) await closeServer(s, 500);
});

/** A service whose POST /work reads a JSON body, logs, and calls `upstream`, which echoes the x-request-id it got. */
async function start() {
  const echoed: Array<string | undefined> = [];
  const upstream = http.createServer((req, res) => {
    echoed.push(req.headers['x-request-id'] as string | undefined);
    res.setHeader('content-type', 'application/json');
    res.end('{}');
  });
  servers.push(upstream);
  await new Promise<void>((r) => upstream.listen(0, '127.0.0.1', r));
  const upstreamUrl = `http://127.0.0.1:${(upstream.address() as { port: number }).port}`;

  const lines: Array<Record<string, unknown>> = [];
  const log = createLogger('test', 'info', { destination: { write: (s: string) => void lines.push(JSON.parse(s)) } });
  const client = new ServiceClient({
    registry: new MemoryRegistry(),
    credentials: new ServiceCredentials('x'.repeat(32), 'booking'),
    staticUrls: { clinic: upstreamUrl },
  });
  const { app } = createServiceApp({ name: 'test', version: '0', log });
  app.post('/work', async (req, res) => {
    // After the body parser and an await: the request's context must still be there.
    await new Promise((r) => setTimeout(r, 5));
    req.log.info({ size: JSON.stringify(req.body).length }, 'working');
    await client.json('clinic', { path: '/x' });
    res.json({ ok: true });
  });
  const { server, port } = await listen(finishApp(app), 0, '127.0.0.1');
  servers.push(server);
  return { url: `http://127.0.0.1:${port}`, lines, echoed, log };
}

describe('request context', () => {
  it('names the request on every log line inside it and forwards its id to other services', async () => {
    const s = await start();
    const post = (headers: Record<string, string>) =>
      fetch(`${s.url}/work`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...headers },
        body: JSON.stringify({ pets: ['Milo'] }),
      });
    const [a, b] = await Promise.all([post({ 'x-request-id': 'req-from-client-1' }), post({})]);
    expect([a.status, b.status]).toEqual([200, 200]);
    const ids = [a.headers.get('x-request-id'), b.headers.get('x-request-id')];
    expect(ids[0]).toBe('req-from-client-1');
    expect(ids[1]).toMatch(/^[0-9a-f-]{36}$/);

    expect(s.echoed.sort()).toEqual([...ids].sort());
    const working = s.lines.filter((l) => l.msg === 'working').map((l) => l.requestId);
    expect(working.sort()).toEqual([...ids].sort());

    // Outside a request there is no request id.
    s.log.info('idle');
    expect(s.lines.at(-1)).not.toHaveProperty('requestId');
  });
});
