import type http from 'node:http';
import { type Logger, redactUrl } from '@petpro/kit';
import type { Counter, Histogram } from 'prom-client';
import type { ClientIdentity } from './protection/client-ip.ts';
import type { Protection } from './protection/protection.ts';
import type { RouteRule } from './routing/route-table.ts';

/** What the front door learns about one request, for every later step and the access-log line. */
export class Exchange {
  /** Headers of the gateway's own for the answer (CORS, RateLimit), flat. */
  headers: string[] = [];
  client?: ClientIdentity;
  rule?: RouteRule;
  upstream?: string;
  holdsSlot = false;
  holdsServiceSlot = false;
  probe = false;

  constructor(
    readonly requestId: string,
    readonly started: number,
  ) {}
}

/**
 * What happens once per request when its answer ends: in-flight slots released, the answer watched
 * for automatic blocks, the request counted and timed, and one access-log line written.
 */
export function accessRecorder(deps: {
  log: Logger;
  protection: Protection;
  requests: Counter;
  latency: Histogram;
}): (ex: Exchange, req: http.IncomingMessage, res: http.ServerResponse) => void {
  const { log, protection } = deps;
  const { inFlight } = protection;
  // The access line holds no header and its URL has secret query values redacted already, so it
  // skips the logger's redaction pass (three times the cost of the line itself).
  const accessLog = log.child({}, { redact: { paths: [] } });
  const counters = new Map<string, ReturnType<Counter['labels']>>();
  const timers = new Map<string, ReturnType<Histogram['labels']>>();

  return (ex: Exchange, req: http.IncomingMessage, res: http.ServerResponse): void => {
    if (ex.holdsSlot) inFlight.leave();
    if (ex.holdsServiceSlot && ex.upstream) inFlight.leaveService(ex.upstream);
    const status = res.statusCode;
    if (ex.client) protection.autoBlock.record(ex.client, ex.rule?.limitClass, status);
    const upstream = ex.upstream ?? 'gateway';
    const key = `${upstream} ${status}`;
    let counter = counters.get(key);
    if (counter === undefined)
      counters.set(key, (counter = deps.requests.labels({ upstream, status: String(status) })));
    counter.inc();
    const ms = performance.now() - ex.started;
    let timer = timers.get(upstream);
    if (timer === undefined) timers.set(upstream, (timer = deps.latency.labels({ upstream })));
    timer.observe(ms / 1000);
    const level = status >= 500 || !res.writableFinished ? 'warn' : ex.probe ? 'debug' : 'info';
    if (!accessLog.isLevelEnabled(level)) return;
    accessLog[level](
      {
        req: { id: ex.requestId, method: req.method, url: redactUrl(req.url) },
        res: { statusCode: status },
        responseTime: Math.round(ms * 10) / 10,
        upstream: ex.upstream,
        clientIp: ex.client?.ip,
        ...(res.writableFinished ? {} : { aborted: true }),
      },
      'request completed',
    );
  };
}
