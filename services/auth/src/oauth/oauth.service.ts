import * as client from 'openid-client';
import {
  AppError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  UnauthorizedError,
  type Logger,
  type Principal,
} from '@petpro/kit';
import type { AccountsService, RequestMeta } from '../accounts/accounts.service.ts';
import type { AuthStore } from '../store.ts';
import { templates, type RenderedMail } from '../mail/templates.ts';
import { randomToken, sha256 } from '../shared/crypto.ts';
import type { OAuthProvider, ProviderName, ProviderProfile } from './oauth.providers.ts';
import type { ProfileMerge } from './profile-merge.ts';
import {
  EXCHANGE_CODE_TTL_MS,
  STATE_TTL_MS,
  accountName,
  firstSignInDecision,
  isAllowedRedirect,
  redirectWith,
  type IdentityRecord,
  type SignInState,
} from './oauth.model.ts';

const DISPLAY_NAMES: Record<ProviderName, string> = { google: 'Google', facebook: 'Facebook', apple: 'Apple' };

/** What the callback did: where the browser goes next. */
export type CallbackOutcome = { location: string };

/**
 * Social login: the start (state, PKCE, nonce kept server-side), the callback (the provider's answer
 * checked, then a login, a new account or a link), the one-time code exchange, and the identities
 * a user manages.
 */
export class OAuthService {
  constructor(
    private readonly deps: {
      store: AuthStore;
      providers: Map<ProviderName, OAuthProvider>;
      accounts: AccountsService;
      /** Sends in the background (mail/deliver.ts). */
      mail: (to: string, mail: RenderedMail) => void;
      profiles: ProfileMerge;
      redirectAllowlist: readonly string[];
      log: Logger;
    },
  ) {}

  enabledProviders(): ProviderName[] {
    return [...this.deps.providers.keys()];
  }

  private provider(name: ProviderName): OAuthProvider {
    const p = this.deps.providers.get(name);
    if (!p) throw new NotFoundError('provider_disabled', `Sign-in with ${DISPLAY_NAMES[name]} is not enabled`);
    return p;
  }

  /** The provider's authorization URL for a new sign-in (or a link, for a logged-in user). */
  async start(
    name: ProviderName,
    input: { redirectUri: string; link: boolean },
    principal: Principal | undefined,
    meta: RequestMeta,
  ): Promise<string> {
    const provider = this.provider(name);
    if (!isAllowedRedirect(input.redirectUri, this.deps.redirectAllowlist))
      throw new BadRequestError('redirect_uri_not_allowed', 'redirectUri is not one of the allowed client apps');
    if (input.link && !principal)
      throw new UnauthorizedError('unauthorized', 'Linking a provider needs the bearer token of the account');
    const checks = {
      state: randomToken(),
      codeVerifier: client.randomPKCECodeVerifier(),
      nonce: provider.usesNonce ? randomToken() : null,
    };
    const url = await provider.authorizationUrl(checks).catch((err: unknown) => {
      this.deps.log.warn({ provider: name, err: (err as Error).message }, 'oauth provider discovery failed');
      throw new AppError(502, 'provider_unavailable', `${DISPLAY_NAMES[name]} cannot be reached; try again shortly`);
    });
    await this.deps.store.repos.oauth.saveState({
      stateHash: sha256(checks.state),
      provider: name,
      redirectUri: input.redirectUri,
      codeVerifier: checks.codeVerifier,
      nonce: checks.nonce,
      linkUserId: input.link ? principal!.userId : null,
      language: meta.language,
      expiresAt: new Date(Date.now() + STATE_TTL_MS),
    });
    return url.toString();
  }

  /**
   * The provider's answer. An unknown, used, expired or other provider's state is a 400 (there is
   * no trusted place to send the browser); past that, every outcome goes back to the client app:
   * `?code=` after a login, `?linked=` after a link, `?error=` otherwise.
   */
  async callback(name: ProviderName, params: URLSearchParams): Promise<CallbackOutcome> {
    const provider = this.provider(name);
    const state = params.get('state');
    const signIn = state ? await this.deps.store.repos.oauth.consumeState(sha256(state), name) : undefined;
    if (!state || !signIn)
      throw new BadRequestError('invalid_state', 'This sign-in is unknown, already finished or expired; start again');
    const back = (p: Record<string, string>) => ({ location: redirectWith(signIn.redirectUri, p) });
    if (params.has('error')) return back({ error: 'access_denied' });
    let profile: ProviderProfile;
    try {
      profile = await provider.profileFrom(params, { state, codeVerifier: signIn.codeVerifier, nonce: signIn.nonce });
    } catch (err) {
      // A bad code, a replayed code, a nonce or signature that does not match: the provider's answer is refused.
      this.deps.log.warn({ provider: name, err: (err as Error).message }, 'oauth callback refused');
      return back({ error: 'oauth_failed' });
    }
    try {
      if (signIn.linkUserId) {
        await this.link(signIn.linkUserId, name, profile);
        return back({ linked: name });
      }
      const userId = await this.signIn(name, profile, signIn);
      const code = randomToken();
      await this.deps.store.repos.oauth.saveExchangeCode(
        sha256(code),
        userId,
        name,
        new Date(Date.now() + EXCHANGE_CODE_TTL_MS),
      );
      return back({ code });
    } catch (err) {
      if (err instanceof AppError && err.status < 500) return back({ error: err.code });
      throw err;
    }
  }

  /** The account of a sign-in: found by the identity, linked by a doubly verified email, or created. */
  private async signIn(name: ProviderName, profile: ProviderProfile, signIn: SignInState) {
    const found = await this.deps.store.repos.oauth.findIdentityOwner(name, profile.subject);
    if (found) {
      await this.deps.store.repos.oauth.touchIdentity(name, profile.subject);
      return found;
    }
    const email = profile.email;
    if (!email) throw new BadRequestError('email_required', `${DISPLAY_NAMES[name]} did not share an email address`);
    const identity = {
      provider: name,
      subject: profile.subject,
      email,
      emailVerified: profile.emailVerified,
      name: profile.name ?? null,
    };
    const outcome = await this.deps.store
      .transaction(async (repos) => {
        const sameEmail = await repos.oauth.findUserByEmail(email);
        const decision = firstSignInDecision(profile, sameEmail);
        if (decision === 'refuse')
          throw new ConflictError(
            'account_exists',
            'An account with this email exists: log in to it and link this provider from its settings',
          );
        if (decision === 'link') {
          await repos.oauth.addIdentity({ ...identity, userId: sameEmail!.id });
          return { userId: sameEmail!.id, linkedTo: sameEmail };
        }
        const user = await repos.accounts.create({
          email,
          name: accountName(profile, email),
          phone: null,
          passwordHash: null,
          language: signIn.language,
          verified: profile.emailVerified,
          roles: ['pet_owner'],
        });
        if (!user) throw new ConflictError('account_exists', 'An account with this email was just created');
        await repos.oauth.addIdentity({ ...identity, userId: user.id });
        return { userId: user.id, linkedTo: undefined };
      })
      .catch(async (err: unknown) => {
        // The same identity signing in twice at once: the second insert loses the race, the first's account wins.
        if ((err as { code?: string }).code !== '23505') throw err;
        const owner = await this.deps.store.repos.oauth.findIdentityOwner(name, profile.subject);
        if (!owner) throw new ConflictError('account_exists', 'An account with this email was just created');
        return { userId: owner, linkedTo: undefined };
      });
    if (outcome.linkedTo) {
      this.mailLinked(outcome.linkedTo, name);
      await this.deps.store.repos.audit.record({
        type: 'identity_linked',
        targetId: outcome.userId,
        detail: { provider: name, via: 'verified_email' },
      });
    }
    await this.deps.profiles.fillEmpty(outcome.userId, profile);
    return outcome.userId;
  }

  /** Links a provider to a logged-in user's account; the identity must not be anyone else's. */
  private async link(userId: string, name: ProviderName, profile: ProviderProfile): Promise<void> {
    const user = await this.deps.store.transaction(async (repos) => {
      const owner = await repos.oauth.findIdentityOwner(name, profile.subject);
      if (owner === userId) return undefined;
      if (owner)
        throw new ConflictError('identity_in_use', `This ${DISPLAY_NAMES[name]} account is linked to another account`);
      const me = await repos.oauth.findUserById(userId, { forUpdate: true });
      if (!me) throw new NotFoundError('user_not_found', 'The account no longer exists');
      if ((await repos.oauth.listIdentities(userId)).some((i) => i.provider === name))
        throw new ConflictError('provider_already_linked', `Another ${DISPLAY_NAMES[name]} account is linked already`);
      await repos.oauth.addIdentity({
        userId,
        provider: name,
        subject: profile.subject,
        email: profile.email ?? null,
        emailVerified: profile.emailVerified,
        name: profile.name ?? null,
      });
      return me;
    });
    if (user) {
      this.mailLinked(user, name);
      await this.deps.store.repos.audit.record({
        type: 'identity_linked',
        actorId: userId,
        targetId: userId,
        detail: { provider: name, via: 'user' },
      });
      await this.deps.profiles.fillEmpty(userId, profile);
    }
  }

  private mailLinked(user: { email: string; name: string; language: 'id' | 'en' }, name: ProviderName): void {
    this.deps.mail(
      user.email,
      templates.providerLinked(user.language, { name: user.name, provider: DISPLAY_NAMES[name] }),
    );
  }

  /** The login answer for a one-time code (tokens, or an MFA challenge once MFA lands). */
  async exchange(code: string, meta: RequestMeta) {
    const found = await this.deps.store.repos.oauth.consumeExchangeCode(sha256(code));
    if (!found) throw new BadRequestError('invalid_code', 'This sign-in code is invalid, already used or expired');
    return this.deps.accounts.completeLoginOf(found.userId, found.provider, meta);
  }

  async listIdentities(principal: Principal): Promise<{ identities: IdentityRecord[]; hasPassword: boolean }> {
    const user = await this.deps.store.repos.oauth.findUserById(principal.userId);
    if (!user) throw new NotFoundError('user_not_found', 'The account no longer exists');
    return {
      identities: await this.deps.store.repos.oauth.listIdentities(principal.userId),
      hasPassword: user.hasPassword,
    };
  }

  /** Unlinks a provider, never the last way to log in (no password and no other identity). */
  async unlink(principal: Principal, name: ProviderName): Promise<void> {
    await this.deps.store.transaction(async (repos) => {
      // The user row is locked, so two unlinks at once cannot each leave the other as the last way in.
      const user = await repos.oauth.findUserById(principal.userId, { forUpdate: true });
      if (!user) throw new NotFoundError('user_not_found', 'The account no longer exists');
      const identities = await repos.oauth.listIdentities(principal.userId);
      if (!identities.some((i) => i.provider === name))
        throw new NotFoundError('identity_not_found', `No ${DISPLAY_NAMES[name]} account is linked`);
      if (!user.hasPassword && identities.length < 2)
        throw new ConflictError(
          'last_login_method',
          'This is the only way to log in to the account: set a password or link another provider first',
        );
      await repos.oauth.deleteIdentity(principal.userId, name);
    });
    await this.deps.store.repos.audit.record({
      type: 'identity_unlinked',
      actorId: principal.userId,
      targetId: principal.userId,
      detail: { provider: name },
    });
  }

  async purgeEnded(): Promise<void> {
    await this.deps.store.repos.oauth.purgeEnded();
  }
}
