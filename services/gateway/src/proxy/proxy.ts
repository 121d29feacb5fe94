import type http from 'node:http';
import type { IncomingHttpHeaders } from 'node:http';
import { Readable } from 'node:stream';
import { Pool, type Dispatcher } from 'undici';
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
import { SECURITY_HEADERS } from './answer.ts';
import { BODYLESS_METHODS, hasBody } from './framing.ts';

/*
 * Written on undici's Pool (its dispatch API, one pool per instance) rather than a proxy library:
 * each attempt must pick its target from the health-checked pool, go through the service's circuit
 * breaker, be retried on another instance only when no byte of the body was read, have its framing
 * set by the gateway and control exactly which headers cross. undici was measured against node:http
 * with a keep-alive agent on this path and kept: about a fifth less CPU per request (README,
 * Benchmarks). WebSocket upgrades (rare, long-lived) use node:http, in upgrades.ts.
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
    // Node's server has answered a client's 100-continue already; undici refuses to send it on.
    name === 'expect' ||
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
 * read, or none (a body of unknown length is sent chunked by the client library; a bodyless POST
 * gets Content-Length 0).
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
  } else if (!BODYLESS_METHODS.has(req.method ?? 'GET')) out.push('content-length', '0');
  return out;
}

/**
 * The answer's headers, in one pass over the service's: hop-by-hop ones dropped, the gateway's
 * security headers added where the service set none, its own headers (CORS, RateLimit) and request
 * id added, and its Vary (Origin, for CORS) merged with the service's.
 */
function answerHeaders(headers: IncomingHttpHeaders, target: ForwardTarget): string[] {
  const out: string[] = [];
  for (const name in headers) {
    const value = headers[name];
    if (value === undefined || HOP_BY_HOP.has(name) || name === 'x-request-id' || name === 'vary') continue;
    if (typeof value === 'string') out.push(name, value);
    else for (const v of value) out.push(name, v);
  }
  for (let i = 0; i < SECURITY_HEADERS.length; i += 2)
    if (headers[SECURITY_HEADERS[i]!] === undefined) out.push(SECURITY_HEADERS[i]!, SECURITY_HEADERS[i + 1]!);
  let vary = headers.vary as string | undefined;
  const extra = target.extraHeaders ?? [];
  for (let i = 0; i < extra.length; i += 2) {
    if (extra[i] === 'vary') vary = vary === undefined ? extra[i + 1] : `${extra[i + 1]}, ${vary}`;
    else out.push(extra[i]!, extra[i + 1]!);
  }
  if (vary !== undefined) out.push('vary', vary);
  out.push('x-request-id', target.requestId);
  return out;
}

/** The client went away before the answer: its own doing, not a sign the service is failing. */
export class ClientClosedRequestError extends AppError {
  constructor() {
    super(499, 'client_closed_request', 'The client closed the request');
  }
}

/** An answer whose headers have arrived; `start()` writes them to the client and streams the body. */
interface UpstreamAnswer {
  status: number;
  start(): void;
}

/** A 500/502/503/504 from the service: counted by the breaker (once per client), then passed on as it is. */
class Upstream5xx extends Error {
  constructor(readonly answer: UpstreamAnswer) {
    super(`upstream answered ${answer.status}`);
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

/** Could not connect at all: counted whoever the client is, and safe to try elsewhere. */
class ConnectFailed extends Unreachable {}

/** Errors that mean no connection was made, so nothing of the request was sent. */
const CONNECT_ERRORS = new Set([
  'ECONNREFUSED',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'UND_ERR_CONNECT_TIMEOUT',
]);

/**
 * The client's body for one attempt, read from the client only once the upstream reads it: if the
 * attempt fails before that (no connection), nothing was consumed and another instance can be
 * tried. Bodies without a Content-Length are counted against `limit` as they stream.
 */
class ForwardedBody extends Readable {
  /** Some of the body has been read from the client (and may have reached the service). */
  started = false;
  private received = 0;
  private readonly onData = (chunk: Buffer) => {
    this.received += chunk.length;
    if (this.limit !== undefined && this.received > this.limit) {
      this.detach();
      this.destroy(new PayloadTooLargeError(`The request body is larger than the ${this.limit} bytes allowed here`));
      return;
    }
    if (!this.push(chunk)) this.req.pause();
  };
  private readonly onEnd = () => this.push(null);
  private readonly onAborted = () => this.destroy(new ClientClosedRequestError());

  constructor(
    private readonly req: http.IncomingMessage,
    private readonly limit: number | undefined,
  ) {
    super();
  }

  override _read(): void {
    if (!this.started) {
      this.started = true;
      this.req.on('data', this.onData);
      this.req.once('end', this.onEnd);
      this.req.once('aborted', this.onAborted);
    }
    this.req.resume();
  }

  override _destroy(err: Error | null, cb: (err?: Error | null) => void): void {
    this.detach();
    cb(err);
  }

  /** Leaves the client's request alone (its rest is drained by the front door, or its socket is gone). */
  private detach(): void {
    this.req.off('data', this.onData);
    this.req.off('end', this.onEnd);
    this.req.off('aborted', this.onAborted);
  }
}

/** What an undici error before the answer means for the breaker and for a retry. */
function classify(err: Error, body: ForwardedBody | null): Error {
  if (err instanceof AppError) return err; // ours: client gone, body too large
  const code = (err as { code?: string }).code ?? '';
  if (code === 'UND_ERR_HEADERS_TIMEOUT') return new AttemptError('timeout', true, true);
  if (CONNECT_ERRORS.has(code)) return new ConnectFailed(err.message);
  return new AttemptError(err.message, body?.started ?? true);
}

export class UpstreamProxy {
  /** One keep-alive pool per instance URL. */
  private readonly pools = new Map<string, Pool>();

  constructor(
    private readonly pool: InstancePool,
    private readonly breakers: BreakerSet,
    private readonly opts: { timeoutMs: number; retries?: number },
    private readonly log: Logger,
  ) {}

  private poolFor(url: string): Pool {
    let p = this.pools.get(url);
    if (p === undefined) {
      p = new Pool(url, { pipelining: 1, connections: 512 });
      this.pools.set(url, p);
    }
    return p;
  }

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
      const body = withBody ? new ForwardedBody(req, target.maxBodyBytes) : null;
      try {
        const answer = await this.breakers.run(
          target.service,
          () => this.attempt(req, res, inst, target, headers, body),
          call,
        );
        answer.start();
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
          err.answer.start();
          return;
        }
        if (err instanceof AppError) throw err;
        const e = err as AttemptError;
        if (e.timeout) throw new GatewayTimeoutError(`The ${target.service} service did not answer in time`);
        this.pool.markFailed(inst.id, e.message);
        this.log.warn({ service: target.service, instance: inst.id, err: e.message }, 'upstream attempt failed');
        // Safe to try another instance only if nothing was sent, or the request has no body and is idempotent.
        const sent = e instanceof ConnectFailed ? false : e.bodySent || (body?.started ?? false);
        if (sent && (withBody || !idempotent)) break;
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
   * One try against one instance; resolves when the answer's headers arrive (the body waits for
   * `start()`). Any way it ends other than a complete exchange aborts the upstream request, and
   * undici then destroys its socket: a socket whose request did not end cleanly is never reused, so
   * nothing half-sent can be read as the start of the next request.
   */
  private attempt(
    req: http.IncomingMessage,
    res: http.ServerResponse,
    inst: RegisteredInstance,
    target: ForwardTarget,
    headers: string[],
    body: ForwardedBody | null,
  ): Promise<UpstreamAnswer> {
    return new Promise((resolve, reject) => {
      let settled = false;
      let controller: Dispatcher.DispatchController | undefined;
      let goneReason: Error | undefined;
      // The client went away: stop the upstream work too, without blaming the service.
      const onClientGone = () => {
        goneReason = new ClientClosedRequestError();
        if (controller && !controller.aborted) controller.abort(goneReason);
      };
      res.once('close', onClientGone);
      let started = false;
      let endedEarly = false;
      const finish = () => {
        res.off('close', onClientGone);
        res.end();
      };
      const fail = (err: Error) => {
        if (settled) return;
        settled = true;
        res.off('close', onClientGone);
        reject(err);
      };
      const handler: Dispatcher.DispatchHandler = {
        onRequestStart(c) {
          controller = c;
          if (goneReason) c.abort(goneReason);
        },
        onResponseStart(c, status, responseHeaders) {
          if (settled) return c.abort(new ClientClosedRequestError());
          settled = true;
          // The body waits until the breaker has seen the status and the front door starts the answer.
          c.pause();
          const answer: UpstreamAnswer = {
            status,
            start() {
              if (res.destroyed) return c.abort(new ClientClosedRequestError());
              res.writeHead(status, answerHeaders(responseHeaders, target));
              started = true;
              // An answer without a body (HEAD, 204, 304) may have ended before it was started.
              if (endedEarly) finish();
              else c.resume();
            },
          };
          if (SERVICE_FAULTS.has(status)) reject(new Upstream5xx(answer));
          else resolve(answer);
        },
        onResponseData(c, chunk) {
          if (!res.write(chunk)) {
            c.pause();
            res.once('drain', () => c.resume());
          }
        },
        onResponseEnd() {
          if (started) finish();
          else endedEarly = true;
        },
        onResponseError(_c, err) {
          if (!settled) return fail(classify(err, body));
          // Mid-answer: the client cannot be told anything else; end its connection.
          res.destroy();
        },
      };
      this.poolFor(inst.url).dispatch(
        {
          path: target.path,
          method: req.method as Dispatcher.HttpMethod,
          headers,
          body,
          headersTimeout: this.opts.timeoutMs,
          bodyTimeout: this.opts.timeoutMs,
        },
        handler,
      );
    });
  }

  close(): void {
    for (const p of this.pools.values()) void p.destroy();
    this.pools.clear();
  }
}
