import http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  AppError,
  type BreakerSet,
  CircuitOpen,
  GatewayTimeoutError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  type Logger,
  type RegisteredInstance,
} from '@petpro/kit';
import type { InstancePool } from '../discovery/instances.ts';

/*
 * Written on node:http rather than a proxy library: each attempt must pick its target from the
 * health-checked pool, go through the service's circuit breaker, be retried on another instance only
 * when no byte of the body was sent, and control exactly which headers cross. http-proxy is
 * unmaintained and http-proxy-3's current line needs Node 22.
 */

const HOP_BY_HOP = new Set([
  'connection',
  'keep-alive',
  'proxy-authenticate',
  'proxy-authorization',
  'proxy-connection',
  'te',
  'trailer',
  'transfer-encoding',
  'upgrade',
]);

/** Headers a client may never send on: hop-by-hop ones, internal identity and forwarding headers. */
function isStripped(name: string): boolean {
  return (
    HOP_BY_HOP.has(name) ||
    name === 'x-service-token' ||
    name.startsWith('x-petpro-') ||
    name.startsWith('x-forwarded-') ||
    name === 'forwarded' ||
    name === 'x-real-ip' ||
    name === 'host'
  );
}

export function upstreamRequestHeaders(
  req: http.IncomingMessage,
  extra: Record<string, string>,
): http.OutgoingHttpHeaders {
  const listed = new Set(
    String(req.headers.connection ?? '')
      .toLowerCase()
      .split(',')
      .map((s) => s.trim())
      .filter(Boolean),
  );
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(req.headers)) {
    if (v === undefined || isStripped(k) || listed.has(k)) continue;
    out[k] = v;
  }
  return { ...out, ...extra };
}

function responseHeaders(res: http.IncomingMessage, own: http.ServerResponse): http.OutgoingHttpHeaders {
  const out: http.OutgoingHttpHeaders = {};
  for (const [k, v] of Object.entries(res.headers)) {
    if (v === undefined || HOP_BY_HOP.has(k)) continue;
    out[k] = v;
  }
  // The gateway's own Vary (Origin, for CORS) must survive the service's.
  const mine = own.getHeader('vary');
  if (mine !== undefined && out.vary !== undefined) out.vary = `${String(mine)}, ${String(out.vary)}`;
  return out;
}

/** The client went away before the answer: its own doing, not a sign the service is failing. */
export class ClientClosedRequestError extends AppError {
  constructor() {
    super(499, 'client_closed_request', 'The client closed the request');
  }
}

class Upstream5xx extends Error {
  constructor(readonly response: http.IncomingMessage) {
    super(`upstream answered ${response.statusCode}`);
  }
}

class AttemptError extends Error {
  constructor(
    message: string,
    readonly bodySent: boolean,
    readonly timeout = false,
  ) {
    super(message);
  }
}

export interface ForwardTarget {
  service: string;
  path: string;
  requestId: string;
  clientIp: string;
  /** Bytes of body the client may stream; past it the request is cut with 413 (not a service failure). */
  maxBodyBytes?: number;
}

export class UpstreamProxy {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 512, keepAliveMsecs: 10_000 });

  constructor(
    private readonly pool: InstancePool,
    private readonly breakers: BreakerSet,
    private readonly opts: { timeoutMs: number; retries?: number },
    private readonly log: Logger,
  ) {}

  /** Sends the request to a healthy instance and streams the answer back; throws AppErrors for 503/504. */
  async forward(req: http.IncomingMessage, res: http.ServerResponse, target: ForwardTarget): Promise<void> {
    const tried = new Set<string>();
    const hasBody =
      req.headers['content-length'] !== undefined && req.headers['content-length'] !== '0'
        ? true
        : req.headers['transfer-encoding'] !== undefined;
    const idempotent = ['GET', 'HEAD', 'OPTIONS', 'PUT', 'DELETE'].includes(req.method ?? 'GET');
    const maxAttempts = 1 + (this.opts.retries ?? 2);
    for (let attempt = 0; attempt < maxAttempts; attempt++) {
      // With no healthy instance, a registered one is still tried once: the attempt, counted by the
      // breaker, is a truer test than a health check that may just have been slow.
      const inst =
        this.pool.next(target.service, tried) ?? (attempt === 0 ? this.pool.nextAny(target.service, tried) : undefined);
      if (!inst) {
        // No instance at all is the service failing too: counted, so a stopped service's circuit
        // opens like a failing or slow one's, and closes on the first good probe after it is back.
        if (attempt === 0) await this.countUnavailable(target.service);
        break;
      }
      tried.add(inst.id);
      try {
        const upstream = await this.breakers.run(target.service, () => this.attempt(req, inst, target));
        this.pipeBack(upstream, res);
        return;
      } catch (err) {
        if (err instanceof CircuitOpen) {
          throw new ServiceUnavailableError(
            'circuit_open',
            `The ${target.service} service is failing; try again shortly`,
            err.retryAfterSeconds,
          );
        }
        if (err instanceof Upstream5xx) {
          this.pipeBack(err.response, res);
          return;
        }
        if (err instanceof PayloadTooLargeError) {
          // The rest of the body is never read: close rather than parse it as the next request.
          res.setHeader('Connection', 'close');
          throw err;
        }
        if (err instanceof AppError) throw err;
        const e = err as AttemptError;
        if (e.timeout) throw new GatewayTimeoutError(`The ${target.service} service did not answer in time`);
        this.pool.markFailed(inst.id, e.message);
        this.log.warn({ service: target.service, instance: inst.id, err: e.message }, 'upstream attempt failed');
        // Safe to try another instance only if nothing was sent, or the request has no body and is idempotent.
        if (e.bodySent && (hasBody || !idempotent)) break;
      }
    }
    throw new ServiceUnavailableError('service_unavailable', `The ${target.service} service is unavailable`);
  }

  private async countUnavailable(service: string): Promise<void> {
    try {
      await this.breakers.run(service, () => Promise.reject(new AttemptError('no healthy instance', false)));
    } catch (err) {
      if (err instanceof CircuitOpen)
        throw new ServiceUnavailableError(
          'circuit_open',
          `The ${service} service is failing; try again shortly`,
          err.retryAfterSeconds,
        );
    }
  }

  private attempt(
    req: http.IncomingMessage,
    inst: RegisteredInstance,
    target: ForwardTarget,
  ): Promise<http.IncomingMessage> {
    const url = new URL(inst.url);
    const headers = upstreamRequestHeaders(req, {
      'x-request-id': target.requestId,
      'x-forwarded-for': target.clientIp,
      'x-forwarded-proto': (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http',
      ...(req.headers.host ? { 'x-forwarded-host': req.headers.host } : {}),
    });
    return new Promise((resolve, reject) => {
      let sent = false;
      let settled = false;
      const upstreamReq = http.request({
        agent: this.agent,
        protocol: url.protocol,
        hostname: url.hostname,
        port: url.port,
        method: req.method,
        path: target.path,
        headers,
      });
      const timer = setTimeout(() => {
        fail(new AttemptError('timeout', true, true));
        upstreamReq.destroy();
      }, this.opts.timeoutMs);
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        req.off('aborted', onAborted);
        req.off('data', onData);
        reject(e);
      };
      upstreamReq.on('error', (err) => fail(new AttemptError(err.message, sent)));
      upstreamReq.on('response', (upstreamRes) => {
        if (settled) {
          upstreamRes.resume();
          return;
        }
        settled = true;
        clearTimeout(timer);
        req.off('aborted', onAborted);
        if ((upstreamRes.statusCode ?? 500) >= 500) reject(new Upstream5xx(upstreamRes));
        else resolve(upstreamRes);
      });
      // The client went away: stop the upstream work too, without blaming the service.
      const onAborted = () => {
        fail(new ClientClosedRequestError());
        upstreamReq.destroy();
      };
      req.once('aborted', onAborted);
      // Bodies without a Content-Length (or lying about it) are counted as they stream.
      let received = 0;
      const limit = target.maxBodyBytes;
      const onData = (chunk: Buffer) => {
        received += chunk.length;
        if (limit === undefined || received <= limit) return;
        req.unpipe(upstreamReq);
        fail(new PayloadTooLargeError(`The request body is larger than the ${limit} bytes allowed here`));
        upstreamReq.destroy();
      };
      const startBody = () => {
        sent = true;
        if (limit !== undefined) req.on('data', onData);
        req.pipe(upstreamReq);
      };
      upstreamReq.on('socket', (socket) => {
        if ((socket as { connecting?: boolean }).connecting) socket.once('connect', startBody);
        else startBody();
      });
    });
  }

  private pipeBack(upstream: http.IncomingMessage, res: http.ServerResponse): void {
    res.writeHead(upstream.statusCode ?? 502, responseHeaders(upstream, res));
    upstream.pipe(res);
    upstream.on('error', () => res.destroy());
    res.on('close', () => upstream.destroy());
  }

  /** Proxies a WebSocket upgrade to a healthy instance; answers 503 on the raw socket when none is. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, target: ForwardTarget): void {
    const inst = this.pool.next(target.service);
    if (!inst) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const url = new URL(inst.url);
    const headers = upstreamRequestHeaders(req, {
      'x-request-id': target.requestId,
      'x-forwarded-for': target.clientIp,
    });
    headers.connection = 'Upgrade';
    headers.upgrade = req.headers.upgrade ?? 'websocket';
    const upstreamReq = http.request({
      hostname: url.hostname,
      port: url.port,
      method: req.method,
      path: target.path,
      headers,
    });
    upstreamReq.on('upgrade', (upRes, upSocket, upHead) => {
      const lines = [`HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}`];
      for (let i = 0; i < upRes.rawHeaders.length; i += 2)
        lines.push(`${upRes.rawHeaders[i]}: ${upRes.rawHeaders[i + 1]}`);
      socket.write(`${lines.join('\r\n')}\r\n\r\n`);
      if (upHead.length) socket.write(upHead);
      if (head.length) upSocket.write(head);
      upSocket.pipe(socket).pipe(upSocket);
      upSocket.on('error', () => socket.destroy());
      socket.on('error', () => upSocket.destroy());
    });
    upstreamReq.on('response', (upRes) => {
      socket.end(
        `HTTP/1.1 ${upRes.statusCode} ${upRes.statusMessage}\r\nConnection: close\r\nContent-Length: 0\r\n\r\n`,
      );
      upRes.resume();
    });
    upstreamReq.on('error', () =>
      socket.end('HTTP/1.1 502 Bad Gateway\r\nContent-Length: 0\r\nConnection: close\r\n\r\n'),
    );
    upstreamReq.end();
  }

  close(): void {
    this.agent.destroy();
  }
}
