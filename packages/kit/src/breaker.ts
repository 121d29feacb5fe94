import CircuitBreaker from 'opossum';
import { Gauge, Counter, type Registry as MetricsRegistry } from 'prom-client';
import { AppError } from './errors.ts';

export interface BreakerOptions {
  /** Failure percentage over the window that opens the circuit. */
  errorThresholdPercentage: number;
  /** Rolling window length. */
  windowMs: number;
  /** Calls needed in the window before the rate counts. */
  volumeThreshold: number;
  /** How long the circuit stays open before a half-open probe. */
  resetTimeoutMs: number;
}

export const DEFAULT_BREAKER: BreakerOptions = {
  errorThresholdPercentage: 50,
  windowMs: 10_000,
  volumeThreshold: 5,
  resetTimeoutMs: 10_000,
};

export type BreakerState = 'closed' | 'open' | 'half_open';

/** Marks an outcome that is the caller's fault (a 4xx): it passes through without counting as a failure. */
export class NotAFailure extends Error {
  constructor(readonly value: unknown) {
    super('not a failure');
  }
}

/**
 * An outcome the caller caused: a NotAFailure, or a 4xx AppError thrown on the way (the client sent
 * too large a body, went away mid-request). Counting these would let one client open the circuit
 * of a healthy service for everybody.
 */
function isCallerFault(err: unknown): boolean {
  return err instanceof NotAFailure || (err instanceof AppError && err.status < 500);
}

/** One opossum circuit breaker per upstream service, with state exported as metrics. */
export class BreakerSet {
  private readonly breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>], unknown>>();
  private readonly openedAt = new Map<string, number>();
  private readonly stateGauge?: Gauge;
  private readonly transitions?: Counter;

  constructor(
    private readonly opts: BreakerOptions = DEFAULT_BREAKER,
    metrics?: MetricsRegistry,
    private readonly onStateChange?: (service: string, state: BreakerState) => void,
  ) {
    if (metrics) {
      this.stateGauge = new Gauge({
        name: 'petpro_circuit_state',
        help: 'Circuit state per upstream (0 closed, 1 half-open, 2 open)',
        labelNames: ['service'],
        registers: [metrics],
      });
      this.transitions = new Counter({
        name: 'petpro_circuit_transitions_total',
        help: 'Circuit state changes',
        labelNames: ['service', 'state'],
        registers: [metrics],
      });
    }
  }

  private get(service: string) {
    let b = this.breakers.get(service);
    if (!b) {
      b = new CircuitBreaker(async (fn: () => Promise<unknown>) => fn(), {
        timeout: false, // callers enforce their own timeouts; a timeout error counts as a failure here
        errorThresholdPercentage: this.opts.errorThresholdPercentage,
        rollingCountTimeout: this.opts.windowMs,
        rollingCountBuckets: 10,
        volumeThreshold: this.opts.volumeThreshold,
        resetTimeout: this.opts.resetTimeoutMs,
        errorFilter: isCallerFault,
      });
      const set = (state: BreakerState) => {
        if (state === 'open') this.openedAt.set(service, Date.now());
        this.stateGauge?.set({ service }, state === 'closed' ? 0 : state === 'half_open' ? 1 : 2);
        this.transitions?.inc({ service, state });
        this.onStateChange?.(service, state);
      };
      b.on('open', () => set('open'));
      b.on('halfOpen', () => set('half_open'));
      b.on('close', () => set('closed'));
      this.stateGauge?.set({ service }, 0);
      this.breakers.set(service, b);
    }
    return b;
  }

  /** Runs `fn` through the service's breaker; throws CircuitOpen while it is open. */
  async run<T>(service: string, fn: () => Promise<T>): Promise<T> {
    const b = this.get(service);
    if (b.opened && !b.halfOpen) throw new CircuitOpen(service, this.retryAfterSeconds(service));
    try {
      return (await b.fire(fn)) as T;
    } catch (err) {
      if (err instanceof NotAFailure) return err.value as T;
      if ((err as { code?: string }).code === 'EOPENBREAKER')
        throw new CircuitOpen(service, this.retryAfterSeconds(service));
      throw err;
    }
  }

  /** Seconds until the next half-open probe of an open circuit. */
  retryAfterSeconds(service: string): number {
    const opened = this.openedAt.get(service) ?? Date.now();
    return Math.max(1, Math.ceil((opened + this.opts.resetTimeoutMs - Date.now()) / 1000));
  }

  state(service: string): BreakerState {
    const b = this.breakers.get(service);
    if (!b) return 'closed';
    return b.halfOpen ? 'half_open' : b.opened ? 'open' : 'closed';
  }

  /** Stops the breakers' timers (for shutdown and tests). */
  shutdown(): void {
    for (const b of this.breakers.values()) b.shutdown();
  }
}

export class CircuitOpen extends Error {
  constructor(
    readonly service: string,
    readonly retryAfterSeconds: number,
  ) {
    super(`circuit open for ${service}`);
  }
}
