import { setTimeout as sleep } from 'node:timers/promises';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import http from 'node:http';
import net from 'node:net';
import { MemoryRegistry } from '@petpro/kit';
import {
  okHandler,
  request,
  startFakeAuth,
  startGateway,
  startUpstream,
  type FakeUpstream,
  type Handler,
  type TestGateway,
} from './harness.ts';

/** A raw client that sends a request line and then one header line every `everyMs`, never finishing. */
function slowloris(
  port: number,
  everyMs = 200,
  maxLines = 40,
): Promise<{ closedAfterMs: number; answer: string; error?: string }> {
  return new Promise((resolve) => {
    const started = Date.now();
    const socket = net.connect(port, '127.0.0.1');
    let answer = '';
    let error: string | undefined;
    let lines = 0;
    socket.on('data', (d: Buffer) => {
      answer += d.toString('utf8');
    });
    socket.on('error', (err: NodeJS.ErrnoException) => (error = err.code ?? err.message));
    socket.once('connect', () => socket.write('GET /api/v1/clinics HTTP/1.1\r\nHost: gateway\r\n'));
    const timer = setInterval(() => {
      if (socket.destroyed || ++lines > maxLines) {
        clearInterval(timer);
        socket.destroy();
        return;
      }
      socket.write(`X-Slow-${lines}: ${'a'.repeat(10)}\r\n`);
    }, everyMs);
    socket.once('close', () => {
      clearInterval(timer);
      resolve({ closedAfterMs: Date.now() - started, answer, error });
    });
  });
}

describe('server limits', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let clinic: FakeUpstream;
  let auth: Awaited<ReturnType<typeof startFakeAuth>>;

  beforeAll(async () => {
    auth = await startFakeAuth(registry);
    clinic = await startUpstream(registry, 'clinic', (req, res, body) => {
      res
        .writeHead(200, { 'content-type': 'application/json' })
        .end(JSON.stringify({ path: req.url, bytes: body.length }));
    });
    gw = await startGateway({
      registry,
      env: {
        GATEWAY_HEADERS_TIMEOUT_MS: '2000',
        GATEWAY_REQUEST_TIMEOUT_MS: '3000',
        GATEWAY_KEEP_ALIVE_TIMEOUT_MS: '1500',
        GATEWAY_MAX_REQUESTS_PER_SOCKET: '3',
        GATEWAY_MAX_HEADER_BYTES: '4096',
        BODY_LIMIT_JSON_BYTES: '2048',
        BODY_LIMIT_UPLOAD_BYTES: '8192',
      },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await clinic?.stop();
    await auth?.upstream.stop();
  });

  it('cuts off slowloris clients trickling headers while serving other clients', async () => {
    const attackers = Array.from({ length: 20 }, () => slowloris(gw.port));
    const started = Date.now();
    const servedAt: number[] = [];
    for (let i = 0; i < 10; i++) {
      const r = await request(gw.url, '/api/v1/clinics');
      expect(r.status).toBe(200);
      servedAt.push(Date.now() - started);
      await sleep(100);
    }
    const results = await Promise.all(attackers);
    for (const r of results) {
      expect(r.answer, JSON.stringify(r)).toMatch(/^HTTP\/1\.1 408 /);
      expect(r.closedAfterMs).toBeGreaterThanOrEqual(1_900);
      expect(r.closedAfterMs).toBeLessThan(4_000);
      expect(r.answer).toContain('application/problem+json');
      expect(r.answer).toContain('"code":"request_timeout"');
    }
    // Normal clients were answered while the attackers still held their sockets, not after.
    const firstCut = Math.min(...results.map((r) => r.closedAfterMs));
    expect(servedAt.filter((t) => t < firstCut).length).toBeGreaterThanOrEqual(1);
  });

  it('refuses oversized headers with 431 problem+json carrying the security headers', async () => {
    const r = await request(gw.url, '/api/v1/clinics', { headers: { 'x-big': 'b'.repeat(8_000) } });
    expect(r.status).toBe(431);
    expect(r.body.code).toBe('headers_too_large');
    expect(r.headers['x-content-type-options']).toBe('nosniff');
  });

  it('refuses a body over its route class limit by Content-Length before reading it', async () => {
    const token = await auth.token();
    const headers = { authorization: `Bearer ${token}` };
    const small = await request(gw.url, '/api/v1/clinics?case=small', {
      method: 'POST',
      headers,
      body: { name: 'x'.repeat(1000) },
    });
    expect(small.status).toBe(200);
    const big = await request(gw.url, '/api/v1/clinics?case=bigjson', {
      method: 'POST',
      headers,
      body: { name: 'x'.repeat(3000) },
    });
    expect(big.status).toBe(413);
    expect(big.body.code).toBe('payload_too_large');
    expect(big.headers['connection']).toBe('close');
    expect(clinic.seen.some((s) => s.includes('case=bigjson'))).toBe(false);
    // The same size is fine as a multipart upload on an upload route, up to the upload limit.
    const multipart = (size: number) =>
      `--b\r\nContent-Disposition: form-data; name="file"; filename="a.png"\r\nContent-Type: image/png\r\n\r\n` +
      `${'p'.repeat(size)}\r\n--b--\r\n`;
    const upload = await request(gw.url, '/api/v1/clinics/1/photos?case=upload', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'multipart/form-data; boundary=b' },
      raw: multipart(3000),
    });
    expect(upload.status).toBe(200);
    const tooBig = await request(gw.url, '/api/v1/clinics/1/photos?case=bigupload', {
      method: 'POST',
      headers: { ...headers, 'content-type': 'multipart/form-data; boundary=b' },
      raw: multipart(9000),
    });
    expect(tooBig.status).toBe(413);
  });

  it('counts streamed bytes of a body without Content-Length', async () => {
    const token = await auth.token();
    const result = await new Promise<{ status: number; body: string }>((resolve, reject) => {
      const req = http.request(
        {
          host: '127.0.0.1',
          port: gw.port,
          method: 'POST',
          path: '/api/v1/clinics?case=chunked',
          headers: {
            authorization: `Bearer ${token}`,
            'content-type': 'application/json',
            'transfer-encoding': 'chunked',
          },
        },
        (res) => {
          let body = '';
          res.on('data', (d: Buffer) => (body += d.toString()));
          res.on('end', () => resolve({ status: res.statusCode ?? 0, body }));
        },
      );
      req.on('error', reject);
      let sent = 0;
      const pump = () => {
        // Bounded: stop after 64 KiB whatever happens.
        if (sent >= 65_536 || req.destroyed) return req.end();
        sent += 1024;
        req.write('x'.repeat(1024), () => setTimeout(pump, 5));
      };
      pump();
    });
    expect(result.status).toBe(413);
    expect(JSON.parse(result.body).code).toBe('payload_too_large');
  });

  it('limits keep-alive: requests per socket and idle time', async () => {
    const socket = net.connect(gw.port, '127.0.0.1');
    let data = '';
    socket.on('data', (d: Buffer) => (data += d.toString()));
    await new Promise((r) => socket.once('connect', r));
    for (let i = 0; i < 3; i++) {
      socket.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n');
      await sleep(100);
    }
    for (let i = 0; i < 20 && (data.match(/HTTP\/1\.1/g) ?? []).length < 3; i++) await sleep(50);
    socket.destroy();
    const statuses = data.match(/HTTP\/1\.1 \d{3}/g) ?? [];
    expect(statuses).toEqual(['HTTP/1.1 200', 'HTTP/1.1 200', 'HTTP/1.1 200']);
    expect(data.match(/Connection: close/gi)).toHaveLength(1);

    const idle = net.connect(gw.port, '127.0.0.1');
    idle.on('data', () => {});
    await new Promise((r) => idle.once('connect', r));
    const sentAt = Date.now();
    idle.write('GET /healthz HTTP/1.1\r\nHost: gateway\r\n\r\n');
    const idleClosedAt = await new Promise<number>((resolve) => idle.once('close', () => resolve(Date.now())));
    expect(idleClosedAt - sentAt).toBeGreaterThanOrEqual(1_400);
    expect(idleClosedAt - sentAt).toBeLessThan(4_000);
  });
});

describe('load shedding', () => {
  const registry = new MemoryRegistry();
  let gw: TestGateway;
  let booking: FakeUpstream;
  let clinic: FakeUpstream;
  const hang =
    (ms: number): Handler =>
    (req, res) => {
      setTimeout(
        () =>
          res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ slow: true, path: req.url })),
        ms,
      );
    };

  beforeAll(async () => {
    booking = await startUpstream(registry, 'booking', hang(2_500));
    clinic = await startUpstream(registry, 'clinic', okHandler('clinic'));
    gw = await startGateway({
      registry,
      env: { GATEWAY_MAX_IN_FLIGHT: '6', GATEWAY_MAX_IN_FLIGHT_PER_SERVICE: '4', UPSTREAM_TIMEOUT_MS: '5000' },
    });
  });
  afterAll(async () => {
    await gw?.stop();
    await booking?.stop();
    await clinic?.stop();
  });

  it('answers 503 overloaded at once past the cap, keeps /healthz answering, and serves again after', async () => {
    // A slow service can take its own share of slots (4 of 6)…
    const slow = Array.from({ length: 4 }, (_, i) => request(gw.url, `/api/v1/availability?i=${i}`));
    await sleep(200);
    const shedService = await request(gw.url, '/api/v1/availability?i=shed');
    expect(shedService.status).toBe(503);
    expect(shedService.body.code).toBe('overloaded');
    expect(Number(shedService.headers['retry-after'])).toBeGreaterThanOrEqual(1);
    // Immediately, not after the 2.5 s the slow requests take.
    expect(shedService.ms).toBeLessThan(700);
    // …while another service's routes are still served quickly.
    const other = await request(gw.url, '/api/v1/clinics');
    expect(other.status).toBe(200);
    expect(other.ms).toBeLessThan(700);

    // Fill the gateway-wide cap with two more slow requests to another service.
    clinic.setHandler(hang(2_500));
    const more = Array.from({ length: 2 }, (_, i) => request(gw.url, `/api/v1/clinics?i=${i}`));
    await sleep(200);
    const shed = await request(gw.url, '/api/v1/clinics?i=shed');
    expect(shed.status).toBe(503);
    expect(shed.body.code).toBe('overloaded');
    expect(shed.ms).toBeLessThan(700);
    expect(shed.headers['x-content-type-options']).toBe('nosniff');
    const health = await request(gw.url, '/healthz');
    expect(health.status).toBe(200);
    expect(health.ms).toBeLessThan(700);
    // Service registrations are on the internal listener, never shed (an overloaded gateway must not
    // lose its services), and not on the public port at all.
    expect(
      (await request(gw.internalUrl, '/internal/registry/instances', { headers: { 'x-service-token': 'not-a-token' } }))
        .status,
    ).toBe(401);

    expect((await Promise.all([...slow, ...more])).map((r) => r.status)).toEqual([200, 200, 200, 200, 200, 200]);
    clinic.setHandler(okHandler('clinic'));
    expect((await request(gw.url, '/api/v1/availability')).status).toBe(200);
    expect((await request(gw.url, '/api/v1/clinics')).status).toBe(200);
  });
});
