import type { Request, RequestHandler, Response } from 'express';
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

  /** Middleware for everything but the health endpoints: the gateway-wide cap. `exempt` requests are never shed. */
  global(exempt: (req: Request) => boolean = () => false): RequestHandler {
    return (req, res, next) => {
      if (exempt(req)) return next();
      if (this.total >= this.maxTotal) {
        this.shed?.inc({ scope: 'gateway' });
        return next(new ServiceUnavailableError('overloaded', 'The gateway is at capacity; retry shortly', 1));
      }
      this.total++;
      this.gauge?.set({ scope: 'gateway' }, this.total);
      onDone(res, () => {
        this.total--;
        this.gauge?.set({ scope: 'gateway' }, this.total);
      });
      next();
    };
  }

  /** Takes one of `service`'s slots until the response ends; throws 503 `overloaded` when none is free. */
  enterService(service: string, res: Response): void {
    const n = this.perService.get(service) ?? 0;
    if (n >= this.maxPerService) {
      this.shed?.inc({ scope: service });
      throw new ServiceUnavailableError(
        'overloaded',
        `Too many requests to the ${service} service are in progress; retry shortly`,
        1,
      );
    }
    this.perService.set(service, n + 1);
    this.gauge?.set({ scope: service }, n + 1);
    onDone(res, () => {
      const left = (this.perService.get(service) ?? 1) - 1;
      this.perService.set(service, left);
      this.gauge?.set({ scope: service }, left);
    });
  }

  /** Requests in flight to `service` now (admin view). */
  inFlight(service?: string): number {
    return service === undefined ? this.total : (this.perService.get(service) ?? 0);
  }
}

/** Runs `fn` once when the response is finished or its connection closed, whichever comes first. */
function onDone(res: Response, fn: () => void): void {
  let done = false;
  const once = () => {
    if (done) return;
    done = true;
    fn();
  };
  res.once('finish', once);
  res.once('close', once);
}
