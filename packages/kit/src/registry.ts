import { Redis } from 'ioredis';
import type { Logger } from './log.ts';

/** What an instance says about itself when it registers. */
export interface InstanceInfo {
  id: string;
  name: string;
  url: string;
  version: string;
  healthUrl: string;
}

export interface RegisteredInstance extends InstanceInfo {
  registeredAt: string;
  lastHeartbeat: string;
}

/** Instances whose last heartbeat is older than this are gone. */
export const INSTANCE_TTL_MS = 9_000;
export const HEARTBEAT_INTERVAL_MS = 3_000;

/**
 * Service discovery. In memory inside the gateway for one machine; in Redis when there are several
 * gateways; over HTTP (to the gateway's registry) for a service process in the one-machine mode.
 */
export interface Registry {
  register(instance: InstanceInfo): Promise<void>;
  deregister(id: string): Promise<void>;
  /** Alive instances, of one service or of all. */
  list(name?: string): Promise<RegisteredInstance[]>;
  /** Calls `fn` whenever the backing store is reachable again after an outage (re-register at once). */
  onReconnect?(fn: () => void): void;
  close?(): Promise<void>;
}

export class MemoryRegistry implements Registry {
  private readonly instances = new Map<string, RegisteredInstance>();
  constructor(private readonly ttlMs = INSTANCE_TTL_MS) {}

  async register(instance: InstanceInfo): Promise<void> {
    const now = new Date().toISOString();
    const prev = this.instances.get(instance.id);
    this.instances.set(instance.id, { ...instance, registeredAt: prev?.registeredAt ?? now, lastHeartbeat: now });
  }
  async deregister(id: string): Promise<void> {
    this.instances.delete(id);
  }
  async list(name?: string): Promise<RegisteredInstance[]> {
    const cutoff = Date.now() - this.ttlMs;
    const out: RegisteredInstance[] = [];
    for (const [id, inst] of this.instances) {
      if (Date.parse(inst.lastHeartbeat) < cutoff) {
        this.instances.delete(id);
        continue;
      }
      if (!name || inst.name === name) out.push(inst);
    }
    return out;
  }
}

/** Registry in one Redis hash (`<REDIS_KEY_PREFIX>registry`) shared by every gateway and service replica. */
export class RedisRegistry implements Registry {
  private readonly key: string;
  constructor(
    private readonly redis: Redis,
    keyPrefix = 'petpro:',
    private readonly ttlMs = INSTANCE_TTL_MS,
  ) {
    this.key = `${keyPrefix}registry`;
  }

  async register(instance: InstanceInfo): Promise<void> {
    // The first registration comes as the process starts, usually before the connection is up.
    if (this.redis.status === 'connecting' || this.redis.status === 'connect' || this.redis.status === 'wait') {
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, 2_000);
        this.redis.once('ready', () => {
          clearTimeout(t);
          resolve();
        });
      });
    }
    const now = new Date().toISOString();
    const prevRaw = await this.redis.hget(this.key, instance.id);
    const prev = prevRaw ? (JSON.parse(prevRaw) as RegisteredInstance) : undefined;
    await this.redis.hset(
      this.key,
      instance.id,
      JSON.stringify({ ...instance, registeredAt: prev?.registeredAt ?? now, lastHeartbeat: now }),
    );
  }
  async deregister(id: string): Promise<void> {
    await this.redis.hdel(this.key, id);
  }
  async list(name?: string): Promise<RegisteredInstance[]> {
    const all = await this.redis.hgetall(this.key);
    const cutoff = Date.now() - this.ttlMs;
    const out: RegisteredInstance[] = [];
    const stale: string[] = [];
    for (const [id, raw] of Object.entries(all)) {
      const inst = JSON.parse(raw) as RegisteredInstance;
      if (Date.parse(inst.lastHeartbeat) < cutoff) stale.push(id);
      else if (!name || inst.name === name) out.push(inst);
    }
    // Entries long past their TTL are removed; recent stale ones may be a clock skew, keep briefly.
    const dead = stale.filter(
      (id) => Date.parse((JSON.parse(all[id]!) as RegisteredInstance).lastHeartbeat) < cutoff - 60_000,
    );
    if (dead.length) await this.redis.hdel(this.key, ...dead);
    return out;
  }
  onReconnect(fn: () => void): void {
    // 'ready' also fires on the first connection; a registration then is harmless.
    this.redis.on('ready', fn);
  }
  async close(): Promise<void> {
    this.redis.disconnect();
  }
}

/** A service's view of the gateway-held registry over HTTP (one-machine mode). */
export class HttpRegistry implements Registry {
  constructor(
    private readonly baseUrl: string,
    private readonly token: () => Promise<string>,
  ) {}

  private async call(method: string, path: string, body?: unknown): Promise<Response> {
    const res = await fetch(new URL(path, this.baseUrl), {
      method,
      headers: { 'content-type': 'application/json', 'x-service-token': await this.token() },
      body: body === undefined ? undefined : JSON.stringify(body),
      signal: AbortSignal.timeout(2_000),
    });
    if (!res.ok && res.status !== 404) throw new Error(`registry ${method} ${path}: HTTP ${res.status}`);
    return res;
  }
  async register(instance: InstanceInfo): Promise<void> {
    await this.call('POST', '/internal/registry/instances', instance);
  }
  async deregister(id: string): Promise<void> {
    await this.call('DELETE', `/internal/registry/instances/${encodeURIComponent(id)}`);
  }
  async list(name?: string): Promise<RegisteredInstance[]> {
    const res = await this.call(
      'GET',
      `/internal/registry/instances${name ? `?name=${encodeURIComponent(name)}` : ''}`,
    );
    return ((await res.json()) as { items: RegisteredInstance[] }).items;
  }
}

/** Registers now and heartbeats until stopped; stop() deregisters. Failures are logged and retried. */
export function keepRegistered(
  registry: Registry,
  instance: InstanceInfo,
  log: Logger,
  intervalMs = HEARTBEAT_INTERVAL_MS,
) {
  let failing = false;
  let stopped = false;
  const beat = async () => {
    if (stopped) return;
    try {
      await registry.register(instance);
      if (failing) log.info({ instance: instance.id }, 'registered with the service registry again');
      failing = false;
    } catch (err) {
      if (!failing) log.warn({ err: (err as Error).message }, 'could not reach the service registry; will keep trying');
      failing = true;
    }
  };
  void beat();
  // A Redis restarted without persistence has forgotten us: come back now, not at the next beat.
  registry.onReconnect?.(() => void beat());
  const timer = setInterval(beat, intervalMs);
  timer.unref();
  return {
    async stop() {
      stopped = true;
      clearInterval(timer);
      await registry.deregister(instance.id).catch(() => {});
    },
  };
}

/** A Redis connection that fails fast instead of queueing commands forever while Redis is down. */
export function createRedis(url: string): Redis {
  return new Redis(url, {
    maxRetriesPerRequest: 1,
    enableOfflineQueue: false,
    lazyConnect: false,
    connectTimeout: 2_000,
  });
}
