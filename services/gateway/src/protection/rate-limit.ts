import { createHash } from 'node:crypto';
import type { Redis } from 'ioredis';
import type { Options } from 'express-rate-limit';
import { Counter, type Registry as MetricsRegistry } from 'prom-client';
import { TooManyRequestsError } from '@petpro/kit';
import type { SharedCounter } from '../cluster.ts';
import { FallbackStore, type RedisHealth } from './counter-store.ts';

export const RATE_WINDOW_MS = 60_000;

export interface RateLimitOptions {
  /** Per client IP, or per user when the request carries a valid token; 0 turns it off. */
  perMinute: number;
  /** Per client IP on routes of limit class `auth`; 0 turns it off. */
  authPerMinute: number;
  redis?: Redis;
  /** Prefix of the Redis keys (the deployment's prefix). */
  keyPrefix: string;
  health: RedisHealth;
  metrics?: MetricsRegistry;
  /** Counters shared by the workers of one gateway (GATEWAY_WORKERS without Redis). */
  shared?: SharedCounter;
}

/** Who a request is counted as. */
export interface RateSubject {
  /** The client IP (or IPv6 /64) key. */
  clientKey: string;
  /** The user of a valid, unrevoked token: the general limit counts users, not addresses. */
  userId?: string;
  /** The route's limit class (`auth` routes have their own, stricter limit per IP). */
  limitClass?: string;
}

/** The outcome: RateLimit headers for the answer, and the 429 to send when over a limit. */
export interface RateVerdict {
  /** Flat header list (`ratelimit`, `ratelimit-policy`). */
  headers: string[];
  refusal?: TooManyRequestsError;
}

interface Window {
  count: number;
  resetAt: number;
}

/**
 * Fixed one-minute windows in memory: one Map lookup per request (and one insert per client per
 * minute). Hand-written because express-rate-limit's MemoryStore is built for its middleware
 * (promises, a Date per result, two maps); this is the gateway's hot path.
 */
class MemoryWindows {
  private readonly windows = new Map<string, Window>();
  private readonly timer: NodeJS.Timeout;

  constructor(private readonly windowMs: number) {
    this.timer = setInterval(() => this.prune(), windowMs);
    this.timer.unref();
  }

  hit(key: string, now: number): Window {
    let w = this.windows.get(key);
    if (w === undefined || w.resetAt <= now) {
      w = { count: 0, resetAt: now + this.windowMs };
      this.windows.set(key, w);
    }
    w.count++;
    return w;
  }

  private prune(): void {
    const now = Date.now();
    for (const [k, w] of this.windows) if (w.resetAt <= now) this.windows.delete(k);
  }

  close(): void {
    clearInterval(this.timer);
  }
}

/** The partition key of the draft-8 `RateLimit-Policy` header, as express-rate-limit wrote it; memoised. */
const partitionKeys = new Map<string, string>();
function partitionKey(key: string): string {
  let pk = partitionKeys.get(key);
  if (pk === undefined) {
    if (partitionKeys.size >= 10_000) partitionKeys.clear();
    pk = Buffer.from(createHash('sha256').update(key).digest('hex').slice(0, 12)).toString('base64');
    partitionKeys.set(key, pk);
  }
  return pk;
}

type PolicyName = 'general' | 'auth';

interface Policy {
  name: PolicyName;
  limit: number;
  memory?: MemoryWindows;
  redis?: FallbackStore;
}

/**
 * The gateway's rate limits: `general` per user (valid token) or client IP, and `auth` per client IP on auth routes.
 * Counters are in memory, or in Redis when REDIS_URL is set (shared by every replica, falling back to memory while
 * Redis is down), or with the cluster's primary (workers). Every counted answer carries the draft-8 `RateLimit` and
 * `RateLimit-Policy` headers; past a limit the answer is 429 `rate_limited` with Retry-After.
 */
export function createRateLimits(opts: RateLimitOptions) {
  const rejected = opts.metrics
    ? new Counter({
        name: 'gateway_rate_limited_total',
        help: 'Requests refused with 429 by the gateway',
        labelNames: ['policy'],
        registers: [opts.metrics],
      })
    : undefined;

  const policy = (name: PolicyName, limit: number): Policy | undefined => {
    if (limit <= 0) return undefined;
    if (opts.redis) {
      const redis = new FallbackStore(`${opts.keyPrefix}rl:${name}:`, opts.redis, opts.health);
      redis.init({ windowMs: RATE_WINDOW_MS } as Options);
      return { name, limit, redis };
    }
    return opts.shared ? { name, limit } : { name, limit, memory: new MemoryWindows(RATE_WINDOW_MS) };
  };
  const general = policy('general', opts.perMinute);
  const auth = policy('auth', opts.authPerMinute);

  const remote = async (p: Policy, key: string, now: number): Promise<Window> => {
    if (!p.redis) return opts.shared!(`rl:${p.name}:`, key, RATE_WINDOW_MS);
    const r = await p.redis.increment(key);
    return { count: r.totalHits, resetAt: r.resetTime?.getTime() ?? now + RATE_WINDOW_MS };
  };
  const hit = async (p: Policy, key: string, now: number): Promise<Window> =>
    p.memory ? p.memory.hit(key, now) : remote(p, key, now);

  const apply = (p: Policy, key: string, w: Window, now: number, out: RateVerdict): void => {
    const seconds = Math.max(0, Math.ceil((w.resetAt - now) / 1000));
    const entry = `"${p.name}"; r=${Math.max(0, p.limit - w.count)}; t=${seconds}`;
    const policyEntry = `"${p.name}"; q=${p.limit}; w=${RATE_WINDOW_MS / 1000}; pk=:${partitionKey(key)}:`;
    if (out.headers.length === 0) out.headers.push('ratelimit', entry, 'ratelimit-policy', policyEntry);
    else {
      out.headers[1] += `, ${entry}`;
      out.headers[3] += `, ${policyEntry}`;
    }
    if (w.count > p.limit && !out.refusal) {
      rejected?.inc({ policy: p.name });
      const retryAfter = Math.max(1, seconds);
      out.refusal = new TooManyRequestsError(
        retryAfter,
        'rate_limited',
        `Too many requests (${p.name} limit of ${p.limit} per minute); retry after ${retryAfter} s`,
      );
    }
  };

  return {
    /**
     * Counts one request against every limit that applies to it; synchronous with in-memory
     * counters (the hot path), a promise with Redis.
     */
    consume(subject: RateSubject): RateVerdict | Promise<RateVerdict> {
      const now = Date.now();
      const generalKey = subject.userId ? `user:${subject.userId}` : `ip:${subject.clientKey}`;
      const authKey = auth && subject.limitClass === 'auth' ? `ip:${subject.clientKey}` : undefined;
      if (!opts.redis && !opts.shared) {
        const out: RateVerdict = { headers: [] };
        if (general) apply(general, generalKey, general.memory!.hit(generalKey, now), now, out);
        if (auth && authKey) apply(auth, authKey, auth.memory!.hit(authKey, now), now, out);
        return out;
      }
      return (async () => {
        const out: RateVerdict = { headers: [] };
        if (general) apply(general, generalKey, await hit(general, generalKey, now), now, out);
        if (auth && authKey) apply(auth, authKey, await hit(auth, authKey, now), now, out);
        return out;
      })();
    },
    /**
     * Counts a WebSocket upgrade against the client's general budget; returns the seconds to wait
     * when over it.
     */
    async consumeUpgrade(clientKey: string): Promise<number | undefined> {
      if (!general) return undefined;
      const out: RateVerdict = { headers: [] };
      const now = Date.now();
      apply(general, `ip:${clientKey}`, await hit(general, `ip:${clientKey}`, now), now, out);
      return out.refusal?.extra.retryAfterSeconds;
    },
    /** Resolves once the shared counters are usable (or after `timeoutMs`; local counters until then). */
    async ready(timeoutMs = 3_000): Promise<void> {
      await Promise.all([general, auth].map((p) => p?.redis?.ready(timeoutMs)));
    },
    close(): void {
      for (const p of [general, auth]) {
        p?.memory?.close();
        p?.redis?.shutdown();
      }
    },
  };
}
export type RateLimits = ReturnType<typeof createRateLimits>;
