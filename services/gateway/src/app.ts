import type http from 'node:http';
import express, { type Express } from 'express';
import { collectDefaultMetrics, Counter, Histogram, Registry as MetricsRegistry } from 'prom-client';
import {
  AccessTokenVerifier,
  ApiRouter,
  BreakerSet,
  RevocationList,
  ServiceClient,
  type ServiceCredentials,
  createOpenApiRegistry,
  errorHandler,
  generateOpenApi,
  jsonBody,
  listen,
  notFoundHandler,
  type Logger,
  type Registry,
} from '@petpro/kit';
import type { GatewayConfig } from './config.ts';
import { InstancePool } from './discovery/instances.ts';
import { registryRouter } from './discovery/registry.routes.ts';
import { UpstreamProxy } from './proxy/proxy.ts';
import { OpenApiMerger } from './docs/openapi-merge.ts';
import { docsRouter } from './docs/docs.routes.ts';
import { UPSTREAMS } from './routing/route-table.ts';
import { adminRouter } from './admin/admin.routes.ts';
import { createProtection, type Protection } from './protection/protection.ts';
import { gatewayHelmet } from './proxy/answer.ts';
import { createFrontDoor } from './front-door.ts';
import type { SharedCounter } from './cluster.ts';
import { createUpgrades } from './proxy/upgrades.ts';

export interface GatewayDeps {
  config: GatewayConfig;
  log: Logger;
  registry: Registry;
  credentials: ServiceCredentials;
  version?: string;
  /** In a cluster worker without Redis: the primary's counters (rate limits, automatic blocks). */
  shared?: SharedCounter;
}

export interface Gateway {
  /** The public port's request handler (the front door; Express only behind it, for the gateway's own routes). */
  app: http.RequestListener;
  /** The internal port's app: the service registry and metrics (GATEWAY_INTERNAL_PORT, loopback by default). */
  internal: Express;
  metrics: MetricsRegistry;
  pool: InstancePool;
  breakers: BreakerSet;
  revocations: RevocationList;
  protection: Protection;
  /** Options for http.createServer (header size cap, timeout checks): pass them to `listen`. */
  serverOptions: http.ServerOptions;
  /** Applies the server limits and wires WebSocket upgrades on the listening server. */
  attach(server: http.Server): void;
  /**
   * Listens on both ports (public: `app` with the server limits and upgrades; internal: registry and
   * metrics). Port 0 picks a free one; the bound ports are returned.
   */
  listen(at: { port: number; host: string; internalPort?: number; internalHost?: string }): Promise<GatewayServers>;
  /** Starts discovery and revocation polling; resolves once the IP blocks and shared counters are loaded. */
  start(): Promise<void>;
  close(): Promise<void>;
}

export interface GatewayServers {
  server: http.Server;
  port: number;
  /** Absent in a cluster worker: the primary holds the internal listener. */
  internalServer?: http.Server;
  internalPort?: number;
}

/** The gateway: everything wired, nothing listening (tests and main both start from here). */
export function buildGateway(deps: GatewayDeps): Gateway {
  const { config, log, registry, credentials } = deps;
  const version = deps.version ?? '0.1.0';
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

  const pool = new InstancePool(registry, log);
  const breakerOptions = {
    errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENT,
    windowMs: config.BREAKER_WINDOW_MS,
    volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
    resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
  };
  const breakers = new BreakerSet(breakerOptions, metrics, (service, state) =>
    log.warn({ service, state }, 'circuit state changed'),
  );
  const client = new ServiceClient({ registry, credentials, breakers, timeoutMs: 3_000 });
  const revocations = new RevocationList(client, log, config.REVOCATION_POLL_MS);
  const verifier = new AccessTokenVerifier(() => client.json('auth', { path: '/.well-known/jwks.json' }), {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    isRevoked: (sid) => revocations.isRevoked(sid),
  });
  const proxy = new UpstreamProxy(pool, breakers, { timeoutMs: config.UPSTREAM_TIMEOUT_MS }, log);
  const protection = createProtection({ config, log, metrics, shared: deps.shared });
  const upgrades = createUpgrades({ protection, verifier, revocations, pool, client, credentials, metrics });

  const openapi = createOpenApiRegistry();
  const own = new ApiRouter(openapi);
  own.route(
    {
      method: 'get',
      path: '/healthz',
      summary: 'Gateway liveness',
      tags: ['platform'],
      responses: { 200: { description: 'Alive' } },
    },
    (_req, res) => {
      res.json({ status: 'ok', service: 'gateway', version, pid: process.pid, node: process.version });
    },
  );
  own.route(
    {
      method: 'get',
      path: '/readyz',
      summary: 'Readiness of the gateway and each upstream service',
      tags: ['platform'],
      responses: {
        200: { description: 'Every upstream has a healthy instance' },
        503: { description: 'Some upstream has none' },
      },
    },
    (_req, res) => {
      const upstreams = Object.fromEntries(
        UPSTREAMS.map((s) => [
          s,
          { healthy: pool.view().filter((i) => i.name === s && i.healthy).length, circuit: breakers.state(s) },
        ]),
      );
      const ok = UPSTREAMS.every((s) => pool.hasHealthy(s));
      res.status(ok ? 200 : 503).json({ status: ok ? 'ok' : 'degraded', gateway: 'ok', upstreams });
    },
  );
  const merger = new OpenApiMerger(
    pool,
    UPSTREAMS,
    () => generateOpenApi(openapi, { title: 'PetPro gateway', version }) as never,
    log,
  );

  // The gateway's own routes, on Express behind the front door (which has already applied IP blocks,
  // CORS, shedding and limits): health, OpenAPI, Swagger UI and the admin routes it answers itself.
  const ownApp = express();
  ownApp.disable('x-powered-by');
  ownApp.set('etag', false);
  ownApp.set('query parser', 'simple');
  ownApp.use(gatewayHelmet());
  ownApp.use(own.finish());
  ownApp.get('/openapi.json', async (_req, res) => {
    res.json(await merger.document());
  });
  ownApp.use(docsRouter());
  ownApp.use(
    '/api/v1/admin',
    jsonBody('64kb'),
    adminRouter({
      openapi,
      verifier,
      pool,
      breakers,
      blocks: protection.blocks,
      inFlight: protection.inFlight,
    }),
  );
  ownApp.use(notFoundHandler);
  ownApp.use(errorHandler);

  const app = createFrontDoor({ log, protection, proxy, verifier, own: ownApp, requests, latency });

  // The internal listener: service registrations (service credential checked before any body is
  // read) and metrics. Housekeeping: logged at debug.
  const internal = express();
  internal.disable('x-powered-by');
  internal.set('etag', false);
  internal.use((req, res, next) => {
    const started = performance.now();
    res.once('finish', () =>
      log.debug(
        { req: { method: req.method, url: req.url }, res: { statusCode: res.statusCode } },
        `internal ${req.method} ${req.path} ${res.statusCode} (${(performance.now() - started).toFixed(1)} ms)`,
      ),
    );
    next();
  });
  internal.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  internal.use(
    '/internal/registry',
    registryRouter(registry, credentials, () => void pool.refresh()),
  );
  internal.use(notFoundHandler);
  internal.use(errorHandler);

  return {
    app,
    metrics,
    internal,
    pool,
    breakers,
    revocations,
    protection,
    serverOptions: protection.serverOptions,
    attach(server) {
      protection.applyServer(server);
      server.on('upgrade', upgrades.handle);
    },
    async listen(at) {
      const pub = await listen(app, at.port, at.host, protection.serverOptions);
      this.attach(pub.server);
      if (at.internalPort === undefined) return { server: pub.server, port: pub.port };
      const int = await listen(internal, at.internalPort, at.internalHost ?? '127.0.0.1');
      return { server: pub.server, port: pub.port, internalServer: int.server, internalPort: int.port };
    },
    async start() {
      // Protection first: its Redis connection being up is also a good sign the registry's is.
      await protection.start();
      pool.start();
      revocations.start();
    },
    async close() {
      pool.stop();
      revocations.stop();
      breakers.shutdown();
      proxy.close();
      upgrades.close();
      await protection.close();
    },
  };
}
