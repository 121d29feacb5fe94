import type { Express } from 'express';
import {
  AccessTokenVerifier,
  requireAuth,
  runEvery,
  createAppFor,
  createSmsSender,
  createStore,
  ApiRouter,
  WindowQuota,
  finishApp,
  servicePath,
  z,
  type ServiceContext,
  type ServiceDefinition,
} from '@petpro/kit';
import type { DB } from './db.ts';
import { parseAuthConfig } from './config.ts';
import { KeyBox } from './shared/crypto.ts';
import type { RenderedMail } from './mail/templates.ts';
import { KeysRepository } from './tokens/keys.repository.ts';
import { KeysService } from './tokens/keys.service.ts';
import { AccountsRepository } from './accounts/accounts.repository.ts';
import { AccountsService } from './accounts/accounts.service.ts';
import { accountsRoutes } from './accounts/accounts.routes.ts';
import { SessionsRepository } from './sessions/sessions.repository.ts';
import { sessionsRoutes } from './sessions/sessions.routes.ts';
import { ThrottleRepository } from './throttle/throttle.repository.ts';
import { ThrottleService } from './throttle/throttle.service.ts';
import { RbacRepository } from './rbac/rbac.repository.ts';
import { RbacService } from './rbac/rbac.service.ts';
import { adminRoutes } from './rbac/admin.routes.ts';
import { AuditRepository } from './audit/audit.repository.ts';
import { internalRoutes } from './internal/internal.routes.ts';
import { pagesRoutes } from './pages/pages.routes.ts';
import { parseOAuthConfig } from './oauth/oauth.config.ts';
import { providersFrom } from './oauth/oauth.providers.ts';
import { OAuthRepository } from './oauth/oauth.repository.ts';
import { OAuthService } from './oauth/oauth.service.ts';
import { ProfileMerge } from './oauth/profile-merge.ts';
import { oauthRoutes } from './oauth/oauth.routes.ts';
import { CodeHasher } from './shared/crypto.ts';
import { deliverInBackground } from './mail/deliver.ts';
import { mfaRepositoriesOver } from './mfa/mfa.store.ts';
import { MfaService } from './mfa/mfa.service.ts';
import { RecoveryService } from './mfa/recovery.service.ts';
import { mfaRoutes } from './mfa/mfa.routes.ts';
import { recoveryRoutes } from './mfa/recovery.routes.ts';
import { SessionAdminService } from './sessions/session-admin.service.ts';
import { adminSessionsRoutes } from './sessions/admin-sessions.routes.ts';

export type { DB };

/** The auth service: everything wired, nothing listening. */
export async function buildApp(ctx: ServiceContext<DB>): Promise<Express> {
  const config = parseAuthConfig(ctx.env);
  const { app, openapi } = createAppFor(ctx);

  const keys = new KeysService(
    new KeysRepository(ctx.db),
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

  const accounts = new AccountsRepository(ctx.db);
  const sessions = new SessionsRepository(ctx.db);
  const throttleRepo = new ThrottleRepository(ctx.db);
  const throttle = new ThrottleService(throttleRepo, config.AUTH_IP_LIMIT_FACTOR);
  const rbac = new RbacRepository(ctx.db);
  const audit = new AuditRepository(ctx.db);
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
  const mfaStore = createStore(ctx.db, mfaRepositoriesOver);
  const mfa = new MfaService({
    store: mfaStore,
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
  const accountsService = new AccountsService({
    accounts,
    sessions,
    rbac,
    audit,
    throttle,
    keys,
    mfa,
    mailer: ctx.mailer,
    log: ctx.log,
    config: { ...config, urls: ctx.urls },
  });
  const recovery = new RecoveryService({
    store: mfaStore,
    throttle,
    checkPassword: (email, password, meta) => accountsService.checkPassword(email, password, meta),
    sms,
    mail,
    log: ctx.log,
    linkBase: ctx.urls.app ?? ctx.urls.gateway,
    delayHours: config.MFA_RECOVERY_DELAY_HOURS,
  });
  const sessionAdmin = new SessionAdminService({ accounts, sessions });
  const rbacService = new RbacService({ rbac, audit, accounts, sessions });
  const oauthConfig = parseOAuthConfig(ctx.env);
  const oauth = new OAuthService({
    store: createStore(ctx.db, (db) => ({ oauth: new OAuthRepository(db) })),
    providers: providersFrom(oauthConfig, ctx.urls.gateway),
    accounts: accountsService,
    audit,
    mail,
    profiles: new ProfileMerge({
      client: ctx.client,
      log: ctx.log,
      maxPictureBytes: oauthConfig.OAUTH_AVATAR_MAX_BYTES,
    }),
    redirectAllowlist: oauthConfig.OAUTH_REDIRECT_ALLOWLIST,
    log: ctx.log,
  });
  ctx.onClose.push(
    runEvery(3_600_000, () => oauth.purgeEnded(), { log: ctx.log, failure: 'oauth sign-in purge failed' }),
  );

  if (ctx.config.PETPRO_ADMIN_EMAIL && ctx.config.PETPRO_ADMIN_PASSWORD)
    await accountsService.ensureAdmin(ctx.config.PETPRO_ADMIN_EMAIL, ctx.config.PETPRO_ADMIN_PASSWORD);
  ctx.onClose.push(
    runEvery(3_600_000, () => throttleRepo.purge(), { log: ctx.log, failure: 'login throttle purge failed' }),
    runEvery(3_600_000, () => mfaStore.repos.mfa.purge(), { log: ctx.log, failure: 'MFA challenge purge failed' }),
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
  const auth = requireAuth(verifier);

  app.get('/.well-known/jwks.json', async (_req, res) => {
    res.setHeader('Cache-Control', 'public, max-age=60');
    res.json(await keys.jwks());
  });
  openapi.registerPath({
    method: 'get',
    path: '/.well-known/jwks.json',
    summary: 'Public keys that verify access tokens',
    tags: ['auth'],
    responses: {
      200: {
        description: 'JWK set',
        content: { 'application/json': { schema: z.object({ keys: z.array(z.record(z.string(), z.unknown())) }) } },
      },
    },
  });
  app.use('/api/v1/auth', accountsRoutes(openapi, accountsService, auth).finish());
  app.use('/api/v1/auth', sessionsRoutes(openapi, sessions, audit, auth).finish());
  app.use(
    '/api/v1/admin',
    adminRoutes(openapi, { rbacService, rbac, accounts, accountsService, audit, keys, auth }).finish(),
  );
  // MFA and social login are written in the converted shape (issue 12): one router with whole paths.
  const api = new ApiRouter(openapi);
  const deps = { verifier, mfa, accounts: accountsService, recovery, sessionAdmin, oauth };
  mfaRoutes(api, deps);
  recoveryRoutes(api, deps);
  adminSessionsRoutes(api, deps);
  oauthRoutes(api, deps);
  app.use(api.finish());
  // The pages mail links open when there is no client app; the gateway routes them publicly.
  app.use(pagesRoutes(accountsService));
  app.use(
    '/internal',
    internalRoutes({
      credentials: ctx.credentials,
      sessions,
      rbacService,
      accounts,
      accessTtlSeconds: config.ACCESS_TOKEN_TTL_SECONDS,
    }),
  );
  return finishApp(app);
}

export const definition: ServiceDefinition<DB> = {
  name: 'auth',
  migrationsDir: servicePath(import.meta.url, '../migrations'),
  buildApp,
};
