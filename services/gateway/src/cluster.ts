import cluster, { type Worker } from 'node:cluster';
import type http from 'node:http';
import { AggregatorRegistry } from 'prom-client';
import { type Logger, type Registry, type ServiceCredentials, closeServer, listen } from '@petpro/kit';
import type { GatewayConfig } from './config.ts';
import { internalApp } from './internal-app.ts';

/*
 * GATEWAY_WORKERS > 1: the public port is served by several worker processes (node:cluster, one
 * port), and the primary holds what must be one for all of them: the service registry and the
 * internal listener (registry, metrics summed over the workers), and, without Redis, the counters
 * behind rate limits and automatic blocks, so a client's budget is one budget whichever worker
 * serves it. With REDIS_URL the counters and the registry are in Redis as for replicas. IP blocks
 * are shared through their store (the file or Redis) and revocations are read by each worker.
 */

/** A fixed-window count kept somewhere every worker shares. */
export interface SharedWindow {
  count: number;
  resetAt: number;
}
export type SharedCounter = (ns: string, key: string, windowMs: number) => Promise<SharedWindow>;

interface HitRequest {
  type: 'petpro:hit';
  id: number;
  ns: string;
  key: string;
  windowMs: number;
}
interface HitAnswer extends SharedWindow {
  type: 'petpro:hit';
  id: number;
}

/** A worker's way to the primary's counters; past `deadlineMs` without an answer it counts locally. */
export function primaryCounter(deadlineMs = 250): SharedCounter {
  let next = 0;
  const pending = new Map<number, (w: SharedWindow | undefined) => void>();
  const local = new Map<string, SharedWindow>();
  process.on('message', (m: HitAnswer) => {
    if (m?.type !== 'petpro:hit') return;
    pending.get(m.id)?.({ count: m.count, resetAt: m.resetAt });
    pending.delete(m.id);
  });
  return (ns, key, windowMs) =>
    new Promise((resolve) => {
      const id = ++next;
      const timer = setTimeout(() => {
        pending.delete(id);
        const now = Date.now();
        const k = `${ns}${key}`;
        let w = local.get(k);
        if (!w || w.resetAt <= now) local.set(k, (w = { count: 0, resetAt: now + windowMs }));
        w.count++;
        resolve({ ...w });
      }, deadlineMs);
      pending.set(id, (w) => {
        clearTimeout(timer);
        if (w) resolve(w);
      });
      process.send?.({ type: 'petpro:hit', id, ns, key, windowMs } satisfies HitRequest);
    });
}

/** The primary's side: fixed windows for every worker, answered over IPC. */
function serveCounters(): () => void {
  const windows = new Map<string, SharedWindow>();
  const onMessage = (worker: Worker, m: HitRequest) => {
    if (m?.type !== 'petpro:hit') return;
    const now = Date.now();
    const k = `${m.ns}${m.key}`;
    let w = windows.get(k);
    if (!w || w.resetAt <= now) windows.set(k, (w = { count: 0, resetAt: now + m.windowMs }));
    w.count++;
    worker.send({ type: 'petpro:hit', id: m.id, count: w.count, resetAt: w.resetAt } satisfies HitAnswer);
  };
  cluster.on('message', onMessage);
  const prune = setInterval(() => {
    const now = Date.now();
    for (const [k, w] of windows) if (w.resetAt <= now) windows.delete(k);
  }, 60_000);
  prune.unref();
  return () => {
    clearInterval(prune);
    cluster.off('message', onMessage);
  };
}

/** In a worker: lets the primary collect this worker's metrics for the internal /metrics. */
export function shareMetrics(metrics: import('prom-client').Registry): void {
  new AggregatorRegistry();
  AggregatorRegistry.setRegistries([metrics]);
}

/** Runs the primary: registry and internal listener, shared counters, `workers` workers kept running. */
export async function runPrimary(deps: {
  config: GatewayConfig;
  log: Logger;
  registry: Registry;
  credentials: ServiceCredentials;
  workers: number;
}): Promise<{ internalServer: http.Server; stop(): Promise<void> }> {
  const { config, log, registry, credentials } = deps;
  const metrics = new AggregatorRegistry();
  const internal = internalApp({
    log,
    registry,
    credentials,
    metrics: { contentType: metrics.contentType, text: () => metrics.clusterMetrics() },
  });
  const { server: internalServer, port } = await listen(
    internal,
    config.GATEWAY_INTERNAL_PORT,
    config.GATEWAY_INTERNAL_HOST,
  );
  const stopCounters = serveCounters();
  // Workers read the registry from here (or from Redis, like every replica).
  const host = config.GATEWAY_INTERNAL_HOST === '0.0.0.0' ? '127.0.0.1' : config.GATEWAY_INTERNAL_HOST;
  const env = { REGISTRY_URL: `http://${host.includes(':') ? `[${host}]` : host}:${port}` };
  let stopping = false;
  cluster.on('exit', (worker, code, signal) => {
    if (stopping) return;
    log.warn({ pid: worker.process.pid, code, signal }, 'gateway worker exited; starting another');
    setTimeout(() => cluster.fork(env), 500);
  });
  for (let i = 0; i < deps.workers; i++) cluster.fork(env);
  log.info({ workers: deps.workers, internal: `http://${config.GATEWAY_INTERNAL_HOST}:${port}` }, 'gateway primary');
  return {
    internalServer,
    async stop() {
      stopping = true;
      const exits = Object.values(cluster.workers ?? {}).map(
        (w) =>
          new Promise<void>((resolve) => {
            if (!w || w.isDead()) return resolve();
            w.once('exit', () => resolve());
            w.process.kill('SIGTERM');
          }),
      );
      await Promise.all(exits);
      stopCounters();
      await closeServer(internalServer, 1_000);
    },
  };
}
