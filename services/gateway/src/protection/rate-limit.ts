import type { Request, RequestHandler } from 'express';
import type { Redis } from 'ioredis';
import { rateLimit, type Options, type RateLimitInfo } from 'express-rate-limit';
import { Counter, type Registry as MetricsRegistry } from 'prom-client';
import { TooManyRequestsError, type Logger } from '@petpro/kit';
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
  log: Logger;
  metrics?: MetricsRegistry;
  /** Requests never counted: allowlisted clients, internal endpoints. */
  exempt: (req: Request) => boolean;
}

type Policy = 'general' | 'auth';

/** The key a request is counted under for the general limit: the user when known, else the client IP (or /64). */
function generalKey(req: Request): string {
  const user = req.identity?.principal?.userId;
  return user ? `user:${user}` : `ip:${req.clientIdentity?.key ?? 'unknown'}`;
}

function ipKey(req: Request): string {
  return `ip:${req.clientIdentity?.key ?? 'unknown'}`;
}

/**
 * The gateway's rate limits, on express-rate-limit with a swappable store (FallbackStore: Redis
 * shared by every replica, memory when there is no Redis or it is down). Each answers 429
 * problem+json `rate_limited` with Retry-After and the draft-8 `RateLimit` / `RateLimit-Policy`
 * headers (policies named `general` and `auth`).
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
  const stores: FallbackStore[] = [];

  const limiter = (
    policy: Policy,
    limit: number,
    key: (req: Request) => string,
    applies: (req: Request) => boolean,
  ): RequestHandler => {
    const store = new FallbackStore(`${opts.keyPrefix}rl:${policy}:`, opts.redis, opts.health);
    stores.push(store);
    const property = `rateLimit_${policy}`;
    const options: Partial<Options> = {
      windowMs: RATE_WINDOW_MS,
      limit,
      standardHeaders: 'draft-8',
      legacyHeaders: false,
      identifier: policy,
      requestPropertyName: property,
      store,
      keyGenerator: key,
      skip: (req) => !applies(req) || opts.exempt(req),
      handler: (req, _res, next) => {
        const info = (req as Request & Record<string, RateLimitInfo | undefined>)[property];
        const retryAfter = info?.resetTime
          ? Math.max(1, Math.ceil((info.resetTime.getTime() - Date.now()) / 1000))
          : RATE_WINDOW_MS / 1000;
        rejected?.inc({ policy });
        next(
          new TooManyRequestsError(
            retryAfter,
            'rate_limited',
            `Too many requests (${policy} limit of ${limit} per minute); retry after ${retryAfter} s`,
          ),
        );
      },
      logger: {
        error: (err, msg) => opts.log.error({ err }, msg ?? 'rate limiter error'),
        warn: (err, msg) => opts.log.warn({ err }, msg ?? 'rate limiter warning'),
      },
    };
    return rateLimit(options);
  };

  const middleware: RequestHandler[] = [];
  if (opts.perMinute > 0) middleware.push(limiter('general', opts.perMinute, generalKey, () => true));
  if (opts.authPerMinute > 0)
    middleware.push(limiter('auth', opts.authPerMinute, ipKey, (req) => req.gatewayRoute?.rule?.limitClass === 'auth'));

  const general = stores[0] && opts.perMinute > 0 ? stores[0] : undefined;
  return {
    middleware,
    /**
     * Counts a WebSocket upgrade (which bypasses Express) against the client's general budget;
     * returns the seconds to wait when over it.
     */
    async consumeUpgrade(clientKey: string): Promise<number | undefined> {
      if (!general) return undefined;
      const r = await general.increment(`ip:${clientKey}`);
      if (r.totalHits <= opts.perMinute) return undefined;
      rejected?.inc({ policy: 'general' });
      return r.resetTime ? Math.max(1, Math.ceil((r.resetTime.getTime() - Date.now()) / 1000)) : RATE_WINDOW_MS / 1000;
    },
    /** Resolves once the shared counters are usable (or after `timeoutMs`; local counters until then). */
    async ready(timeoutMs = 3_000): Promise<void> {
      await Promise.all(stores.map((s) => s.ready(timeoutMs)));
    },
    close(): void {
      for (const s of stores) s.shutdown();
    },
  };
}
export type RateLimits = ReturnType<typeof createRateLimits>;
