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
/** Whether a state change came from this process's own calls or was applied from a peer's report. */
export type StateOrigin = 'local' | 'peer';

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

/**
 * A failure no request could have caused: the service could not be reached at all (connection
 * refused or reset before an answer, no instance). It always counts, whoever the client was.
 */
export class Unreachable extends Error {}

/** Caller and client of one call through a breaker. */
export interface BreakerCall {
  /**
   * Who the call is made for (a client IP or /64 at the gateway). A failure an answer can carry (a
   * 5xx, a timeout) counts at most once per client per window, so one client cannot open the
   * circuit for everyone by sending requests that fail or run long; Unreachable always counts.
   */
  client?: string;
}

/** One opossum circuit breaker per upstream service, with state exported as metrics. */
export class BreakerSet {
  private readonly breakers = new Map<string, CircuitBreaker<[() => Promise<unknown>, string?], unknown>>();
  /** `service client` → when a failure of that client last counted. */
  private readonly counted = new Map<string, number>();
  private lastPrune = 0;
  private readonly openedAt = new Map<string, number>();
  /** Set while a peer's report is applied, so that the change is not reported back. */
  private applying = false;
  private readonly stateGauge?: Gauge;
  private readonly transitions?: Counter;

  constructor(
    private readonly opts: BreakerOptions = DEFAULT_BREAKER,
    metrics?: MetricsRegistry,
    private readonly onStateChange?: (service: string, state: BreakerState, origin: StateOrigin) => void,
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
      b = new CircuitBreaker(async (fn: () => Promise<unknown>, _client?: string) => fn(), {
        timeout: false, // callers enforce their own timeouts; a timeout error counts as a failure here
        errorThresholdPercentage: this.opts.errorThresholdPercentage,
        rollingCountTimeout: this.opts.windowMs,
        rollingCountBuckets: 10,
        volumeThreshold: this.opts.volumeThreshold,
        resetTimeout: this.opts.resetTimeoutMs,
        // opossum passes fire()'s arguments after the error (its types leave them out).
        errorFilter: ((err: unknown, _fn: unknown, client?: string) =>
          isCallerFault(err) || (client !== undefined && this.alreadyCounted(service, client, err))) as (
          err: unknown,
        ) => boolean,
      });
      const set = (state: BreakerState) => {
        if (state === 'open') this.openedAt.set(service, Date.now());
        this.stateGauge?.set({ service }, state === 'closed' ? 0 : state === 'half_open' ? 1 : 2);
        this.transitions?.inc({ service, state });
        this.onStateChange?.(service, state, this.applying ? 'peer' : 'local');
      };
      b.on('open', () => set('open'));
      b.on('halfOpen', () => set('half_open'));
      b.on('close', () => set('closed'));
      this.stateGauge?.set({ service }, 0);
      this.breakers.set(service, b);
    }
    return b;
  }

  /** True when this client's failure must not count again: it already counted within the window. */
  private alreadyCounted(service: string, client: string, err: unknown): boolean {
    if (err instanceof Unreachable) return false;
    const now = Date.now();
    if (now - this.lastPrune > this.opts.windowMs) {
      this.lastPrune = now;
      for (const [k, at] of this.counted) if (now - at >= this.opts.windowMs) this.counted.delete(k);
    }
    const key = `${service} ${client}`;
    const at = this.counted.get(key);
    if (at !== undefined && now - at < this.opts.windowMs) return true;
    this.counted.set(key, now);
    return false;
  }

  /** Runs `fn` through the service's breaker; throws CircuitOpen while it is open. */
  async run<T>(service: string, fn: () => Promise<T>, call: BreakerCall = {}): Promise<T> {
    const b = this.get(service);
    if (b.opened && !b.halfOpen) throw new CircuitOpen(service, this.retryAfterSeconds(service));
    try {
      return (await b.fire(fn, call.client)) as T;
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

  /**
   * Applies a state a peer (another gateway) reached for this service: `open` opens the circuit here
   * too (it half-opens after the reset timeout as usual, so each process probes on its own), `closed`
   * closes an open or half-open one. Half-open reports are ignored: each process makes its own probe.
   */
  applyPeerState(service: string, state: BreakerState): void {
    const b = this.get(service);
    this.applying = true;
    try {
      if (state === 'open' && !b.opened) b.open();
      else if (state === 'closed' && (b.opened || b.halfOpen)) b.close();
    } finally {
      this.applying = false;
    }
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
