import { Agent, type Dispatcher, request as undiciRequest } from 'undici';
import { AppError, ServiceUnavailableError, GatewayTimeoutError } from './errors.ts';
import { type BreakerSet, CircuitOpen, NotAFailure } from './breaker.ts';
import type { Registry, RegisteredInstance } from './registry.ts';
import type { ServiceCredentials } from './auth.ts';
import { SERVICE_TOKEN_HEADER } from './auth.ts';
import { currentRequestId } from './context.ts';

export interface ServiceRequest {
  method?: 'GET' | 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body?: unknown;
  headers?: Record<string, string>;
  timeoutMs?: number;
}

export interface ServiceResponse<T> {
  status: number;
  body: T;
}

/**
 * Callers that ask for the same key while a call for it is in flight share that call and its answer
 * (Go's singleflight); a caller that comes after it ended makes a new one, so this is no cache. Used
 * on hot paths where a crowd asks for the same thing at once (500 bookings for one slot read one
 * clinic). Written here because the npm packages for it either cache answers for a time or are not
 * kept up.
 */
export class SharedCalls<T> {
  private readonly inFlight = new Map<string, Promise<T>>();

  run(key: string, call: () => Promise<T>): Promise<T> {
    const running = this.inFlight.get(key);
    if (running) return running;
    const shared = call().finally(() => this.inFlight.delete(key));
    this.inFlight.set(key, shared);
    return shared;
  }
}

/** A non-2xx answer from another service, with its problem+json body. */
export class UpstreamHttpError extends Error {
  constructor(
    readonly service: string,
    readonly status: number,
    readonly body: { code?: string; detail?: string } | undefined,
  ) {
    super(`${service} answered ${status}${body?.code ? ` (${body.code})` : ''}`);
  }
}

const IDEMPOTENT = new Set(['GET', 'HEAD', 'PUT', 'DELETE', 'OPTIONS']);

/**
 * One keep-alive connection pool per instance for every ServiceClient of a process. undici's
 * `request` rather than the global `fetch` (which is undici too): fetch's WHATWG streams, Request and
 * Headers objects cost about as much CPU per call as the rest of the call (measured with --cpu-prof
 * on `npm run bench -- bookings`, where a booking makes three service calls).
 */
let sharedAgent: Agent | undefined;
function agent(): Dispatcher {
  sharedAgent ??= new Agent({ keepAliveTimeout: 10_000, connections: 128 });
  return sharedAgent;
}

/** The error code of a failed call, from undici (`err.code`) or wrapped in a cause. */
function errorCode(err: unknown): string | undefined {
  const e = err as { code?: string; cause?: { code?: string } };
  return e?.code ?? e?.cause?.code;
}

/** How long instances seen in the registry are still tried while the registry fails or comes back empty. */
const STALE_INSTANCES_MS = 30_000;

/**
 * Service-to-service HTTP: finds instances through the registry, balances round-robin, presents the
 * service credential, propagates the request id, times out, retries only idempotent calls (or calls
 * that never reached a server), and runs every call through the service's circuit breaker.
 */
export class ServiceClient {
  /** `at`: when the registry was last asked; `lastSeen`: when it last listed any instance. */
  private readonly cache = new Map<string, { at: number; items: RegisteredInstance[]; lastSeen: number }>();
  private readonly rr = new Map<string, number>();
  private readonly badUntil = new Map<string, number>();

  constructor(
    private readonly deps: {
      registry: Registry;
      credentials: ServiceCredentials;
      breakers?: BreakerSet;
      timeoutMs?: number;
      retries?: number;
      /** Fixed base URLs per service that bypass discovery (tests, static deployments). */
      staticUrls?: Record<string, string>;
    },
  ) {}

  private async instances(service: string): Promise<string[]> {
    const fixed = this.deps.staticUrls?.[service];
    if (fixed) return [fixed];
    const hit = this.cache.get(service);
    let items = hit && Date.now() - hit.at < 1_000 ? hit.items : undefined;
    if (!items) {
      try {
        items = await this.deps.registry.list(service);
      } catch (err) {
        // The registry (Redis) is down: the instances known a moment ago are still the best guess,
        // and a dead one is skipped below when its connection is refused.
        if (!hit?.items.length || Date.now() - hit.lastSeen > STALE_INSTANCES_MS) throw err;
        items = hit.items;
      }
      const now = Date.now();
      if (items.length) this.cache.set(service, { at: now, items, lastSeen: now });
      else if (hit?.items.length && now - hit.lastSeen <= STALE_INSTANCES_MS) {
        // An empty answer right after a Redis restart (its data gone until every instance's next
        // heartbeat) is not "no instance": keep trying the known ones for a while.
        items = hit.items;
        this.cache.set(service, { ...hit, at: now });
      } else {
        // An empty answer is not kept: the first instance to register is used at once.
        this.cache.delete(service);
      }
    }
    const now = Date.now();
    const good = items.filter((i) => (this.badUntil.get(i.url) ?? 0) < now);
    return (good.length ? good : items).map((i) => i.url);
  }

  private pick(service: string, urls: string[]): string {
    const n = (this.rr.get(service) ?? 0) + 1;
    this.rr.set(service, n);
    return urls[n % urls.length]!;
  }

  /** Sends a request and returns any HTTP answer under 500; 5xx, timeouts and network errors throw. */
  async request<T = unknown>(service: string, req: ServiceRequest): Promise<ServiceResponse<T>> {
    const method = req.method ?? 'GET';
    const attempts = 1 + (this.deps.retries ?? 2);
    let lastErr: unknown;
    for (let attempt = 0; attempt < attempts; attempt++) {
      let urls: string[];
      try {
        urls = await this.instances(service);
      } catch {
        throw new ServiceUnavailableError('service_unavailable', `The ${service} service cannot be found`);
      }
      if (!urls.length) throw new ServiceUnavailableError('service_unavailable', `No ${service} instance is available`);
      const base = this.pick(service, urls);
      try {
        const run = () => this.once<T>(service, base, method, req);
        return this.deps.breakers ? await this.deps.breakers.run(service, run) : await run();
      } catch (err) {
        if (err instanceof NotAFailure) return err.value as ServiceResponse<T>;
        if (err instanceof CircuitOpen)
          throw new ServiceUnavailableError(
            'circuit_open',
            `The ${service} service is failing; try again shortly`,
            err.retryAfterSeconds,
          );
        lastErr = err;
        const neverSent = errorCode(err) === 'ECONNREFUSED';
        if (neverSent) this.badUntil.set(base, Date.now() + 5_000);
        if (!neverSent && !IDEMPOTENT.has(method)) break;
        await new Promise((r) => setTimeout(r, 50 * 2 ** attempt));
      }
    }
    if (lastErr instanceof AppError) throw lastErr;
    if ((lastErr as Error)?.name === 'TimeoutError')
      throw new GatewayTimeoutError(`The ${service} service did not answer in time`);
    if (lastErr instanceof UpstreamHttpError)
      throw new ServiceUnavailableError('upstream_error', `The ${service} service failed`);
    throw new ServiceUnavailableError('service_unavailable', `The ${service} service is unavailable`);
  }

  private async once<T>(
    service: string,
    base: string,
    method: string,
    req: ServiceRequest,
  ): Promise<ServiceResponse<T>> {
    // The request this call is made for, if any (the kit's request context), so logs join up across services.
    const requestId = currentRequestId();
    const headers: Record<string, string> = {
      accept: 'application/json',
      [SERVICE_TOKEN_HEADER]: await this.deps.credentials.token(),
      ...(requestId ? { 'x-request-id': requestId } : {}),
      ...req.headers,
    };
    if (req.body !== undefined) headers['content-type'] = 'application/json';
    const res = await undiciRequest(new URL(req.path, base), {
      method: method as Dispatcher.HttpMethod,
      headers,
      body: req.body === undefined ? undefined : JSON.stringify(req.body),
      signal: AbortSignal.timeout(req.timeoutMs ?? this.deps.timeoutMs ?? 3_000),
      dispatcher: agent(),
    });
    const text = await res.body.text();
    let body: unknown;
    if (text) {
      try {
        body = JSON.parse(text);
      } catch {
        body = text;
      }
    }
    if (res.statusCode >= 500) throw new UpstreamHttpError(service, res.statusCode, body as never);
    const out = { status: res.statusCode, body: body as T };
    // A 4xx is the caller's business, not a sign the service is failing.
    if (res.statusCode >= 400) throw new NotAFailure(out);
    return out;
  }

  /** Like request, but a non-2xx answer throws UpstreamHttpError. */
  async json<T>(service: string, req: ServiceRequest): Promise<T> {
    const res = await this.request<T>(service, req);
    if (res.status >= 400) throw new UpstreamHttpError(service, res.status, res.body as never);
    return res.body;
  }
}
