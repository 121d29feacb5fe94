import http from 'node:http';
import type { Duplex } from 'node:stream';
import {
  AppError,
  type BreakerSet,
  CircuitOpen,
  GatewayTimeoutError,
  PayloadTooLargeError,
  ServiceUnavailableError,
  Unreachable,
  type Logger,
  type RegisteredInstance,
} from '@petpro/kit';
import type { InstancePool } from '../discovery/instances.ts';
import { SECURITY_HEADER_NAMES, SECURITY_HEADERS } from './answer.ts';
import { BODYLESS_METHODS, hasBody } from './framing.ts';

/*
 * Written on node:http rather than a proxy library: each attempt must pick its target from the
 * health-checked pool, go through the service's circuit breaker, be retried on another instance only
 * when no byte of the body was sent, set the framing itself and control exactly which headers cross.
 * node:http's keep-alive agent was measured against undici's Pool (dispatch API) as a bare proxy on
 * this machine and kept: no clear difference (see the README's Benchmarks), and one client less.
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

/**
 * Request headers never passed on from a client: hop-by-hop ones, the framing (the gateway sets its
 * own), internal identity and forwarding headers (the gateway writes its own), Host.
 */
function isStripped(name: string): boolean {
  return (
    HOP_BY_HOP.has(name) ||
    name === 'content-length' ||
    name === 'host' ||
    name === 'x-request-id' ||
    name === 'x-service-token' ||
    name.startsWith('x-petpro-') ||
    name.startsWith('x-forwarded-') ||
    name === 'forwarded' ||
    name === 'x-real-ip'
  );
}

export interface ForwardTarget {
  service: string;
  path: string;
  requestId: string;
  clientIp: string;
  /** Who failures count for in the breaker (the client IP or /64): one client cannot open a circuit. */
  clientKey: string;
  /** Bytes of body the client may stream; past it the request is cut with 413 (not a service failure). */
  maxBodyBytes?: number;
  /** Drop the Authorization header (a token that failed verification, on a public route). */
  stripAuthorization?: boolean;
  /** Response headers of the gateway's own (CORS, RateLimit), as a flat list. */
  extraHeaders?: readonly string[];
}

/**
 * The headers sent upstream, in one pass over the client's raw headers: what may cross, then the
 * gateway's own (request id, forwarding) and the framing it chose: the Content-Length Node's parser
 * read, chunked, or none.
 */
export function upstreamRequestHeaders(req: http.IncomingMessage, target: ForwardTarget): string[] {
  const raw = req.rawHeaders;
  const connection = req.headers.connection;
  const listed =
    connection === undefined || connection === 'keep-alive' || connection === 'close'
      ? undefined
      : new Set(connection.split(',').map((s) => s.trim().toLowerCase()));
  const out: string[] = [];
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (isStripped(name) || listed?.has(name) || (target.stripAuthorization && name === 'authorization')) continue;
    out.push(name, raw[i + 1]!);
  }
  out.push('x-request-id', target.requestId, 'x-forwarded-for', target.clientIp);
  out.push('x-forwarded-proto', (req.socket as { encrypted?: boolean }).encrypted ? 'https' : 'http');
  if (req.headers.host !== undefined) out.push('x-forwarded-host', req.headers.host);
  if (hasBody(req)) {
    const length = req.headers['content-length'];
    if (length !== undefined) out.push('content-length', length);
    else out.push('transfer-encoding', 'chunked');
  } else if (!BODYLESS_METHODS.has(req.method ?? 'GET')) out.push('content-length', '0');
  return out;
}

/**
 * The answer's headers, in one pass over the service's raw headers: hop-by-hop ones dropped, the
 * gateway's security headers added where the service set none, its own headers (CORS, RateLimit)
 * and request id added, and its Vary (Origin, for CORS) merged with the service's.
 */
function answerHeaders(upstream: http.IncomingMessage, target: ForwardTarget): string[] {
  const raw = upstream.rawHeaders;
  const out: string[] = [];
  let seenSecurity: Set<string> | undefined;
  let varyAt = -1;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (HOP_BY_HOP.has(name) || name === 'x-request-id') continue;
    if (SECURITY_HEADER_NAMES.has(name)) (seenSecurity ??= new Set()).add(name);
    else if (name === 'vary') varyAt = out.length + 1;
    out.push(name, raw[i + 1]!);
  }
  for (let i = 0; i < SECURITY_HEADERS.length; i += 2)
    if (!seenSecurity?.has(SECURITY_HEADERS[i]!)) out.push(SECURITY_HEADERS[i]!, SECURITY_HEADERS[i + 1]!);
  const extra = target.extraHeaders ?? [];
  for (let i = 0; i < extra.length; i += 2) {
    if (extra[i] === 'vary' && varyAt >= 0) out[varyAt] = `${extra[i + 1]}, ${out[varyAt]}`;
    else out.push(extra[i]!, extra[i + 1]!);
  }
  out.push('x-request-id', target.requestId);
  return out;
}

/** The client went away before the answer: its own doing, not a sign the service is failing. */
export class ClientClosedRequestError extends AppError {
  constructor() {
    super(499, 'client_closed_request', 'The client closed the request');
  }
}

/** A 500/502/503/504 from the service: counted by the breaker (once per client), then passed on as it is. */
class Upstream5xx extends Error {
  constructor(readonly response: http.IncomingMessage) {
    super(`upstream answered ${response.statusCode}`);
  }
}

/** Statuses that say the service failed (501, 505… answer what was asked). */
const SERVICE_FAULTS = new Set([500, 502, 503, 504]);

/** An attempt that failed before an answer; `sent` when a byte of the body may have reached the service. */
class AttemptError extends Error {
  constructor(
    message: string,
    readonly bodySent: boolean,
    readonly timeout = false,
  ) {
    super(message);
  }
}

/** Host and port of an instance URL, parsed once per instance rather than once per request. */
const targets = new Map<string, { hostname: string; port: string; host: string }>();
function targetOf(instanceUrl: string): { hostname: string; port: string; host: string } {
  let t = targets.get(instanceUrl);
  if (t === undefined) {
    if (targets.size >= 1_000) targets.clear();
    const u = new URL(instanceUrl);
    t = { hostname: u.hostname, port: u.port, host: u.host };
    targets.set(instanceUrl, t);
  }
  return t;
}

/** Could not connect at all: counted whoever the client is. */
class ConnectFailed extends Unreachable {}

export class UpstreamProxy {
  private readonly agent = new http.Agent({ keepAlive: true, maxSockets: 512, keepAliveMsecs: 10_000 });

  constructor(
    private readonly pool: InstancePool,
    private readonly breakers: BreakerSet,
    private readonly opts: { timeoutMs: number; retries?: number },
    private readonly log: Logger,
  ) {}

  /**
   * Sends the request to a healthy instance and streams the answer back; throws AppErrors for
   * 503/504, and PayloadTooLargeError when a streamed body passes its limit.
   */
  async forward(req: http.IncomingMessage, res: http.ServerResponse, target: ForwardTarget): Promise<void> {
    const tried = new Set<string>();
    const withBody = hasBody(req);
    const idempotent = req.method === 'GET' || req.method === 'HEAD' || req.method === 'OPTIONS';
    const headers = upstreamRequestHeaders(req, target);
    const maxAttempts = 1 + (this.opts.retries ?? 2);
    const call = { client: target.clientKey };
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
        const upstream = await this.breakers.run(
          target.service,
          () => this.attempt(req, res, inst, target, headers),
          call,
        );
        this.pipeBack(upstream, res, target);
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
          this.pipeBack(err.response, res, target);
          return;
        }
        if (err instanceof AppError) throw err;
        const e = err as AttemptError;
        if (e.timeout) throw new GatewayTimeoutError(`The ${target.service} service did not answer in time`);
        this.pool.markFailed(inst.id, e.message);
        this.log.warn({ service: target.service, instance: inst.id, err: e.message }, 'upstream attempt failed');
        // Safe to try another instance only if nothing was sent, or the request has no body and is idempotent.
        if (e.bodySent && (withBody || !idempotent)) break;
      }
    }
    throw new ServiceUnavailableError('service_unavailable', `The ${target.service} service is unavailable`);
  }

  private async countUnavailable(service: string): Promise<void> {
    try {
      await this.breakers.run(service, () => Promise.reject(new ConnectFailed('no healthy instance')));
    } catch (err) {
      if (err instanceof CircuitOpen)
        throw new ServiceUnavailableError(
          'circuit_open',
          `The ${service} service is failing; try again shortly`,
          err.retryAfterSeconds,
        );
    }
  }

  /**
   * One try against one instance. Any way it ends other than a complete exchange destroys the
   * upstream request, and with it the socket: a socket whose request did not end cleanly is never
   * returned to the pool, so nothing half-sent can be read as the start of the next request.
   */
  private attempt(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    inst: RegisteredInstance,
    target: ForwardTarget,
    baseHeaders: string[],
  ): Promise<http.IncomingMessage> {
    const url = targetOf(inst.url);
    return new Promise((resolve, reject) => {
      let sent = false;
      let settled = false;
      const upstreamReq = http.request({
        agent: this.agent,
        host: url.hostname,
        port: url.port,
        method: req.method,
        path: target.path,
        headers: ['host', url.host, ...baseHeaders],
      });
      const timer = setTimeout(() => {
        fail(new AttemptError('timeout', true, true));
        upstreamReq.destroy();
      }, this.opts.timeoutMs);
      const fail = (e: Error) => {
        if (settled) return;
        settled = true;
        clearTimeout(timer);
        res.off('close', onClientGone);
        req.off('data', onData);
        reject(e);
      };
      upstreamReq.on('error', (err) =>
        fail(sent ? new AttemptError(err.message, true) : new ConnectFailed(err.message)),
      );
      upstreamReq.on('response', (upstreamRes) => {
        if (settled) {
          upstreamRes.destroy();
          return;
        }
        settled = true;
        clearTimeout(timer);
        res.off('close', onClientGone);
        if (SERVICE_FAULTS.has(upstreamRes.statusCode ?? 500)) reject(new Upstream5xx(upstreamRes));
        else resolve(upstreamRes);
      });
      // The client went away before the answer: stop the upstream work too, without blaming the service.
      const onClientGone = () => {
        fail(new ClientClosedRequestError());
        upstreamReq.destroy();
      };
      res.once('close', onClientGone);
      // Bodies without a Content-Length are counted as they stream.
      let received = 0;
      const limit = target.maxBodyBytes;
      const onData = (chunk: Buffer) => {
        received += chunk.length;
        if (limit === undefined || received <= limit) return;
        req.unpipe(upstreamReq);
        req.off('data', onData);
        fail(new PayloadTooLargeError(`The request body is larger than the ${limit} bytes allowed here`));
        upstreamReq.destroy();
      };
      const startBody = () => {
        sent = true;
        if (!hasBody(req)) {
          upstreamReq.end();
          return;
        }
        if (limit !== undefined && req.headers['content-length'] === undefined) req.on('data', onData);
        req.pipe(upstreamReq);
      };
      upstreamReq.on('socket', (socket) => {
        if ((socket as { connecting?: boolean }).connecting) socket.once('connect', startBody);
        else startBody();
      });
    });
  }

  private pipeBack(upstream: http.IncomingMessage, res: http.ServerResponse, target: ForwardTarget): void {
    res.writeHead(upstream.statusCode ?? 502, answerHeaders(upstream, target));
    upstream.pipe(res);
    upstream.on('error', () => res.destroy());
    res.on('close', () => {
      if (!upstream.complete) upstream.destroy();
    });
  }

  /** Proxies a WebSocket upgrade to a healthy instance; answers 503 on the raw socket when none is. */
  upgrade(req: http.IncomingMessage, socket: Duplex, head: Buffer, target: ForwardTarget): void {
    const inst = this.pool.next(target.service);
    if (!inst) {
      socket.end('HTTP/1.1 503 Service Unavailable\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
      return;
    }
    const url = new URL(inst.url);
    const headers = upstreamRequestHeaders(req, target);
    headers.push('host', url.host, 'connection', 'Upgrade', 'upgrade', req.headers.upgrade ?? 'websocket');
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
