import { randomUUID } from 'node:crypto';
import os from 'node:os';
import path from 'node:path';
import type { Express } from 'express';
import type http from 'node:http';
import type { Kysely } from 'kysely';
import { Registry as MetricsRegistry } from 'prom-client';
import {
  baseEnv,
  parseConfig,
  portVar,
  serviceDatabaseUrl,
  ConfigError,
  DEFAULT_PORTS,
  publicUrls,
  type ServiceName,
} from './config.ts';
import { createLogger, type Logger } from './log.ts';
import { createDatabase, ensureDatabase, migrate, type Database } from './db.ts';
import { AccessTokenVerifier, ServiceCredentials } from './auth.ts';
import { ServiceClient } from './client.ts';
import { BreakerSet } from './breaker.ts';
import { HttpRegistry, keepRegistered, RedisRegistry, createRedis, type Registry } from './registry.ts';
import { closeServer, createServiceApp, listen } from './http.ts';
import { createOpenApiRegistry, type OpenAPIRegistry } from './api-router.ts';
import { Mailer } from './mail.ts';
import { RevocationList } from './revocations.ts';

export type BaseConfig = ReturnType<typeof parseBaseConfig>;

function parseBaseConfig(name: string, env: NodeJS.ProcessEnv) {
  return parseConfig({ ...baseEnv, PORT: portVar().default(DEFAULT_PORTS[name as ServiceName] ?? 0) }, env);
}

/** Everything a service's buildApp receives. Tests build the same context against a test database. */
export interface ServiceContext<DB> {
  name: string;
  version: string;
  config: BaseConfig;
  /** Where links in mail point (PUBLIC_URL, PUBLIC_APP_URL), computed once here. */
  urls: ReturnType<typeof publicUrls>;
  env: NodeJS.ProcessEnv;
  log: Logger;
  db: Kysely<DB>;
  database: Database<DB>;
  metrics: MetricsRegistry;
  credentials: ServiceCredentials;
  registry: Registry;
  client: ServiceClient;
  breakers: BreakerSet;
  verifier: AccessTokenVerifier;
  mailer: Mailer;
  /** Functions to run at shutdown (timers, connections). */
  onClose: Array<() => Promise<void> | void>;
  /**
   * Run as shutdown starts, before in-flight requests drain: long-lived connections (WebSockets) are
   * closed here, since the server cannot finish closing while they are open.
   */
  onDraining: Array<() => Promise<void> | void>;
  /** Run once the server listens (a WebSocket server attaches its `upgrade` handler here). */
  onListening: Array<(server: http.Server) => void>;
  /** The auth service's revocation feed as this process follows it (absent in the auth service itself). */
  revocations?: RevocationList;
}

export interface ServiceDefinition<DB> {
  name: ServiceName;
  version?: string;
  /** Absolute path of the service's migrations folder. */
  migrationsDir: string;
  buildApp: (ctx: ServiceContext<DB>) => Promise<Express> | Express;
}

export interface StartOptions {
  env?: NodeJS.ProcessEnv;
  /** Fixed URLs of other services (tests); otherwise the registry finds them. */
  staticUrls?: Record<string, string>;
  /** Use this registry instead of the one the environment selects (tests). */
  registry?: Registry;
  /** Don't install SIGTERM/SIGINT handlers (in-process tests). */
  noSignals?: boolean;
  log?: Logger;
}

export interface RunningService {
  url: string;
  port: number;
  server: http.Server;
  ctx: ServiceContext<unknown>;
  stop(): Promise<void>;
}

/** Builds a service's context: config, logger, database (created and migrated), credentials, discovery, client. */
export async function createContext<DB>(
  def: ServiceDefinition<DB>,
  opts: StartOptions = {},
): Promise<ServiceContext<DB>> {
  const env = opts.env ?? process.env;
  const config = parseBaseConfig(def.name, env);
  const log = opts.log ?? createLogger(def.name, config.LOG_LEVEL);
  const dbUrl = serviceDatabaseUrl(def.name, env);
  if (!dbUrl)
    throw new ConfigError(
      `Configuration error: DATABASE_URL is required (or ${def.name.toUpperCase()}_DATABASE_URL); ` +
        '`npm start` provides an embedded PostgreSQL',
    );
  if (!config.SERVICE_SECRET)
    throw new ConfigError(
      'Configuration error: SERVICE_SECRET is required (at least 32 characters, the same for every process); ' +
        '`npm start` generates one',
    );
  await ensureDatabase(dbUrl);
  const database = createDatabase<DB>(dbUrl, {
    appName: `petpro-${def.name}`,
    statementTimeoutMs: config.DATABASE_STATEMENT_TIMEOUT_MS,
  });
  await migrate(database.db as Kysely<unknown>, def.migrationsDir, log);
  const credentials = new ServiceCredentials(config.SERVICE_SECRET, def.name);
  const onClose: ServiceContext<DB>['onClose'] = [];
  let registry = opts.registry;
  if (!registry) {
    if (config.REDIS_URL) {
      const redis = createRedis(config.REDIS_URL);
      redis.on('error', () => {});
      registry = new RedisRegistry(redis, config.REDIS_KEY_PREFIX);
      onClose.push(() => redis.disconnect());
    } else {
      registry = new HttpRegistry(config.REGISTRY_URL ?? `http://127.0.0.1:${config.GATEWAY_INTERNAL_PORT}`, () =>
        credentials.token(),
      );
    }
  }
  const metrics = new MetricsRegistry();
  const breakers = new BreakerSet(undefined, metrics);
  onClose.push(() => breakers.shutdown());
  const client = new ServiceClient({
    registry,
    credentials,
    breakers,
    staticUrls: opts.staticUrls,
    timeoutMs: config.SERVICE_CLIENT_TIMEOUT_MS,
  });
  // Every service but auth (which asks its own database) follows the auth service's revocation feed,
  // so a revoked session's token is refused (requireAuth) or ignored (optionalAuth) here too.
  let revocations: RevocationList | undefined;
  if (def.name !== 'auth') {
    revocations = new RevocationList(client, log, config.REVOCATION_POLL_MS);
    const list = revocations;
    list.start();
    onClose.push(() => list.stop());
  }
  const verifier = new AccessTokenVerifier(() => client.json('auth', { path: '/.well-known/jwks.json' }), {
    issuer: config.JWT_ISSUER,
    audience: config.JWT_AUDIENCE,
    isRevoked: revocations && ((sid) => revocations.isRevoked(sid)),
  });
  const mailer = new Mailer({ smtpUrl: config.SMTP_URL, from: config.MAIL_FROM, dataDir: config.PETPRO_DATA_DIR }, log);
  onClose.push(() => mailer.close());
  return {
    name: def.name,
    version: def.version ?? '0.1.0',
    config,
    urls: publicUrls(config),
    env,
    log,
    db: database.db,
    database,
    metrics,
    credentials,
    registry,
    client,
    breakers,
    verifier,
    mailer,
    onClose,
    onDraining: [],
    onListening: [],
    revocations,
  };
}

/**
 * The Express app of a service, from its context: the kit's app (access log, request context,
 * `/healthz`, `/readyz` on the database, `/metrics`, `/openapi.json`) and the OpenAPI registry its
 * routes document themselves in. Add the routes, then call finishApp(app).
 */
export function createAppFor<DB>(ctx: ServiceContext<DB>): { app: Express; openapi: OpenAPIRegistry } {
  const openapi = createOpenApiRegistry();
  const { app } = createServiceApp({
    name: ctx.name,
    version: ctx.version,
    log: ctx.log,
    openapi,
    metrics: ctx.metrics,
    checks: [{ name: 'database', check: () => ctx.database.ping() }],
  });
  return { app, openapi };
}

/** Starts a service: context, app, listen, register and heartbeat; graceful shutdown on SIGTERM/SIGINT. */
export async function startService<DB>(def: ServiceDefinition<DB>, opts: StartOptions = {}): Promise<RunningService> {
  const ctx = await createContext(def, opts);
  const app = await def.buildApp(ctx);
  const { server, port } = await listen(app, ctx.config.PORT, ctx.config.HOST);
  for (const fn of ctx.onListening) fn(server);
  // Listening on every interface (containers): advertise the host name, which the container network resolves.
  const host = ctx.config.HOST === '0.0.0.0' || ctx.config.HOST === '::' ? os.hostname() : ctx.config.HOST;
  const url = ctx.config.ADVERTISE_URL ?? `http://${host.includes(':') ? `[${host}]` : host}:${port}`;
  const instance = {
    id: `${def.name}-${randomUUID()}`,
    name: def.name,
    url,
    version: ctx.version,
    healthUrl: `${url}/healthz`,
  };
  const registration = keepRegistered(ctx.registry, instance, ctx.log);
  ctx.log.info({ url, instance: instance.id }, `${def.name} service listening`);
  let stopping: Promise<void> | undefined;
  const stop = () =>
    (stopping ??= (async () => {
      ctx.log.info('shutting down');
      // Leave the rotation first, give routers a moment to notice, then drain in-flight requests.
      await registration.stop();
      await new Promise((r) => setTimeout(r, opts.noSignals ? 50 : 1_000));
      await Promise.all([closeServer(server), ...ctx.onDraining.map((fn) => fn())]);
      for (const fn of ctx.onClose) await fn();
      await ctx.database.close();
      ctx.log.info('stopped');
    })());
  if (!opts.noSignals) {
    let signalled = false;
    const onSignal = () => {
      if (signalled) return;
      signalled = true;
      const force = setTimeout(() => process.exit(1), 9_000);
      force.unref();
      stop().then(
        () => process.exit(0),
        () => process.exit(1),
      );
    };
    process.on('SIGTERM', onSignal);
    process.on('SIGINT', onSignal);
    watchParent(opts.env ?? process.env, onSignal);
  }
  return { url, port, server, ctx: ctx as ServiceContext<unknown>, stop };
}

/** Started by the launcher: stop when the launcher is gone, so no orphan keeps a port. */
export function watchParent(env: NodeJS.ProcessEnv, onGone: () => void): void {
  const ppid = Number(env.PETPRO_PARENT_PID);
  if (!ppid) return;
  const timer = setInterval(() => {
    try {
      process.kill(ppid, 0);
    } catch {
      clearInterval(timer);
      onGone();
    }
  }, 2_000);
  timer.unref();
}

/** The `main` of a service process: start, and on a configuration error print one line and exit 2. */
export async function runMain<DB>(def: ServiceDefinition<DB>): Promise<void> {
  try {
    await startService(def);
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    process.stderr.write(`${def.name} failed to start: ${(err as Error).stack ?? err}\n`);
    process.exit(1);
  }
}

export const servicePath = (importMetaUrl: string, ...segments: string[]) =>
  path.resolve(path.dirname(new URL(importMetaUrl).pathname), ...segments);
