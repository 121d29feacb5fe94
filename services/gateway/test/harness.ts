/**
 * A gateway on loopback with fake upstream services, for protection tests that need exact control
 * over what an upstream does (fail, hang, answer 401) and over who the client is (a local source
 * address per simulated client: 127.0.0.0/8 all reaches the gateway, each address is its own peer).
 */
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import { randomBytes, randomUUID } from 'node:crypto';
import { SignJWT, exportJWK, generateKeyPair, type JWK } from 'jose';
import { Redis } from 'ioredis';
import {
  MemoryRegistry,
  ServiceCredentials,
  closeServer,
  createLogger,
  keepRegistered,
  type Registry,
} from '@petpro/kit';
import { buildGateway, type Gateway } from '../src/app.ts';
import { parseGatewayConfig } from '../src/config.ts';

export const TEST_SECRET = 'petpro-test-service-secret-0123456789abcdef';

export interface TestGateway {
  url: string;
  port: number;
  /** The internal listener (registry, metrics). */
  internalUrl: string;
  gateway: Gateway;
  server: http.Server;
  registry: Registry;
  dataDir: string;
  stop(): Promise<void>;
}

/** Builds and starts a gateway (as main.ts does) over `registry` with the given environment. */
export async function startGateway(
  opts: { env?: Record<string, string>; registry?: Registry; dataDir?: string } = {},
): Promise<TestGateway> {
  const dataDir = opts.dataDir ?? mkdtempSync(path.join(os.tmpdir(), 'petpro-gw-'));
  const env: NodeJS.ProcessEnv = {
    HOST: '127.0.0.1',
    GATEWAY_PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SERVICE_SECRET: TEST_SECRET,
    PETPRO_DATA_DIR: dataDir,
    ...opts.env,
  };
  const config = parseGatewayConfig(env);
  const registry = opts.registry ?? new MemoryRegistry();
  const gateway = buildGateway({
    config,
    log: createLogger('gateway', config.LOG_LEVEL),
    registry,
    credentials: new ServiceCredentials(TEST_SECRET, 'gateway'),
  });
  const { server, port, internalServer, internalPort } = await gateway.listen({
    port: 0,
    host: '127.0.0.1',
    internalPort: 0,
    internalHost: '127.0.0.1',
  });
  await gateway.start();
  await gateway.pool.refresh();
  return {
    url: `http://127.0.0.1:${port}`,
    port,
    internalUrl: `http://127.0.0.1:${internalPort}`,
    gateway,
    server,
    registry,
    dataDir,
    async stop() {
      await Promise.all([closeServer(server, 500), closeServer(internalServer!, 500)]);
      await gateway.close();
    },
  };
}

export type Handler = (req: http.IncomingMessage, res: http.ServerResponse, body: Buffer) => unknown;

export interface FakeUpstream {
  name: string;
  url: string;
  /** Requests received (method and path), for assertions. */
  seen: string[];
  setHandler(h: Handler): void;
  stop(): Promise<void>;
}

/** A plain HTTP server registered (with heartbeats) as an instance of service `name`. */
export async function startUpstream(
  registry: Registry,
  name: 'auth' | 'user' | 'clinic' | 'booking',
  handler: Handler,
): Promise<FakeUpstream> {
  let current = handler;
  const seen: string[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') {
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      return;
    }
    const chunks: Buffer[] = [];
    req.on('data', (c: Buffer) => chunks.push(c));
    req.on('end', () => {
      seen.push(`${req.method} ${req.url}`);
      Promise.resolve(current(req, res, Buffer.concat(chunks))).catch(() => res.destroy());
    });
  });
  server.keepAliveTimeout = 1_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as { port: number }).port}`;
  const id = `${name}-fake-${randomUUID()}`;
  const reg = keepRegistered(
    registry,
    { id, name, url, version: 'test', healthUrl: `${url}/healthz` },
    createLogger('fake', 'silent'),
    1_000,
  );
  await new Promise((r) => setTimeout(r, 20));
  return {
    name,
    url,
    seen,
    setHandler(h) {
      current = h;
    },
    async stop() {
      await reg.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Stops whatever a test started (gateways, upstreams), skipping what never started. */
export async function stopAll(...things: Array<{ stop(): Promise<void> } | undefined>): Promise<void> {
  for (const thing of things) await thing?.stop();
}

/** Answers JSON `{ ok: true, service, path }` with status 200. */
export const okHandler =
  (service: string): Handler =>
  (req, res) => {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ ok: true, service, path: req.url }));
  };

/**
 * A fake auth service: publishes a JWKS, signs access tokens the gateway accepts, answers the
 * revocation feed, refuses every login with 401 and answers other auth routes with 200.
 */
export async function startFakeAuth(registry: Registry) {
  const { publicKey, privateKey } = await generateKeyPair('EdDSA', { crv: 'Ed25519' });
  const kid = randomBytes(6).toString('hex');
  const jwk: JWK = { ...(await exportJWK(publicKey)), kid, alg: 'EdDSA', use: 'sig' };
  const revoked: Array<{ sessionId: string; expiresAt: string }> = [];
  const upstream = await startUpstream(registry, 'auth', (req, res) => {
    const json = (status: number, body: unknown, type = 'application/json') =>
      res.writeHead(status, { 'content-type': type }).end(JSON.stringify(body));
    const p = (req.url ?? '').split('?')[0];
    if (p === '/.well-known/jwks.json') return json(200, { keys: [jwk] });
    if (p === '/internal/sessions/revocations') return json(200, { items: revoked, now: new Date().toISOString() });
    if (p === '/api/v1/auth/login')
      return json(
        401,
        {
          type: 'about:blank',
          title: 'Unauthorized',
          status: 401,
          detail: 'Wrong email or password',
          code: 'invalid_credentials',
        },
        'application/problem+json',
      );
    return json(200, { ok: true, service: 'auth', path: req.url });
  });
  return {
    upstream,
    /** Puts a session on the revocation feed (as a logout does). */
    revoke(sessionId: string): void {
      revoked.push({ sessionId, expiresAt: new Date(Date.now() + 20 * 60_000).toISOString() });
    },
    /** A signed access token for a user with the given roles (and session id). */
    async token(opts: { userId?: string; roles?: string[]; sessionId?: string } = {}): Promise<string> {
      return new SignJWT({ sid: opts.sessionId ?? randomUUID(), roles: opts.roles ?? ['pet_owner'] })
        .setProtectedHeader({ alg: 'EdDSA', kid })
        .setIssuer('petpro-auth')
        .setAudience('petpro')
        .setSubject(opts.userId ?? randomUUID())
        .setIssuedAt()
        .setExpirationTime('10m')
        .sign(privateKey);
    },
  };
}

/** The parts of JSON bodies the tests look at (problem+json, IP blocks, admin views). */
export interface TestBody {
  code?: string;
  status?: number;
  id?: string;
  items?: Array<{ id: string; cidr: string; source: string; expiresAt?: string }>;
  services?: Array<{ name: string; circuit: string; inFlight: number }>;
  [key: string]: unknown;
}

export interface RawResult {
  status: number;
  headers: http.IncomingHttpHeaders;
  text: string;
  body: TestBody;
  ms: number;
}

/**
 * One HTTP request from a chosen loopback source address (a distinct client to the gateway), on a
 * fresh connection so the address really is used.
 */
export function request(
  baseUrl: string,
  reqPath: string,
  opts: {
    method?: string;
    from?: string;
    headers?: Record<string, string>;
    body?: unknown;
    raw?: string | Buffer;
    timeoutMs?: number;
  } = {},
): Promise<RawResult> {
  // Host and port from the base only: a path such as `//api/...` must reach the gateway as written.
  const u = new URL(baseUrl);
  const started = performance.now();
  const headers: Record<string, string> = { ...opts.headers };
  let payload: string | Buffer | undefined = opts.raw;
  if (opts.body !== undefined) {
    payload = JSON.stringify(opts.body);
    headers['content-type'] ??= 'application/json';
  }
  if (payload !== undefined) headers['content-length'] = String(Buffer.byteLength(payload));
  return new Promise((resolve, reject) => {
    const req = http.request(
      {
        host: u.hostname,
        port: u.port,
        method: opts.method ?? 'GET',
        path: reqPath,
        headers,
        agent: false,
        localAddress: opts.from ?? '127.0.0.1',
        timeout: opts.timeoutMs ?? 10_000,
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () => {
          const text = Buffer.concat(chunks).toString('utf8');
          let body: TestBody = {};
          try {
            body = text ? (JSON.parse(text) as TestBody) : {};
          } catch {
            /* not JSON */
          }
          resolve({ status: res.statusCode ?? 0, headers: res.headers, text, body, ms: performance.now() - started });
        });
      },
    );
    req.on('timeout', () => req.destroy(new Error(`request timed out: ${reqPath}`)));
    req.on('error', reject);
    req.end(payload);
  });
}

/** A distinct loopback client address for each call within a test file (127.x.y.z). */
export function clientAddresses(seed = Math.floor(Math.random() * 200) + 20) {
  let n = 1;
  return () => `127.${seed}.${Math.floor(n / 250)}.${(n++ % 250) + 1}`;
}

/** Deletes every Redis key a test run wrote under its unique prefix. */
export async function cleanRedis(url: string, prefix: string): Promise<void> {
  const redis = new Redis(url, { lazyConnect: true, maxRetriesPerRequest: 1 });
  try {
    await redis.connect();
    let cursor = '0';
    do {
      const [next, keys] = await redis.scan(cursor, 'MATCH', `${prefix}*`, 'COUNT', 500);
      if (keys.length) await redis.del(...keys);
      cursor = next;
    } while (cursor !== '0');
  } finally {
    redis.disconnect();
  }
}

/** A TCP pass-through to a real server that a test can cut and restore (to make Redis "go down"). */
export async function startTcpProxy(targetPort: number, targetHost = '127.0.0.1') {
  const sockets = new Set<net.Socket>();
  let up = true;
  const server = net.createServer((client) => {
    if (!up) {
      client.destroy();
      return;
    }
    const upstream = net.connect(targetPort, targetHost);
    for (const s of [client, upstream]) {
      sockets.add(s);
      s.on('close', () => sockets.delete(s));
      s.on('error', () => {});
    }
    client.pipe(upstream).pipe(client);
    client.on('close', () => upstream.destroy());
    upstream.on('close', () => client.destroy());
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    /** Drops every connection and refuses new ones. */
    cut() {
      up = false;
      for (const s of sockets) s.destroy();
    },
    restore() {
      up = true;
    },
    close: () => {
      up = false;
      for (const s of sockets) s.destroy();
      return new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends a WebSocket upgrade request on a raw socket and returns the status line of the answer. */
export function upgradeStatus(port: number, from = '127.0.0.1', reqPath = '/ws'): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = net.connect({ port, host: '127.0.0.1', localAddress: from });
    let data = '';
    socket.on('data', (d: Buffer) => {
      data += d.toString('utf8');
      if (data.includes('\r\n')) {
        socket.destroy();
        resolve(data.split('\r\n')[0]!);
      }
    });
    socket.on('error', reject);
    socket.on('close', () => resolve(data.split('\r\n')[0] ?? ''));
    socket.setTimeout(5_000, () => socket.destroy(new Error('no answer to the upgrade')));
    socket.write(
      `GET ${reqPath} HTTP/1.1\r\nHost: gateway\r\nUpgrade: websocket\r\nConnection: Upgrade\r\n` +
        `Sec-WebSocket-Key: dGhlIHNhbXBsZSBub25jZQ==\r\nSec-WebSocket-Version: 13\r\n\r\n`,
    );
  });
}
