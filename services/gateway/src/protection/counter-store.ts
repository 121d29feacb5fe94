import type { Redis } from 'ioredis';
import { MemoryStore, type ClientRateLimitInfo, type Options, type Store } from 'express-rate-limit';
import { RedisStore, type RedisReply } from 'rate-limit-redis';
import { Gauge, type Registry as MetricsRegistry } from 'prom-client';
import type { Logger } from '@petpro/kit';
import type { SharedCounter } from '../cluster.ts';

/** A Redis call slower than this counts as Redis being unreachable: a limiter must not add latency. */
const REDIS_DEADLINE_MS = 250;

function withDeadline<T>(p: Promise<T>, ms: number): Promise<T> {
  return new Promise<T>((resolve, reject) => {
    const t = setTimeout(() => reject(new Error(`redis did not answer within ${ms} ms`)), ms);
    p.then(
      (v) => {
        clearTimeout(t);
        resolve(v);
      },
      (e: unknown) => {
        clearTimeout(t);
        reject(e instanceof Error ? e : new Error(String(e)));
      },
    );
  });
}

/** Tracks whether the gateway's Redis-backed counters are degraded to local ones (one gauge for all stores). */
export class RedisHealth {
  private readonly gauge?: Gauge;
  private readonly degraded = new Set<string>();

  constructor(
    private readonly log: Logger,
    metrics?: MetricsRegistry,
  ) {
    if (metrics)
      this.gauge = new Gauge({
        name: 'gateway_rate_limit_store_degraded',
        help: '1 while rate-limit counters are local because Redis is unreachable',
        registers: [metrics],
      });
  }

  /** Logged once per outage (not once per store), and once again at recovery. */
  fail(store: string, err: unknown): void {
    if (this.degraded.has(store)) return;
    this.degraded.add(store);
    if (this.degraded.size > 1) return;
    this.gauge?.set(1);
    this.log.error(
      { store, err: (err as Error)?.message ?? String(err) },
      'Redis unreachable: counting rate limits on this gateway only until it is back',
    );
  }

  ok(store: string): void {
    if (!this.degraded.delete(store) || this.degraded.size > 0) return;
    this.recovered();
  }

  /** A reconnect ends the outage for every store at once (a store not used since would never say so). */
  watch(redis: Redis): void {
    redis.on('ready', () => {
      if (this.degraded.size === 0) return;
      this.degraded.clear();
      this.recovered();
    });
  }

  private recovered(): void {
    this.gauge?.set(0);
    this.log.warn('Redis reachable again: rate limits shared by every gateway again');
  }

  isDegraded(): boolean {
    return this.degraded.size > 0;
  }
}

/**
 * An express-rate-limit store that counts in Redis (rate-limit-redis) so every gateway replica
 * shares one budget, and falls back to an in-memory store whenever Redis is not connected, errors
 * or is slow: requests keep being limited, per replica, never let through uncounted. Without Redis
 * it is simply the memory store.
 */
export class FallbackStore implements Store {
  /** Keys are shared between replicas through Redis, so they are not local to this instance. */
  readonly localKeys: boolean;
  private readonly local = new MemoryStore();
  private readonly remote?: RedisStore;
  private options?: Options;
  private scriptsReady = false;
  private loading: Promise<void> = Promise.resolve();

  constructor(
    /** Distinguishes this limiter's keys from another's (also in Redis). */
    readonly prefix: string,
    private readonly redis: Redis | undefined,
    private readonly health: RedisHealth,
  ) {
    this.localKeys = !redis;
    if (redis) {
      this.remote = new RedisStore({
        prefix,
        sendCommand: (command: string, ...args: string[]) => redis.call(command, ...args) as Promise<RedisReply>,
      });
      // Scripts are loaded on every (re)connect: rate-limit-redis keeps a failed first load forever otherwise.
      redis.on('ready', () => {
        this.loading = this.loadScripts();
      });
    }
  }

  init(options: Options): void {
    this.options = options;
    this.local.init(options);
    this.loading = this.loadScripts();
  }

  /** Resolves when Redis (if any) is connected and the counting scripts are loaded, or after `timeoutMs`. */
  async ready(timeoutMs: number): Promise<void> {
    const redis = this.redis;
    if (!redis) return;
    if (redis.status !== 'ready') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, timeoutMs);
        t.unref();
        redis.once('ready', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    // The 'ready' listener registered first (in the constructor) has started the load by now.
    await withDeadline(this.loading, timeoutMs).catch(() => {});
  }

  private async loadScripts(): Promise<void> {
    if (!this.remote || !this.options || this.redis?.status !== 'ready') return;
    try {
      await this.remote.init(this.options);
      this.scriptsReady = true;
    } catch (err) {
      this.scriptsReady = false;
      this.health.fail(this.prefix, err);
    }
  }

  private remoteUsable(): RedisStore | undefined {
    return this.remote && this.scriptsReady && this.redis?.status === 'ready' ? this.remote : undefined;
  }

  async increment(key: string): Promise<ClientRateLimitInfo> {
    const remote = this.remoteUsable();
    if (remote) {
      try {
        const r = await withDeadline(remote.increment(key), REDIS_DEADLINE_MS);
        this.health.ok(this.prefix);
        return r;
      } catch (err) {
        this.health.fail(this.prefix, err);
      }
    } else if (this.remote && this.redis?.status !== 'ready') {
      // (Connected but scripts still loading after a reconnect: a moment of local counting, not an outage.)
      this.health.fail(this.prefix, new Error(`redis ${this.redis?.status ?? 'absent'}`));
    }
    return this.local.increment(key);
  }

  async get(key: string): Promise<ClientRateLimitInfo | undefined> {
    const remote = this.remoteUsable();
    if (remote) {
      try {
        return await withDeadline(remote.get(key), REDIS_DEADLINE_MS);
      } catch {
        /* fall through to the local count */
      }
    }
    return this.local.get(key);
  }

  async decrement(key: string): Promise<void> {
    await this.local.decrement(key);
    await this.remoteUsable()
      ?.decrement(key)
      .catch(() => {});
  }

  async resetKey(key: string): Promise<void> {
    await this.local.resetKey(key);
    await this.remoteUsable()
      ?.resetKey(key)
      .catch(() => {});
  }

  shutdown(): void {
    this.local.shutdown();
  }
}

/**
 * A plain fixed-window counter (no limit attached) used to count rejections per client for
 * automatic blocks; shared in Redis when connected, local otherwise.
 */
export class WindowCounter {
  private readonly local = new Map<string, { count: number; resetAt: number }>();
  private readonly timer: NodeJS.Timeout;

  constructor(
    private readonly prefix: string,
    private readonly windowMs: number,
    private readonly redis: Redis | undefined,
    private readonly health: RedisHealth,
    /** The cluster primary's counters (workers without Redis). */
    private readonly shared?: SharedCounter,
  ) {
    this.timer = setInterval(() => this.prune(), Math.min(windowMs, 60_000));
    this.timer.unref();
  }

  /** Counts one more event for `key` and returns the count within the current window. */
  async hit(key: string): Promise<number> {
    if (this.shared && !this.redis) return (await this.shared(this.prefix, key, this.windowMs)).count;
    if (this.redis?.status === 'ready') {
      const k = `${this.prefix}${key}`;
      try {
        const res = await withDeadline(
          this.redis.multi().set(k, '0', 'PX', this.windowMs, 'NX').incr(k).exec(),
          REDIS_DEADLINE_MS,
        );
        const n = Number(res?.[1]?.[1]);
        if (Number.isFinite(n)) {
          this.health.ok(this.prefix);
          return n;
        }
      } catch (err) {
        this.health.fail(this.prefix, err);
      }
    } else if (this.redis) {
      this.health.fail(this.prefix, new Error(`redis ${this.redis.status}`));
    }
    const now = Date.now();
    let e = this.local.get(key);
    if (!e || e.resetAt <= now) {
      e = { count: 0, resetAt: now + this.windowMs };
      this.local.set(key, e);
    }
    return ++e.count;
  }

  private prune(): void {
    const now = Date.now();
    for (const [k, e] of this.local) if (e.resetAt <= now) this.local.delete(k);
  }

  close(): void {
    clearInterval(this.timer);
  }
}
