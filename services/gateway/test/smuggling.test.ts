/**
 * Regression (issue 10, request smuggling): a GET with a chunked body, or a request naming
 * content-length in its Connection header, was forwarded with no framing at all onto a pooled
 * keep-alive socket, so the service read the body as the start of the next user's request (a
 * victim's `GET /api/v1/auth/me` became a logout with the victim's token). Each variant is sent as
 * raw bytes; the gateway refuses it (400 problem+json, connection closed) or forwards it framed, and
 * the honest request sent next reaches the service exactly as itself.
 */
import http from 'node:http';
import net from 'node:net';
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { MemoryRegistry, createLogger, keepRegistered } from '@petpro/kit';
import { startFakeAuth, startGateway, stopAll, type TestGateway } from './harness.ts';
import { startPlatform, type Platform } from '../../../test/platform.ts';
import { createVerifiedUser } from '../../../test/users.ts';

interface Seen {
  method: string;
  url: string;
  authorization?: string;
  body: string;
}

/** A service that records every request it parses, on any of its sockets. */
async function startRecorder(registry: MemoryRegistry) {
  const seen: Seen[] = [];
  const server = http.createServer((req, res) => {
    if (req.url === '/healthz') return void res.end('{"status":"ok"}');
    let body = '';
    req.on('data', (c: Buffer) => (body += c.toString('latin1')));
    req.on('end', () => {
      seen.push({ method: req.method!, url: req.url!, authorization: req.headers.authorization, body });
      res.writeHead(200, { 'content-type': 'application/json' }).end('{"ok":true}');
    });
  });
  server.keepAliveTimeout = 30_000;
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const url = `http://127.0.0.1:${(server.address() as net.AddressInfo).port}`;
  const reg = keepRegistered(
    registry,
    { id: 'clinic-recorder', name: 'clinic', url, version: 'test', healthUrl: `${url}/healthz` },
    createLogger('recorder', 'silent'),
    1_000,
  );
  return {
    seen,
    async stop() {
      await reg.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** Sends raw bytes on a fresh connection; resolves with what came back and whether the gateway closed it. */
function raw(port: number, bytes: string): Promise<{ answer: string; closed: boolean }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    let closed = false;
    const timer = setTimeout(() => {
      socket.destroy();
      resolve({ answer, closed });
    }, 2_000);
    socket.on('data', (d: Buffer) => (answer += d.toString('latin1')));
    socket.on('error', () => {});
    socket.on('end', () => {
      closed = true;
      clearTimeout(timer);
      socket.destroy();
      resolve({ answer, closed });
    });
    socket.on('close', () => {
      clearTimeout(timer);
      resolve({ answer, closed: true });
    });
    socket.write(bytes);
    socket.on('error', reject);
  });
}

/** A chunked body holding the start of another request. */
const chunked = (payload: string) => `${payload.length.toString(16)}\r\n${payload}\r\n0\r\n\r\n`;
const SMUGGLED = 'POST /api/v1/clinics/smuggled HTTP/1.1\r\nX-A: ';

const VARIANTS: Array<[string, string]> = [
  [
    'GET with a chunked body',
    `GET /api/v1/clinics HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`,
  ],
  [
    'HEAD with a chunked body',
    `HEAD /api/v1/clinics HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`,
  ],
  [
    'OPTIONS with a chunked body',
    `OPTIONS /api/v1/clinics HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`,
  ],
  [
    'GET with a Content-Length body',
    `GET /api/v1/clinics HTTP/1.1\r\nHost: gw\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
  ],
  [
    'Connection naming content-length',
    `GET /api/v1/clinics HTTP/1.1\r\nHost: gw\r\nConnection: content-length\r\nContent-Length: ${SMUGGLED.length}\r\n` +
      `\r\n${SMUGGLED}`,
  ],
  [
    'Connection naming content-length on a POST',
    `POST /api/v1/clinics/x HTTP/1.1\r\nHost: gw\r\nConnection: keep-alive, Content-Length\r\n` +
      `Content-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
  ],
  [
    'Connection naming transfer-encoding',
    `POST /api/v1/clinics/x HTTP/1.1\r\nHost: gw\r\nConnection: transfer-encoding\r\nTransfer-Encoding: chunked\r\n` +
      `\r\n${chunked(SMUGGLED)}`,
  ],
  ['Connection naming host', `GET /api/v1/clinics HTTP/1.1\r\nHost: gw\r\nConnection: host\r\n\r\n`],
  [
    'Content-Length and Transfer-Encoding',
    `POST /api/v1/clinics/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 4\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `${chunked(SMUGGLED)}`,
  ],
  [
    'Transfer-Encoding other than a final chunked',
    `POST /api/v1/clinics/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked, identity\r\n\r\n${chunked(SMUGGLED)}`,
  ],
  [
    'Transfer-Encoding gzip, chunked',
    `POST /api/v1/clinics/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: gzip, chunked\r\n\r\n${chunked(SMUGGLED)}`,
  ],
  [
    'Transfer-Encoding twice',
    `POST /api/v1/clinics/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\nTransfer-Encoding: chunked\r\n\r\n` +
      `${chunked(SMUGGLED)}`,
  ],
  [
    'Transfer-Encoding in HTTP/1.0',
    `POST /api/v1/clinics/x HTTP/1.0\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n${chunked(SMUGGLED)}`,
  ],
  [
    'duplicate Content-Length',
    `POST /api/v1/clinics/x HTTP/1.1\r\nHost: gw\r\nContent-Length: ${SMUGGLED.length}\r\n` +
      `Content-Length: ${SMUGGLED.length}\r\n\r\n${SMUGGLED}`,
  ],
  [
    'two different Content-Lengths',
    `POST /api/v1/clinics/x HTTP/1.1\r\nHost: gw\r\nContent-Length: 0\r\nContent-Length: ${SMUGGLED.length}\r\n\r\n` +
      `${SMUGGLED}`,
  ],
  [
    'obs-fold',
    `POST /api/v1/clinics/x HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding:\r\n chunked\r\nContent-Length: 3\r\n\r\n` +
      `${chunked(SMUGGLED)}`,
  ],
  ['two Host headers', `GET /api/v1/clinics HTTP/1.1\r\nHost: gw\r\nHost: other\r\n\r\n`],
];

describe('request smuggling at the gateway', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;
  let recorder: Awaited<ReturnType<typeof startRecorder>>;
  let token: string;
  // One keep-alive client for the honest requests, so the gateway's pooled upstream sockets are reused.
  const agent = new http.Agent({ keepAlive: true, maxSockets: 1 });

  const honest = (n: number) =>
    new Promise<number>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: gw.port,
          path: `/api/v1/clinics?honest=${n}`,
          headers: { authorization: `Bearer ${token}` },
          agent,
        },
        (res) => {
          res.resume();
          res.on('end', () => resolve(res.statusCode ?? 0));
        },
      );
      req.on('error', reject);
      req.end();
    });

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    recorder = await startRecorder(registry);
    gw = await startGateway({ registry });
    token = await auth.token();
    expect(await honest(0)).toBe(200);
  });
  afterAll(async () => {
    agent.destroy();
    await stopAll(gw, recorder, auth?.upstream);
  });

  it.each(VARIANTS.map((v, i) => [...v, i + 1] as const))(
    'refuses %s with 400 problem+json, closes the connection, and the next request reaches the service as itself',
    async (_name, bytes, n) => {
      const before = recorder.seen.length;
      const { answer, closed } = await raw(gw.port, bytes);
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      expect(answer.toLowerCase()).toContain('content-type: application/problem+json');
      // (No body in an answer to HEAD; obs-fold is refused by Node's parser as a malformed header.)
      if (!bytes.startsWith('HEAD')) expect(answer).toMatch(/"code":"(invalid_framing|body_not_allowed|bad_request)"/);
      expect(closed).toBe(true);
      expect(await honest(n)).toBe(200);
      // The service saw the honest request and nothing else: no smuggled one, no altered one.
      expect(recorder.seen.slice(before)).toEqual([
        { method: 'GET', url: `/api/v1/clinics?honest=${n}`, authorization: `Bearer ${token}`, body: '' },
      ]);
    },
  );

  it('forwards a DELETE body framed: the service reads it as the body, not as a request', async () => {
    const before = recorder.seen.length;
    const { answer } = await raw(
      gw.port,
      `DELETE /api/v1/clinics/x HTTP/1.1\r\nHost: gw\r\nAuthorization: Bearer ${token}\r\n` +
        `Transfer-Encoding: chunked\r\nConnection: close\r\n\r\n${chunked(SMUGGLED)}`,
    );
    expect(answer).toMatch(/^HTTP\/1\.1 200 /);
    expect(await honest(100)).toBe(200);
    expect(recorder.seen.slice(before)).toEqual([
      { method: 'DELETE', url: '/api/v1/clinics/x', authorization: `Bearer ${token}`, body: SMUGGLED },
      { method: 'GET', url: '/api/v1/clinics?honest=100', authorization: `Bearer ${token}`, body: '' },
    ]);
  });
});

describe('request smuggling against the real platform', () => {
  let p: Platform;
  beforeAll(async () => {
    p = await startPlatform({ databaseUrl: inject('databaseUrl'), services: ['auth'] });
  });
  afterAll(async () => {
    await p?.stop();
  });

  // The exact attack from the issue: the attacker's chunked body was the start of a logout that the
  // auth service completed with the next user's token.
  it('cannot turn the next user’s request into a logout', async () => {
    const victim = await createVerifiedUser(p);
    for (let i = 0; i < 5; i++) {
      const { answer } = await raw(
        Number(new URL(p.url).port),
        `GET /.well-known/jwks.json HTTP/1.1\r\nHost: gw\r\nTransfer-Encoding: chunked\r\n\r\n` +
          `${chunked('POST /api/v1/auth/logout HTTP/1.1\r\nX-A: ')}`,
      );
      expect(answer).toMatch(/^HTTP\/1\.1 400 /);
      const me = await p.http.get('/api/v1/auth/me', { token: victim.accessToken });
      expect(me.status).toBe(200);
    }
    expect((await p.http.get('/api/v1/auth/sessions', { token: victim.accessToken })).status).toBe(200);
  });
});
