import type http from 'node:http';
import express, { type Express } from 'express';
import type { Registry as MetricsRegistry } from 'prom-client';
import {
  AccessTokenVerifier,
  ApiRouter,
  BreakerSet,
  RevocationList,
  ServiceClient,
  type ServiceCredentials,
  createOpenApiRegistry,
  finishApp,
  generateOpenApi,
  jsonBody,
  listen,
  type Logger,
  type Registry,
} from '@petpro/kit';
import type { GatewayConfig } from './config.ts';
import { InstancePool } from './discovery/instances.ts';
import { internalApp } from './internal-app.ts';
import { UpstreamProxy } from './proxy/proxy.ts';
import { CircuitSync } from './proxy/circuit-sync.ts';
import { OpenApiMerger } from './docs/openapi-merge.ts';
import { docsRouter } from './docs/docs.routes.ts';
import { UPSTREAMS } from './routing/route-table.ts';
import { adminRoutes } from './admin/admin.routes.ts';
import { healthRoutes } from './health/health.routes.ts';
import { ipBlocksRoutes } from './protection/ip-blocks.routes.ts';
import { createProtection, type Protection } from './protection/protection.ts';
import { gatewayHelmet } from './proxy/answer.ts';
import { createFrontDoor } from './front-door.ts';
import { gatewayMetrics } from './metrics.ts';
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
  const { metrics, requests, latency } = gatewayMetrics();

  const pool = new InstancePool(registry, log);
  const breakerOptions = {
    errorThresholdPercentage: config.BREAKER_ERROR_THRESHOLD_PERCENT,
    windowMs: config.BREAKER_WINDOW_MS,
    volumeThreshold: config.BREAKER_VOLUME_THRESHOLD,
    resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
  };
  let circuits: CircuitSync | undefined;
  const breakers = new BreakerSet(breakerOptions, metrics, (service, state, origin) => {
    log.warn({ service, state, origin }, 'circuit state changed');
    if (origin === 'local') circuits?.publish(service, state);
  });
  const client = new ServiceClient({ registry, credentials, breakers, timeoutMs: 3_000 });
  const revocations = new RevocationList(client, log, config.REVOCATION_POLL_MS);
  const verifier = new AccessTokenVerifier(() => client.json('auth', { path: '/.well-known/jwks.json' }), {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    isRevoked: (sid) => revocations.isRevoked(sid),
  });
  const proxy = new UpstreamProxy(pool, breakers, { timeoutMs: config.UPSTREAM_TIMEOUT_MS }, log);
  const protection = createProtection({ config, log, metrics, shared: deps.shared });
  if (protection.redis && protection.subscriber)
    circuits = new CircuitSync({
      redis: protection.redis,
      subscriber: protection.subscriber,
      prefix: config.REDIS_KEY_PREFIX,
      breakers,
      services: UPSTREAMS,
      resetTimeoutMs: config.BREAKER_RESET_TIMEOUT_MS,
      log,
    });
  const upgrades = createUpgrades({ protection, verifier, revocations, pool, client, credentials, metrics });

  // The gateway's own routes, on Express behind the front door (which has already applied IP blocks,
  // CORS, shedding and limits): health, OpenAPI, Swagger UI and the admin routes it answers itself.
  const openapi = createOpenApiRegistry();
  const api = new ApiRouter(openapi);
  const routeDeps = { verifier, pool, breakers, version, inFlight: protection.inFlight, blocks: protection.blocks };
  healthRoutes(api, routeDeps);
  adminRoutes(api, routeDeps);
  ipBlocksRoutes(api, routeDeps);
  const merger = new OpenApiMerger(
    pool,
    UPSTREAMS,
    () => generateOpenApi(openapi, { title: 'PetPro gateway', version }) as never,
    log,
  );
  const ownApp = express();
  ownApp.disable('x-powered-by');
  ownApp.set('etag', false);
  ownApp.set('query parser', 'simple');
  ownApp.use(gatewayHelmet());
  ownApp.get('/openapi.json', async (_req, res) => {
    res.json(await merger.document());
  });
  ownApp.use(docsRouter());
  ownApp.use(jsonBody('64kb'));
  ownApp.use(api.finish());
  finishApp(ownApp);

  const app = createFrontDoor({ log, protection, proxy, verifier, own: ownApp, requests, latency });

  const internal = internalApp({
    log,
    registry,
    credentials,
    metrics: { contentType: metrics.contentType, text: () => metrics.metrics() },
    onRegistryChange: () => void pool.refresh(),
  });

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
      await circuits?.start();
      pool.start();
      revocations.start();
    },
    async close() {
      pool.stop();
      circuits?.stop();
      revocations.stop();
      breakers.shutdown();
      proxy.close();
      upgrades.close();
      await protection.close();
    },
  };
}
