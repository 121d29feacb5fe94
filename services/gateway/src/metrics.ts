import { Counter, collectDefaultMetrics, Histogram, Registry as MetricsRegistry } from 'prom-client';

/** The gateway's metrics registry and the request counters the access recorder feeds. */
export function gatewayMetrics() {
  const metrics = new MetricsRegistry();
  metrics.setDefaultLabels({ service: 'gateway' });
  collectDefaultMetrics({ register: metrics });
  const requests = new Counter({
    name: 'gateway_requests_total',
    help: 'Requests by upstream and status',
    labelNames: ['upstream', 'status'],
    registers: [metrics],
  });
  const latency = new Histogram({
    name: 'gateway_request_duration_seconds',
    help: 'Gateway request duration by upstream',
    labelNames: ['upstream'],
    buckets: [0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10],
    registers: [metrics],
  });
  return { metrics, requests, latency };
}
