/**
 * The authenticated WebSocket proxy against real `ws` servers registered as booking instances: who
 * gets through, what identity the service receives, balancing, the open-socket gauge, and client
 * sockets closed when their instance dies or fails its health checks.
 */
import http from 'node:http';
import { randomUUID } from 'node:crypto';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import WebSocket, { WebSocketServer } from 'ws';
import { MemoryRegistry, ServiceCredentials, createLogger, keepRegistered } from '@petpro/kit';
import { eventually } from '@petpro/kit/testing';
import { startFakeAuth, startGateway, TEST_SECRET, type TestGateway } from './harness.ts';

/** A booking instance that accepts every upgrade and says who the gateway told it the user is. */
async function startWsInstance(registry: MemoryRegistry) {
  const seen: http.IncomingHttpHeaders[] = [];
  let healthy = true;
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') return res.writeHead(healthy ? 200 : 503).end('{}');
    res.writeHead(404).end();
  });
  const wss = new WebSocketServer({ server });
  const id = `booking-ws-${randomUUID()}`;
  wss.on('connection', (ws, req) => {
    seen.push(req.headers);
    ws.send(JSON.stringify({ instance: id }));
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const reg = keepRegistered(
    registry,
    { id, name: 'booking', url, version: 'test', healthUrl: `${url}/healthz` },
    createLogger('fake', 'silent'),
    1_000,
  );
  return {
    id,
    seen,
    setHealthy(v: boolean) {
      healthy = v;
    },
    /** As a crashed process: every connection cut. */
    async kill() {
      await reg.stop();
      for (const c of wss.clients) c.terminate();
      server.closeAllConnections();
      await new Promise<void>((r) => server.close(() => r()));
    },
  };
}

function connect(
  gw: TestGateway,
  token: string,
): Promise<{ ws: WebSocket; instance: string; closed: Promise<number> }> {
  const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/ws`, { headers: { authorization: `Bearer ${token}` } });
  const closed = new Promise<number>((r) => ws.on('close', (code) => r(code)));
  return new Promise((resolve, reject) => {
    ws.once('error', reject);
    ws.once('message', (d) => resolve({ ws, instance: JSON.parse(d.toString()).instance, closed }));
  });
}

async function openGauge(gw: TestGateway): Promise<number> {
  const text = await (await fetch(`${gw.internalUrl}/metrics`)).text();
  const m = /^gateway_websockets_open\{[^}]*service="booking"[^}]*\} (\d+)/m.exec(text);
  return m ? Number(m[1]) : 0;
}

describe('WebSocket proxy', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;
  let a: Awaited<ReturnType<typeof startWsInstance>>;
  let b: Awaited<ReturnType<typeof startWsInstance>>;

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    a = await startWsInstance(registry);
    b = await startWsInstance(registry);
    gw = await startGateway({ registry, env: { REVOCATION_POLL_MS: '200' } });
  });
  afterAll(async () => {
    await gw?.stop();
    await auth?.upstream.stop();
  });

  const identityOnly =
    'passes the verified identity with the gateway credential, never the token or a client-written identity';
  it(identityOnly, async () => {
    const userId = randomUUID();
    const token = await auth.token({ userId, roles: ['pet_owner'] });
    const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/ws?after=5&ticket=ignored-because-a-token-is-there`, {
      headers: {
        authorization: `Bearer ${token}`,
        'x-petpro-realtime-identity': Buffer.from('{"userId":"someone-else"}').toString('base64url'),
        'x-service-token': 'forged',
      },
    });
    await new Promise((r) => ws.once('message', r));
    ws.close();
    const headers = [...a.seen, ...b.seen].at(-1)!;
    expect(headers.authorization).toBeUndefined();
    const who = JSON.parse(Buffer.from(String(headers['x-petpro-realtime-identity']), 'base64url').toString());
    expect(who).toMatchObject({ userId, roles: ['pet_owner'] });
    expect(await new ServiceCredentials(TEST_SECRET, 'booking').verify(String(headers['x-service-token']))).toBe(
      'gateway',
    );
  });

  it('refuses a revoked session with 401 before any upgrade', async () => {
    const sessionId = randomUUID();
    const token = await auth.token({ sessionId });
    auth.revoke(sessionId);
    await eventually(async () => {
      const r = await new Promise<number>((resolve) => {
        const ws = new WebSocket(`${gw.url.replace('http', 'ws')}/ws`, {
          headers: { authorization: `Bearer ${token}` },
        });
        ws.once('unexpected-response', (_q, res) => resolve(res.statusCode ?? 0));
        ws.once('open', () => {
          ws.close();
          resolve(101);
        });
        ws.once('error', () => {});
      });
      return r === 401;
    }, 3_000);
  });

  it('balances across healthy instances, counts open sockets, and closes them when their instance dies', async () => {
    const token = await auth.token();
    const before = await openGauge(gw);
    const socks = await Promise.all([1, 2, 3, 4].map(() => connect(gw, token)));
    expect(new Set(socks.map((s) => s.instance))).toEqual(new Set([a.id, b.id]));
    expect(await openGauge(gw)).toBe(before + 4);

    // A failing health check (a hung instance) closes its sockets within a few seconds.
    b.setHealthy(false);
    const onB = socks.filter((s) => s.instance === b.id);
    const t0 = Date.now();
    await Promise.all(onB.map((s) => s.closed));
    expect(Date.now() - t0).toBeLessThan(5_000);
    // New sockets go to the healthy one.
    const fresh = await connect(gw, token);
    expect(fresh.instance).toBe(a.id);

    // A crashed instance: its client sockets close at once, and they reconnect elsewhere.
    b.setHealthy(true);
    await a.kill();
    const onA = [...socks.filter((s) => s.instance === a.id), fresh];
    const t1 = Date.now();
    await Promise.all(onA.map((s) => s.closed));
    expect(Date.now() - t1).toBeLessThan(1_000);
    await eventually(async () => (await openGauge(gw)) === before, 3_000);
  });
});
