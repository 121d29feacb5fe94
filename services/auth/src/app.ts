import type { Express } from 'express';
import {
  AccessTokenVerifier,
  ApiRouter,
  createOpenApiRegistry,
  createSmsSender,
  createStore,
  runEvery,
  WindowQuota,
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
import { parseOAuthConfig } from './oauth/oauth.config.ts';
import { providersFrom } from './oauth/oauth.providers.ts';
import { OAuthService } from './oauth/oauth.service.ts';
import { ProfileMerge } from './oauth/profile-merge.ts';
import { oauthRoutes } from './oauth/oauth.routes.ts';
import { CodeHasher } from './shared/crypto.ts';
import type { RenderedMail } from './mail/templates.ts';
import { deliverInBackground } from './mail/deliver.ts';
import { MfaService } from './mfa/mfa.service.ts';
import { RecoveryService } from './mfa/recovery.service.ts';
import { mfaRoutes } from './mfa/mfa.routes.ts';
import { recoveryRoutes } from './mfa/recovery.routes.ts';
import { adminSessionsRoutes } from './sessions/admin-sessions.routes.ts';
import { IpLocator } from './sessions/ip-location.ts';

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
  const secret = config.JWT_KEY_SECRET ?? ctx.config.SERVICE_SECRET!;
  const mail = (to: string, m: RenderedMail, hint?: string) => deliverInBackground(ctx.mailer, ctx.log, to, m, hint);
  const smsDaily = new WindowQuota(ctx.db, {
    limit: config.SMS_PER_PHONE_PER_DAY,
    windowSeconds: 86_400,
    code: 'sms_limit_reached',
    message: 'This phone number has received too many texts today; try again tomorrow',
  });
  const sms = createSmsSender({ ...config, PETPRO_DATA_DIR: ctx.config.PETPRO_DATA_DIR }, ctx.log, (phone) =>
    smsDaily.consume(`sms:day:${phone}`),
  );
  const hourly = (limit: number, message: string) =>
    new WindowQuota(ctx.db, { limit, windowSeconds: 3_600, code: 'sms_limit_reached', message });
  const mfa = new MfaService({
    store,
    throttle,
    sms,
    smsQuota: {
      perPhone: hourly(config.MFA_SMS_PER_PHONE_PER_HOUR, 'Too many codes were texted to this phone; try again later'),
      perAccount: hourly(
        config.MFA_SMS_PER_ACCOUNT_PER_HOUR,
        'Too many codes were texted for this account; try again later',
      ),
    },
    secrets: new KeyBox(secret, 'mfa-totp-secret'),
    codes: new CodeHasher(secret, 'mfa-codes'),
    mail,
    log: ctx.log,
    config: { lockAfter: config.LOGIN_LOCK_AFTER_FAILURES, lockBaseSeconds: config.LOGIN_LOCK_BASE_SECONDS },
  });
  const accounts = new AccountsService({
    store,
    throttle,
    keys,
    mfa,
    mailer: ctx.mailer,
    log: ctx.log,
    config: { ...config, urls: ctx.urls },
  });
  const recovery = new RecoveryService({
    store,
    throttle,
    checkPassword: (email, password, meta) => accounts.checkPassword(email, password, meta),
    sms,
    mail,
    log: ctx.log,
    linkBase: ctx.urls.app ?? ctx.urls.gateway,
    delayHours: config.MFA_RECOVERY_DELAY_HOURS,
  });
  const rbac = new RbacService(store);
  const sessions = new SessionsService(store, {
    accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    geo: await IpLocator.open(config.GEOIP_DB_PATH),
  });
  const audit = new AuditService(store);
  const oauthConfig = parseOAuthConfig(ctx.env);
  const oauth = new OAuthService({
    store,
    providers: providersFrom(oauthConfig, ctx.urls.gateway),
    accounts,
    mail,
    profiles: new ProfileMerge({
      client: ctx.client,
      log: ctx.log,
      maxPictureBytes: oauthConfig.OAUTH_AVATAR_MAX_BYTES,
    }),
    redirectAllowlist: oauthConfig.OAUTH_REDIRECT_ALLOWLIST,
    log: ctx.log,
  });

  if (ctx.config.PETPRO_ADMIN_EMAIL && ctx.config.PETPRO_ADMIN_PASSWORD)
    await accounts.ensureAdmin(ctx.config.PETPRO_ADMIN_EMAIL, ctx.config.PETPRO_ADMIN_PASSWORD);
  ctx.onClose.push(
    runEvery(3_600_000, () => store.repos.throttle.purgeExpired(), {
      log: ctx.log,
      failure: 'login throttle purge failed',
    }),
    runEvery(3_600_000, () => store.repos.mfa.purge(), { log: ctx.log, failure: 'MFA challenge purge failed' }),
    runEvery(3_600_000, () => oauth.purgeEnded(), { log: ctx.log, failure: 'oauth sign-in purge failed' }),
    runEvery(config.MFA_RECOVERY_CHECK_MS, () => recovery.runDue(), {
      log: ctx.log,
      failure: 'MFA recovery pass failed',
      level: 'error',
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
    mfa,
    recovery,
    oauth,
  };
  tokensRoutes(api, deps);
  accountsRoutes(api, deps);
  sessionsRoutes(api, deps);
  rbacRoutes(api, deps);
  auditRoutes(api, deps);
  mfaRoutes(api, deps);
  recoveryRoutes(api, deps);
  adminSessionsRoutes(api, deps);
  oauthRoutes(api, deps);
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
