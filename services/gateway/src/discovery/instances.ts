import { type Logger, type Registry, type RegisteredInstance, runEvery } from '@petpro/kit';

export interface InstanceView extends RegisteredInstance {
  healthy: boolean;
  lastCheck?: string;
  lastError?: string;
}

/**
 * The gateway's view of upstream instances: the registry says who is alive (heartbeats); active
 * health checks and failed proxy attempts say who is healthy. Balances round-robin over healthy ones.
 */
export class InstancePool {
  private snapshot: RegisteredInstance[] = [];
  private readonly health = new Map<string, { healthy: boolean; at: string; error?: string }>();
  private readonly counters = new Map<string, number>();
  /** Healthy instances per service, rebuilt when the snapshot or a health changes (read on every request). */
  private healthyByService?: Map<string, RegisteredInstance[]>;
  private stopTicking?: () => Promise<void>;
  private refreshing?: Promise<void>;

  constructor(
    private readonly registry: Registry,
    private readonly log: Logger,
    private readonly intervalMs = 2_000,
  ) {}

  start(): void {
    this.stopTicking = runEvery(this.intervalMs, () => this.tick(), {
      log: this.log,
      failure: 'instance health pass failed',
      firstAfterMs: 0,
    });
  }

  stop(): void {
    void this.stopTicking?.();
  }

  /** Re-reads the registry now (after a registration, so a new instance is used at once). */
  async refresh(): Promise<void> {
    this.refreshing ??= this.registry
      .list()
      .then((items) => {
        this.snapshot = items;
        this.healthyByService = undefined;
      })
      .catch((err) => this.log.warn({ err: (err as Error).message }, 'registry read failed; keeping the last view'))
      .finally(() => {
        this.refreshing = undefined;
      });
    return this.refreshing;
  }

  private async tick(): Promise<void> {
    await this.refresh();
    const seen = new Set(this.snapshot.map((i) => i.id));
    for (const id of this.health.keys()) if (!seen.has(id)) this.health.delete(id);
    await Promise.all(this.snapshot.map((i) => this.check(i)));
  }

  private async check(inst: RegisteredInstance): Promise<void> {
    try {
      const res = await fetch(inst.healthUrl, { signal: AbortSignal.timeout(1_000) });
      await res.body?.cancel();
      this.mark(inst, res.ok, res.ok ? undefined : `HTTP ${res.status}`);
    } catch (err) {
      this.mark(inst, false, (err as Error).message);
    }
  }

  private mark(inst: RegisteredInstance, healthy: boolean, error?: string): void {
    const prev = this.health.get(inst.id);
    if (prev && prev.healthy !== healthy) {
      this.log[healthy ? 'info' : 'warn'](
        { instance: inst.id, url: inst.url, error },
        healthy ? 'instance healthy again' : 'instance unhealthy',
      );
    }
    if (prev?.healthy !== healthy) this.healthyByService = undefined;
    this.health.set(inst.id, { healthy, at: new Date().toISOString(), error });
  }

  /** Called when a proxy attempt could not connect: out of rotation until a health check passes. */
  markFailed(instanceId: string, error: string): void {
    const inst = this.snapshot.find((i) => i.id === instanceId);
    if (inst) this.mark(inst, false, error);
  }

  private isHealthy(inst: RegisteredInstance): boolean {
    // A fresh registration counts as healthy until its first check says otherwise.
    return this.health.get(inst.id)?.healthy ?? true;
  }

  /** The next healthy instance of a service, round-robin; undefined when there is none. */
  next(service: string, exclude?: Set<string>): RegisteredInstance | undefined {
    if (!this.healthyByService) {
      this.healthyByService = new Map();
      for (const i of this.snapshot) {
        if (!this.isHealthy(i)) continue;
        const list = this.healthyByService.get(i.name);
        if (list) list.push(i);
        else this.healthyByService.set(i.name, [i]);
      }
    }
    const healthy = this.healthyByService.get(service) ?? [];
    const candidates = exclude?.size ? healthy.filter((i) => !exclude.has(i.id)) : healthy;
    if (!candidates.length) return undefined;
    const n = (this.counters.get(service) ?? -1) + 1;
    this.counters.set(service, n);
    return candidates[n % candidates.length];
  }

  /**
   * Any registered instance of a service, healthy or not, round-robin. Used when none is healthy:
   * a health check can be wrong (a /healthz answering slowly under load), so the request itself decides.
   */
  nextAny(service: string, exclude: Set<string> = new Set()): RegisteredInstance | undefined {
    const candidates = this.snapshot.filter((i) => i.name === service && !exclude.has(i.id));
    if (!candidates.length) return undefined;
    const n = (this.counters.get(service) ?? -1) + 1;
    this.counters.set(service, n);
    return candidates[n % candidates.length];
  }

  /** Every known instance with its health, for the admin view and readiness. */
  view(): InstanceView[] {
    return this.snapshot.map((i) => {
      const h = this.health.get(i.id);
      return { ...i, healthy: h?.healthy ?? true, lastCheck: h?.at, lastError: h?.error };
    });
  }

  hasHealthy(service: string): boolean {
    return this.snapshot.some((i) => i.name === service && this.isHealthy(i));
  }
}
