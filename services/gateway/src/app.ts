import type http from 'node:http';
import type { Duplex } from 'node:stream';
import express, { type Express, type Request } from 'express';
import { pinoHttp } from 'pino-http';
import { collectDefaultMetrics, Counter, Histogram, Registry as MetricsRegistry } from 'prom-client';
import {
  AccessTokenVerifier,
  ApiRouter,
  BreakerSet,
  NotFoundError,
  ServiceClient,
  type ServiceCredentials,
  createOpenApiRegistry,
  errorHandler,
  generateOpenApi,
  jsonBody,
  problemBody,
  redactUrl,
  requestIdOf,
  type Logger,
  type Registry,
} from '@petpro/kit';
import type { GatewayConfig } from './config.ts';
import { InstancePool } from './discovery/instances.ts';
import { registryRouter } from './discovery/registry.routes.ts';
import { UpstreamProxy } from './proxy/proxy.ts';
import { OpenApiMerger } from './docs/openapi-merge.ts';
import { docsRouter } from './docs/docs.routes.ts';
import { UPSTREAMS, accessFor, matchRoute } from './routing/route-table.ts';
import { forwardPath, normalisePath } from './routing/normalise-path.ts';
import { RevocationList } from './security/revocations.ts';
import { checkAccess, identifyCaller } from './security/access.ts';
import { adminRouter } from './admin/admin.routes.ts';
import { createProtection, type Protection } from './protection/protection.ts';
import { gatewayHelmet } from './protection/server-limits.ts';
import { routeContext, routeContextOf } from './routing/route-context.ts';

export interface GatewayDeps {
  config: GatewayConfig;
  log: Logger;
  registry: Registry;
  credentials: ServiceCredentials;
  version?: string;
}

export interface Gateway {
  app: Express;
  pool: InstancePool;
  breakers: BreakerSet;
  revocations: RevocationList;
  protection: Protection;
  /** Options for http.createServer (header size cap, timeout checks): pass them to `listen`. */
  serverOptions: http.ServerOptions;
  /** Applies the server limits and wires WebSocket upgrades on the listening server. */
  attach(server: http.Server): void;
  /** Starts discovery and revocation polling; resolves once the IP blocks and shared counters are loaded. */
  start(): Promise<void>;
  close(): Promise<void>;
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
  const verifier = new AccessTokenVerifier(() => client.json('auth', { path: '/.well-known/jwks.json' }), {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
  });
  const revocations = new RevocationList(client, log);
  const proxy = new UpstreamProxy(pool, breakers, { timeoutMs: config.UPSTREAM_TIMEOUT_MS }, log);
  const protection = createProtection({ config, log, metrics });

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
      res.json({ status: 'ok', service: 'gateway', version });
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

  const app = express();
  app.disable('x-powered-by');
  app.set('etag', false);
  app.set('query parser', 'simple');
  // Security headers first, so every answer carries them, the gateway's own 4xx/5xx included.
  app.use(gatewayHelmet());
  app.use(
    pinoHttp({
      logger: log,
      genReqId: (req, res) => {
        const id = requestIdOf(req.headers['x-request-id']);
        res.setHeader('x-request-id', id);
        return id;
      },
      autoLogging: { ignore: (req) => req.url === '/healthz' },
      customLogLevel: (req, res, err) =>
        req.url?.startsWith('/internal/') ? 'debug' : err || res.statusCode >= 500 ? 'warn' : 'info',
      serializers: {
        req: (req: { id: string; method: string; url: string }) => ({
          id: req.id,
          method: req.method,
          url: redactUrl(req.url),
        }),
        res: (res: { statusCode: number }) => ({ statusCode: res.statusCode }),
        err: (err: { message?: string }) => ({ message: err.message }),
      },
      customProps: (req) => ({
        upstream: (req as Request & { upstream?: string }).upstream,
        clientIp: (req as Request).clientIdentity?.ip ?? req.socket.remoteAddress,
      }),
    }),
  );
  // Protection, in order (see protection/): blocked IPs refused before any other work; CORS;
  // health and metrics exempt from shedding and limits; then the in-flight cap, body size, caller
  // identity (so limits count users, not only IPs) and the rate limits.
  app.use(protection.ipGuard);
  app.use(protection.cors);
  app.use(own.finish());
  app.get('/metrics', async (_req, res) => {
    res.type(metrics.contentType).send(await metrics.metrics());
  });
  app.use(routeContext());
  app.use(protection.shed);
  app.use(protection.bodyLimit);
  app.use(identifyCaller(verifier, revocations));
  app.use(...protection.rateLimit);
  app.get('/openapi.json', async (_req, res) => {
    res.json(await merger.document());
  });
  app.use(docsRouter());
  app.use(
    '/internal/registry',
    jsonBody('64kb'),
    registryRouter(registry, credentials, () => void pool.refresh()),
  );
  // Parse bodies only for admin routes the gateway answers itself; the others stream to their service untouched.
  const ownJson = jsonBody('64kb');
  app.use(
    '/api/v1/admin',
    (req, res, next) =>
      matchRoute(normalisePath(req.originalUrl.split('?')[0] ?? '/')?.toLowerCase() ?? '')?.service === 'gateway'
        ? ownJson(req, res, next)
        : next(),
    adminRouter({
      openapi,
      verifier,
      revocations,
      pool,
      breakers,
      blocks: protection.blocks,
      inFlight: protection.inFlight,
    }),
  );

  // Everything else is proxied according to the route table.
  app.use(async (req, res, next) => {
    const started = process.hrtime.bigint();
    const { normalised, rule } = req.gatewayRoute ?? routeContextOf(req.originalUrl);
    if (normalised === undefined) return next(new NotFoundError('route_not_found', 'This path is not valid'));
    if (!rule || rule.service === 'gateway')
      return next(new NotFoundError('route_not_found', `No route for ${req.method} ${normalised}`));
    const service = rule.service;
    (req as Request & { upstream?: string }).upstream = service;
    try {
      await checkAccess(req, accessFor(rule, req.method), verifier, revocations);
      protection.inFlight.enterService(service, res);
      const query = req.originalUrl.includes('?') ? req.originalUrl.slice(req.originalUrl.indexOf('?')) : '';
      const clientIp = req.clientIdentity?.ip ?? '';
      await proxy.forward(req, res, {
        service,
        path: forwardPath(normalised, rule.prefix) + query,
        requestId: String(req.id),
        clientIp,
        maxBodyBytes: protection.bodyLimitFor(req),
      });
    } catch (err) {
      return next(err);
    } finally {
      res.once('finish', () => {
        requests.inc({ upstream: service, status: String(res.statusCode) });
        latency.observe({ upstream: service }, Number(process.hrtime.bigint() - started) / 1e9);
      });
    }
  });
  app.use(errorHandler);

  return {
    app,
    pool,
    breakers,
    revocations,
    protection,
    serverOptions: protection.serverOptions,
    attach(server) {
      protection.applyServer(server);
      server.on('upgrade', async (req: http.IncomingMessage, socket: Duplex, head: Buffer) => {
        const allowed = await protection.guardUpgrade(req, socket).catch(() => {
          socket.destroy();
          return false;
        });
        if (!allowed) return;
        const requestId = requestIdOf(req.headers['x-request-id']);
        const normalised = normalisePath((req.url ?? '/').split('?')[0] ?? '/');
        const rule = normalised ? matchRoute(normalised.toLowerCase()) : undefined;
        if (!rule || rule.service === 'gateway' || !normalised) {
          socket.end('HTTP/1.1 404 Not Found\r\nContent-Length: 0\r\nConnection: close\r\n\r\n');
          return;
        }
        // An upgrade bypasses Express, and with it the route's access rule and the revocation list:
        // only WebSocket routes are proxied as upgrades, never an HTTP route with an Upgrade header.
        if (!rule.websocket) {
          const body = JSON.stringify(
            problemBody(
              400,
              'upgrade_not_supported',
              'This path does not accept protocol upgrades; send the request without Upgrade',
              { requestId },
            ),
          );
          socket.end(
            `HTTP/1.1 400 Bad Request\r\nContent-Type: application/problem+json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`,
          );
          return;
        }
        const query = (req.url ?? '').includes('?') ? (req.url ?? '').slice((req.url ?? '').indexOf('?')) : '';
        proxy.upgrade(req, socket, head, {
          service: rule.service,
          path: forwardPath(normalised, rule.prefix) + query,
          requestId,
          clientIp: protection.clientIp(req),
        });
      });
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
      await protection.close();
    },
  };
}
