import argon2 from 'argon2';
import { v7 as uuidv7 } from 'uuid';
import {
  ADMIN_ROLE,
  BadRequestError,
  ForbiddenError,
  NotFoundError,
  UnauthorizedError,
  ValidationError,
  decodeCursor,
  toPage,
  type Language,
  type Logger,
  type Mailer,
  type Principal,
} from '@petpro/kit';
import type { AuthConfig } from '../config.ts';
import type { UserRecord } from './accounts.repository.ts';
import { checkPassword, normaliseEmail } from './password-policy.ts';
import { describeDevice } from '../sessions/device.ts';
import type { ThrottleService } from '../throttle/throttle.service.ts';
import type { AuthStore, Repositories } from '../store.ts';
import type { KeysService } from '../tokens/keys.service.ts';
import { randomToken, sha256 } from '../shared/crypto.ts';
import { templates, type RenderedMail } from '../mail/templates.ts';
import { deliverInBackground } from '../mail/deliver.ts';
import {
  credentialDigestOf,
  type FirstFactor,
  type MfaChallenge,
  type MfaMethod,
  type MfaService,
  type MfaState,
  type StepUpProof,
} from '../mfa/mfa.service.ts';
import type { SearchUsersQuery } from './accounts.schemas.ts';

/** A page of the admin's user search ends at a (created, id) position. */
const USER_CURSOR = { createdAt: 'instant', id: 'uuid' } as const;

const ADMIN_NAME = 'PetPro Admin';

/** OWASP's minimum for argon2id: 19 MiB memory, 2 iterations, 1 lane. */
export const ARGON2_OPTIONS = { type: argon2.argon2id, memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

export interface RequestMeta {
  ip?: string;
  userAgent?: string;
  language: Language;
}

export interface TokenPair {
  accessToken: string;
  refreshToken: string;
  tokenType: 'Bearer';
  expiresIn: number;
  sessionId: string;
}

/** A user with their roles: what the user views are made of (accounts.view.ts). */
export interface UserWithRoles {
  user: UserRecord;
  roles: string[];
}

/** A login that opened a session. */
export interface LoggedIn {
  tokens: TokenPair;
  user: UserWithRoles;
}

/** What a login answers: a session, or the second-factor challenge. */
export type LoginResult = LoggedIn | MfaChallenge;

/** What GET /me shows: the user, their roles and permissions, linked providers and the current session. */
export interface MeRecord extends UserWithRoles {
  permissions: string[];
  mfa: MfaState;
  providers: string[];
  sessionId: string;
}

/**
 * Accounts and the flows around them: registration, email verification, login with lockout,
 * refresh-token rotation with theft detection, logout, password reset and change.
 */
export class AccountsService {
  private dummyHash?: Promise<string>;

  constructor(
    private readonly deps: {
      store: AuthStore;
      throttle: ThrottleService;
      keys: KeysService;
      mfa: MfaService;
      mailer: Mailer;
      log: Logger;
      config: AuthConfig & { urls: { gateway: string; app: string | undefined } };
    },
  ) {}

  private get repos() {
    return this.deps.store.repos;
  }

  /** A hash of a random password, verified against when the email is unknown so timing does not tell. */
  private dummyPasswordHash(): Promise<string> {
    this.dummyHash ??= argon2.hash(randomToken(), ARGON2_OPTIONS);
    return this.dummyHash;
  }

  private hashPassword(password: string): Promise<string> {
    return argon2.hash(password, ARGON2_OPTIONS);
  }

  /** Sends in the background: the answer (and its timing) never depends on the mail server. */
  private sendInBackground(to: string, mail: RenderedMail, outboxHint?: string): void {
    deliverInBackground(this.deps.mailer, this.deps.log, to, mail, outboxHint);
  }

  /**
   * A link in a mail: to the client app (PUBLIC_APP_URL) when there is one, else to the page the
   * platform serves itself at the same path (pages.routes.ts), in the reader's language.
   */
  private mailLink(page: 'verify-email' | 'reset-password', token: string, lang: Language): string {
    return `${this.deps.config.urls.app ?? this.deps.config.urls.gateway}/${page}?token=${token}&lang=${lang}`;
  }

  /** Records a password attempt against the account's lock before the password is checked (429 while locked). */
  private countPasswordAttempt(accountKey: string) {
    return this.deps.throttle.recordAttempt(
      accountKey,
      this.deps.config.LOGIN_LOCK_AFTER_FAILURES,
      this.deps.config.LOGIN_LOCK_BASE_SECONDS,
    );
  }

  /** The user with their roles. */
  async withRoles(user: UserRecord): Promise<UserWithRoles> {
    const { roles } = await this.repos.rbac.findRolesAndPermissions(user.id);
    return { user, roles };
  }

  /** A user by id (another service's lookup); 404 `user_not_found`. */
  async findUserById(id: string): Promise<UserRecord> {
    const user = await this.repos.accounts.findById(id);
    if (!user) throw new NotFoundError('user_not_found', 'No such user');
    return user;
  }

  /** A user by email, as typed (another service's lookup); 404 `user_not_found`. */
  async findUserByEmail(rawEmail: string): Promise<UserRecord> {
    const user = await this.repos.accounts.findByEmail(normaliseEmail(rawEmail));
    if (!user) throw new NotFoundError('user_not_found', 'No such user');
    return user;
  }

  /** The admin's user search: exact or prefix match on the email, newest first, with each user's roles. */
  async searchPage(q: SearchUsersQuery): Promise<{ items: UserWithRoles[]; nextCursor: string | null }> {
    const key = q.cursor === undefined ? undefined : decodeCursor(q.cursor, USER_CURSOR);
    const after = key && { createdAt: new Date(key.createdAt), id: key.id };
    const rows = await this.repos.accounts.searchPage(q.email, after, q.limit + 1);
    const page = toPage(rows, q.limit, (last) => ({ createdAt: last.createdAt.toISOString(), id: last.id }));
    return { items: await Promise.all(page.items.map((u) => this.withRoles(u))), nextCursor: page.nextCursor };
  }

  async register(
    input: { email: string; password: string; name: string; phone?: string; language?: Language },
    meta: RequestMeta,
  ): Promise<UserWithRoles> {
    const email = normaliseEmail(input.email);
    const problems = checkPassword(input.password, { email, name: input.name });
    if (problems.length) throw new ValidationError(problems, 'The password does not meet the policy');
    await this.deps.throttle.assertWithinLimit('registerPerIp', meta.ip ?? 'unknown');
    const language = input.language ?? meta.language;
    const passwordHash = await this.hashPassword(input.password);
    const user = await this.deps.store.transaction((repos) =>
      repos.accounts.create({
        email,
        name: input.name.trim(),
        phone: input.phone ?? null,
        passwordHash,
        language,
        verified: false,
        roles: ['pet_owner'],
      }),
    );
    if (!user) {
      // The address is taken: answer exactly as for a new account, and tell the owner by mail.
      const existing = await this.repos.accounts.findByEmail(email);
      // Capped per address (which is the account here): past the cap the notice is silently not sent,
      // since a 429 would tell that the address is registered.
      if (existing && (await this.deps.throttle.allowsMailTo(email, this.deps.config.MAIL_PER_ADDRESS_PER_HOUR)))
        this.sendInBackground(
          existing.email,
          templates.alreadyRegistered(existing.language, {
            name: existing.name,
            loginUrl: this.deps.config.urls.app && `${this.deps.config.urls.app}/login`,
          }),
        );
      const unsaved: UserRecord = {
        id: uuidv7(),
        email,
        name: input.name.trim(),
        phone: input.phone ?? null,
        passwordHash: null,
        emailVerifiedAt: null,
        language,
        mfaEnabled: false,
        createdAt: new Date(),
      };
      return { user: unsaved, roles: ['pet_owner'] };
    }
    await this.sendVerification(user);
    await this.repos.audit.record({ type: 'register', actorId: user.id, targetId: user.id, ip: meta.ip });
    return this.withRoles(user);
  }

  private async sendVerification(user: UserRecord): Promise<void> {
    const token = randomToken();
    const hours = this.deps.config.EMAIL_VERIFICATION_TTL_HOURS;
    const expiresAt = new Date(Date.now() + hours * 3_600_000);
    await this.deps.store.transaction((repos) =>
      repos.accounts.issueToken(user.id, 'verify_email', sha256(token), expiresAt),
    );
    const url = this.mailLink('verify-email', token, user.language);
    this.sendInBackground(
      user.email,
      templates.verifyEmail(user.language, { url, token, hours }),
      `verify ${user.email}: ${url}`,
    );
  }

  async verifyEmail(token: string): Promise<void> {
    const userId = await this.deps.store.transaction(async (repos) => {
      const id = await repos.accounts.consumeToken('verify_email', sha256(token));
      if (!id) throw new BadRequestError('invalid_token', 'This verification link is invalid, already used or expired');
      await this.emailProven(repos, id, 'email_verified');
      await repos.accounts.markVerified(id);
      return id;
    });
    await this.repos.audit.record({ type: 'email_verified', actorId: userId, targetId: userId });
  }

  /**
   * A mailed link proved the address. If the account was unverified, social identities that never
   * proved it are dropped and their sessions ended (a pre-registration with someone else's address).
   */
  private async emailProven(repos: Repositories, userId: string, reason: string): Promise<void> {
    const user = await repos.accounts.findById(userId);
    if (!user || user.emailVerifiedAt) return;
    const dropped = await repos.accounts.dropUnprovenIdentities(userId, user.email);
    if (!dropped) return;
    await repos.sessions.revoke({ userId }, reason);
    await repos.audit.record({ type: 'identities_dropped', targetId: userId, detail: { dropped, reason } });
  }

  async resendVerification(rawEmail: string, meta: RequestMeta): Promise<void> {
    const email = normaliseEmail(rawEmail);
    await this.deps.throttle.assertWithinLimit('resendPerIp', meta.ip ?? 'unknown');
    await this.deps.throttle.assertWithinLimit('resendPerAccount', this.deps.throttle.accountKey(email));
    const user = await this.repos.accounts.findByEmail(email);
    if (user && !user.emailVerifiedAt) await this.sendVerification(user);
  }

  /**
   * The password step of a login (or of an MFA recovery): counted against the account lock before
   * the password is checked, timing-safe for unknown addresses; 401 `invalid_credentials` when wrong.
   */
  async checkPassword(rawEmail: string, password: string, meta: { ip?: string }): Promise<UserRecord> {
    const email = normaliseEmail(rawEmail);
    const accountKey = this.deps.throttle.accountKey(email);
    await this.deps.throttle.assertWithinLimit('loginPerIp', meta.ip ?? 'unknown');
    // Counted before the password is checked, so that parallel guesses cannot outrun the lock.
    const { failures, lockedUntil } = await this.countPasswordAttempt(accountKey);
    const user = await this.repos.accounts.findByEmail(email);
    const ok = await argon2.verify(user?.passwordHash ?? (await this.dummyPasswordHash()), password).catch(() => false);
    if (!user?.passwordHash || !ok) {
      await this.repos.audit.record({
        type: 'login_failed',
        targetId: user?.id ?? null,
        ip: meta.ip,
        detail: { failures },
      });
      if (lockedUntil)
        await this.repos.audit.record({
          type: 'account_locked',
          targetId: user?.id ?? null,
          ip: meta.ip,
          detail: { until: lockedUntil.toISOString() },
        });
      throw new UnauthorizedError('invalid_credentials', 'The email or password is not correct');
    }
    await this.deps.throttle.clearFailures(accountKey);
    return user;
  }

  async login(input: { email: string; password: string; deviceId?: string }, meta: RequestMeta): Promise<LoginResult> {
    const user = await this.checkPassword(input.email, input.password, meta);
    // Only someone who knows the password learns that the address is unverified.
    if (!user.emailVerifiedAt)
      throw new ForbiddenError('email_not_verified', 'Verify your email address before logging in');
    return this.completeFirstFactor(user, meta, {
      via: 'password',
      credentialDigest: credentialDigestOf(user.passwordHash!),
      deviceId: input.deviceId,
    });
  }

  /**
   * The one way a login ends once its first factor passed (password here, a social provider in the
   * OAuth flow): an account with a second factor gets an MFA challenge (`{mfaRequired, mfaToken,
   * methods}`, no tokens), any other a new session.
   */
  async completeFirstFactor(user: UserRecord, meta: RequestMeta, first: FirstFactor): Promise<LoginResult> {
    const challenge = await this.deps.mfa.challengeFor(user, first);
    if (challenge) {
      await this.repos.audit.record({
        type: 'mfa_challenged',
        targetId: user.id,
        ip: meta.ip,
        detail: { firstFactor: first.via, methods: challenge.methods },
      });
      return challenge;
    }
    return this.openSession(user, first.deviceId ?? undefined, meta, { via: first.via, mfa: false });
  }

  /** `POST /mfa/verify`: meets the challenge of a login and opens its session. */
  async completeSecondFactor(
    input: { mfaToken: string; method: MfaMethod; code: string },
    meta: RequestMeta,
  ): Promise<LoggedIn> {
    const { user, deviceId, firstFactor } = await this.deps.mfa.verifyChallenge(
      input.mfaToken,
      input.method,
      input.code,
      meta,
    );
    return this.openSession(user, deviceId ?? undefined, meta, { via: firstFactor, mfa: input.method });
  }

  private async openSession(
    user: UserRecord,
    deviceId: string | undefined,
    meta: RequestMeta,
    how: { via: string; mfa: MfaMethod | false },
  ): Promise<LoggedIn> {
    const tokens = await this.startSession(user, deviceId, meta, !!how.mfa);
    await this.repos.audit.record({
      type: 'login_ok',
      actorId: user.id,
      targetId: user.id,
      ip: meta.ip,
      detail: { sessionId: tokens.sessionId, via: how.via, ...(how.mfa ? { mfa: how.mfa } : {}) },
    });
    return { tokens, user: await this.withRoles(user) };
  }

  /** A social sign-in's login (the provider proved the first factor): completeFirstFactor for that account. */
  async completeLoginOf(userId: string, provider: string, meta: RequestMeta): Promise<LoginResult> {
    const user = await this.repos.accounts.findById(userId);
    if (!user) throw new BadRequestError('invalid_code', 'This sign-in code is invalid, already used or expired');
    return this.completeFirstFactor(user, meta, { via: `oauth:${provider}` });
  }

  /**
   * A new session with its first refresh token. Past MAX_SESSIONS_PER_USER, the least recently used
   * other sessions are revoked in the same transaction, the user's logins serialised on its row so
   * parallel ones cannot overshoot (the revocation feed carries the evictions to the gateway and the
   * real-time sockets, as a logout does).
   */
  private async startSession(
    user: UserRecord,
    deviceId: string | undefined,
    meta: RequestMeta,
    mfaVerified: boolean,
  ): Promise<TokenPair> {
    const refreshToken = randomToken();
    const now = Date.now();
    const expiresAt = new Date(now + this.deps.config.REFRESH_ABSOLUTE_DAYS * 86_400_000);
    const idle = new Date(Math.min(now + this.deps.config.REFRESH_IDLE_DAYS * 86_400_000, expiresAt.getTime()));
    const device = describeDevice({ userAgent: meta.userAgent, ip: meta.ip, deviceId });
    const cap = this.deps.config.MAX_SESSIONS_PER_USER;
    const session = await this.deps.store.transaction(async (repos) => {
      if (cap > 0) await repos.sessions.lockUserSessions(user.id);
      const created = await repos.sessions.create(user.id, device, idle, expiresAt, sha256(refreshToken), {
        mfaVerified,
      });
      const evicted = cap > 0 ? await repos.sessions.revokeLeastRecentlyUsed(user.id, created.id, cap) : [];
      if (evicted.length)
        await repos.audit.record({
          type: 'session_evicted',
          targetId: user.id,
          ip: meta.ip,
          detail: { sessionIds: evicted, by: created.id, limit: cap },
        });
      return created;
    });
    const access = await this.accessToken(user, session.id);
    return {
      accessToken: access.token,
      refreshToken,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      sessionId: session.id,
    };
  }

  private async accessToken(user: UserRecord, sessionId: string) {
    const { roles, permissions } = await this.repos.rbac.findRolesAndPermissions(user.id);
    return this.deps.keys.sign({ userId: user.id, sessionId, roles, permissions, email: user.email });
  }

  async refresh(refreshToken: string, meta: RequestMeta): Promise<TokenPair> {
    const found = await this.repos.sessions.findRefreshToken(sha256(refreshToken));
    if (!found) throw new UnauthorizedError('invalid_refresh_token', 'The refresh token is not valid');
    const { session } = found;
    const reuse = async () => {
      await this.repos.sessions.revoke({ userId: session.userId, sessionId: session.id }, 'refresh_reuse');
      await this.repos.audit.record({
        type: 'refresh_reuse',
        targetId: session.userId,
        ip: meta.ip,
        detail: { sessionId: session.id },
      });
      this.deps.log.warn({ sessionId: session.id }, 'refresh token reused: session revoked');
      return new UnauthorizedError(
        'refresh_token_reused',
        'This refresh token was already used; the session has been revoked',
      );
    };
    if (found.usedAt) throw await reuse();
    const now = new Date();
    if (session.revokedAt || session.expiresAt <= now || session.idleExpiresAt <= now)
      throw new UnauthorizedError('session_expired', 'The session has ended; log in again');
    const user = await this.repos.accounts.findById(session.userId);
    if (!user) throw new UnauthorizedError('session_expired', 'The session has ended; log in again');
    const next = randomToken();
    const idle = new Date(
      Math.min(Date.now() + this.deps.config.REFRESH_IDLE_DAYS * 86_400_000, session.expiresAt.getTime()),
    );
    const rotated = await this.deps.store.transaction((repos) =>
      repos.sessions.rotateRefreshToken(found.tokenId, session.id, sha256(next), idle, { ip: meta.ip ?? null }),
    );
    if (!rotated) throw await reuse();
    const access = await this.accessToken(user, session.id);
    return {
      accessToken: access.token,
      refreshToken: next,
      tokenType: 'Bearer',
      expiresIn: access.expiresIn,
      sessionId: session.id,
    };
  }

  async logout(principal: Principal, meta: RequestMeta): Promise<void> {
    await this.repos.sessions.revoke({ userId: principal.userId, sessionId: principal.sessionId }, 'logout');
    await this.repos.audit.record({
      type: 'logout',
      actorId: principal.userId,
      targetId: principal.userId,
      ip: meta.ip,
      detail: { sessionId: principal.sessionId },
    });
  }

  async forgotPassword(rawEmail: string, meta: RequestMeta): Promise<void> {
    const email = normaliseEmail(rawEmail);
    await this.deps.throttle.assertWithinLimit('forgotPerIp', meta.ip ?? 'unknown');
    await this.deps.throttle.assertWithinLimit('forgotPerAccount', this.deps.throttle.accountKey(email));
    const user = await this.repos.accounts.findByEmail(email);
    if (!user) return;
    const token = randomToken();
    const minutes = this.deps.config.PASSWORD_RESET_TTL_MINUTES;
    const expiresAt = new Date(Date.now() + minutes * 60_000);
    await this.deps.store.transaction((repos) =>
      repos.accounts.issueToken(user.id, 'password_reset', sha256(token), expiresAt),
    );
    const url = this.mailLink('reset-password', token, user.language);
    this.sendInBackground(
      user.email,
      templates.passwordReset(user.language, { name: user.name, url, token, minutes }),
      `reset for ${user.email}: ${url}`,
    );
    await this.repos.audit.record({ type: 'password_reset_requested', targetId: user.id, ip: meta.ip });
  }

  async resetPassword(token: string, password: string, meta: RequestMeta): Promise<void> {
    await this.deps.throttle.assertWithinLimit('resetPerIp', meta.ip ?? 'unknown');
    const problems = checkPassword(password);
    if (problems.length) throw new ValidationError(problems, 'The password does not meet the policy');
    const passwordHash = await this.hashPassword(password);
    // The token is spent only together with the change it allows.
    const user = await this.deps.store.transaction(async (repos) => {
      const userId = await repos.accounts.consumeToken('password_reset', sha256(token));
      if (!userId) throw new BadRequestError('invalid_token', 'This reset link is invalid, already used or expired');
      await this.emailProven(repos, userId, 'password_reset');
      await repos.accounts.setPassword(userId, passwordHash);
      // Receiving the reset mail proves the address.
      await repos.accounts.markVerified(userId);
      await repos.sessions.revoke({ userId }, 'password_reset');
      return (await repos.accounts.findById(userId))!;
    });
    const userId = user.id;
    await this.deps.throttle.clearFailures(this.deps.throttle.accountKey(user.email));
    await this.repos.audit.record({ type: 'password_reset', actorId: userId, targetId: userId, ip: meta.ip });
    this.sendInBackground(user.email, templates.passwordChanged(user.language, { name: user.name }));
  }

  async changePassword(
    principal: Principal,
    current: string,
    next: string,
    meta: RequestMeta,
    proof?: StepUpProof,
  ): Promise<void> {
    // With MFA on, a second-factor code too (403 `mfa_required` before any password attempt is spent).
    await this.deps.mfa.assertStepUp(principal, proof, meta.ip);
    const user = await this.repos.accounts.findById(principal.userId);
    if (!user) throw new NotFoundError('user_not_found', 'The account no longer exists');
    const accountKey = this.deps.throttle.accountKey(user.email);
    await this.countPasswordAttempt(accountKey);
    if (!user.passwordHash || !(await argon2.verify(user.passwordHash, current).catch(() => false))) {
      throw new ValidationError(
        [
          {
            field: 'currentPassword',
            code: 'current_password_incorrect',
            message: 'The current password is not correct',
          },
        ],
        'The current password is not correct',
      );
    }
    await this.deps.throttle.clearFailures(accountKey);
    const problems = checkPassword(next, { email: user.email }, 'newPassword');
    if (problems.length) throw new ValidationError(problems, 'The password does not meet the policy');
    await this.repos.accounts.setPassword(user.id, await this.hashPassword(next));
    await this.repos.sessions.revoke({ userId: user.id, exceptSessionId: principal.sessionId }, 'password_change');
    await this.repos.audit.record({ type: 'password_changed', actorId: user.id, targetId: user.id, ip: meta.ip });
    this.sendInBackground(user.email, templates.passwordChanged(user.language, { name: user.name }));
  }

  async findMe(principal: Principal): Promise<MeRecord> {
    const user = await this.repos.accounts.findById(principal.userId);
    if (!user) throw new NotFoundError('user_not_found', 'The account no longer exists');
    const { roles, permissions } = await this.repos.rbac.findRolesAndPermissions(user.id);
    const providers = await this.repos.accounts.listProviders(user.id);
    const mfa = await this.deps.mfa.state(user.id);
    return { user, roles, permissions, providers, mfa, sessionId: principal.sessionId };
  }

  /**
   * Creates or promotes the bootstrap admin (verified, with `admin`). An existing verified account
   * keeps its password. An unverified one never proved it owns the address (anyone may register it
   * before it is configured), so it is taken over: the configured password, its sessions revoked.
   */
  async ensureAdmin(rawEmail: string, password: string): Promise<void> {
    const email = normaliseEmail(rawEmail);
    let user = await this.repos.accounts.findByEmail(email);
    if (!user) {
      const passwordHash = await this.hashPassword(password);
      user = await this.deps.store.transaction((repos) =>
        repos.accounts.create({
          email,
          name: ADMIN_NAME,
          phone: null,
          passwordHash,
          language: 'id',
          verified: true,
          roles: ['pet_owner', ADMIN_ROLE],
        }),
      );
      user ??= await this.repos.accounts.findByEmail(email);
      this.deps.log.info({ email }, 'bootstrap admin created');
    } else if (!user.emailVerifiedAt) {
      await this.repos.accounts.takeOver(user.id, {
        name: ADMIN_NAME,
        passwordHash: await this.hashPassword(password),
      });
      const revoked = await this.repos.sessions.revoke({ userId: user.id }, 'bootstrap_admin');
      await this.repos.audit.record({
        type: 'bootstrap_admin_takeover',
        targetId: user.id,
        detail: { sessionsRevoked: revoked.length },
      });
      this.deps.log.warn(
        { email, userId: user.id, sessionsRevoked: revoked.length },
        'the bootstrap admin address had an unverified account: it now has the configured password, and its ' +
          'sessions were revoked',
      );
    }
    if (!user) return;
    await this.repos.accounts.markVerified(user.id);
    await this.repos.rbac.grantRole(user.id, ADMIN_ROLE, null);
  }
}
