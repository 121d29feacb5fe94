import type { Express } from 'express';
import {
  AccessTokenVerifier,
  ApiRouter,
  createOpenApiRegistry,
  createStore,
  runEvery,
  createAppFor,
  finishApp,
  servicePath,
  type ServiceContext,
  type ServiceDefinition,
} from '@petpro/kit';
import type { DB } from './db.ts';
import { parseAuthConfig } from './config.ts';
import { KeyBox } from './shared/crypto.ts';
import { repositoriesOver } from './store.ts';
import { KeysService } from './tokens/keys.service.ts';
import { tokensRoutes } from './tokens/tokens.routes.ts';
import { AccountsService } from './accounts/accounts.service.ts';
import { accountsRoutes } from './accounts/accounts.routes.ts';
import { SessionsService } from './sessions/sessions.service.ts';
import { sessionsRoutes } from './sessions/sessions.routes.ts';
import { ThrottleService } from './throttle/throttle.service.ts';
import { RbacService } from './rbac/rbac.service.ts';
import { rbacRoutes } from './rbac/rbac.routes.ts';
import { AuditService } from './audit/audit.service.ts';
import { auditRoutes } from './audit/audit.routes.ts';
import { internalRoutes } from './internal/internal.routes.ts';
import { pagesRoutes } from './pages/pages.routes.ts';

export type { DB };

/** The auth service: everything wired, nothing listening. */
export async function buildApp(ctx: ServiceContext<DB>): Promise<Express> {
  const config = parseAuthConfig(ctx.env);
  const { app, openapi } = createAppFor(ctx);

  const store = createStore(ctx.db, repositoriesOver);
  const keys = new KeysService(
    store,
    new KeyBox(config.JWT_KEY_SECRET ?? ctx.config.SERVICE_SECRET!),
    {
      issuer: ctx.config.JWT_ISSUER,
      audience: ctx.config.JWT_AUDIENCE,
      accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
      rotationDays: config.JWT_KEY_ROTATION_DAYS,
    },
    ctx.log,
  );
  await keys.ensureKey();
  ctx.onClose.push(keys.startRotation());

  const throttle = new ThrottleService(store, config.AUTH_IP_LIMIT_FACTOR);
  const accounts = new AccountsService({
    store,
    throttle,
    keys,
    mailer: ctx.mailer,
    log: ctx.log,
    config: { ...config, urls: ctx.urls },
  });
  const rbac = new RbacService(store);
  const sessions = new SessionsService(store, { accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS });
  const audit = new AuditService(store);

  if (ctx.config.PETPRO_ADMIN_EMAIL && ctx.config.PETPRO_ADMIN_PASSWORD)
    await accounts.ensureAdmin(ctx.config.PETPRO_ADMIN_EMAIL, ctx.config.PETPRO_ADMIN_PASSWORD);
  ctx.onClose.push(
    runEvery(3_600_000, () => store.repos.throttle.purgeExpired(), {
      log: ctx.log,
      failure: 'login throttle purge failed',
    }),
  );

  // The auth service verifies the tokens it signs with its own published keys, like everyone else.
  // The auth service owns the sessions, so it refuses a revoked session's token at once (the gateway
  // and the other services learn of revocations from its feed within seconds).
  const verifier = new AccessTokenVerifier(() => keys.jwks(), {
    issuer: ctx.config.JWT_ISSUER,
    audience: ctx.config.JWT_AUDIENCE,
    isRevoked: (sid) => sessions.isRevoked(sid),
  });

  // Every feature declares its endpoints, paths written out whole, on the service's one router.
  const api = new ApiRouter(openapi);
  const deps = {
    verifier,
    credentials: ctx.credentials,
    keys,
    accounts,
    sessions,
    rbac,
    audit,
  };
  tokensRoutes(api, deps);
  accountsRoutes(api, deps);
  sessionsRoutes(api, deps);
  rbacRoutes(api, deps);
  auditRoutes(api, deps);
  app.use(api.finish());
  // The pages mail links open when there is no client app; the gateway routes them publicly.
  app.use(pagesRoutes(accounts));
  // Service-to-service endpoints: a second router, its registry unpublished (the gateway never routes /internal).
  const internal = new ApiRouter(createOpenApiRegistry());
  internalRoutes(internal, deps);
  app.use(internal.finish());
  return finishApp(app);
}

export const definition: ServiceDefinition<DB> = {
  name: 'auth',
  migrationsDir: servicePath(import.meta.url, '../migrations'),
  buildApp,
};
