import { Counter, Gauge, type Registry as MetricsRegistry } from 'prom-client';
import { ServiceUnavailableError } from '@petpro/kit';

/**
 * Counts requests in flight and sheds load past a cap with an immediate 503 (`overloaded`,
 * Retry-After), instead of queueing until every client times out. There is one cap for the whole
 * gateway and one per upstream service: a slow service can hold at most its own share of the
 * slots, so the routes of the other services keep being served.
 */
export class InFlightLimiter {
  private total = 0;
  private readonly perService = new Map<string, number>();
  private readonly gauge?: Gauge;
  private readonly shed?: Counter;

  constructor(
    private readonly maxTotal: number,
    private readonly maxPerService: number,
    metrics?: MetricsRegistry,
  ) {
    if (metrics) {
      this.gauge = new Gauge({
        name: 'gateway_in_flight_requests',
        help: 'Requests in flight (all, and per upstream service)',
        labelNames: ['scope'],
        registers: [metrics],
      });
      this.shed = new Counter({
        name: 'gateway_load_shed_total',
        help: 'Requests refused with 503 overloaded',
        labelNames: ['scope'],
        registers: [metrics],
      });
    }
  }

  /** Takes a gateway-wide slot; false (and counted as shed) when none is free. Call `leave()` when the answer ends. */
  enter(): boolean {
    if (this.total >= this.maxTotal) {
      this.shed?.inc({ scope: 'gateway' });
      return false;
    }
    this.gauge?.set({ scope: 'gateway' }, ++this.total);
    return true;
  }

  leave(): void {
    this.gauge?.set({ scope: 'gateway' }, --this.total);
  }

  /**
   * Takes one of `service`'s slots; false (counted as shed) when none is free. Call `leaveService` when the answer
   * ends.
   */
  enterService(service: string): boolean {
    const n = this.perService.get(service) ?? 0;
    if (n >= this.maxPerService) {
      this.shed?.inc({ scope: service });
      return false;
    }
    this.perService.set(service, n + 1);
    this.gauge?.set({ scope: service }, n + 1);
    return true;
  }

  leaveService(service: string): void {
    const left = (this.perService.get(service) ?? 1) - 1;
    this.perService.set(service, left);
    this.gauge?.set({ scope: service }, left);
  }

  /** The 503 for a shed request. */
  static overloaded(service?: string): ServiceUnavailableError {
    return new ServiceUnavailableError(
      'overloaded',
      service
        ? `Too many requests to the ${service} service are in progress; retry shortly`
        : 'The gateway is at capacity; retry shortly',
      1,
    );
  }

  /** Requests in flight to `service` now (admin view). */
  inFlight(service?: string): number {
    return service === undefined ? this.total : (this.perService.get(service) ?? 0);
  }
}
