import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB } from '../db.ts';
import type { IdentityRecord, SignInState, SocialUser } from './oauth.model.ts';

/** The only SQL of social login: identities, sign-ins in progress and one-time exchange codes. */
export class OAuthRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async saveState(s: SignInState & { stateHash: string }): Promise<void> {
    await this.db
      .insertInto('oauth_states')
      .values({
        state_hash: s.stateHash,
        provider: s.provider,
        redirect_uri: s.redirectUri,
        code_verifier: s.codeVerifier,
        nonce: s.nonce,
        link_user_id: s.linkUserId,
        language: s.language,
        expires_at: s.expiresAt,
      })
      .execute();
  }

  /** Marks a live state used and returns it: a second use, another provider's state or an old one get nothing. */
  async consumeState(stateHash: string, provider: string): Promise<SignInState | undefined> {
    const r = await this.db
      .updateTable('oauth_states')
      .set({ used_at: new Date() })
      .where('state_hash', '=', stateHash)
      .where('provider', '=', provider)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returningAll()
      .executeTakeFirst();
    return (
      r && {
        provider: r.provider,
        redirectUri: r.redirect_uri,
        codeVerifier: r.code_verifier,
        nonce: r.nonce,
        linkUserId: r.link_user_id,
        language: r.language,
        expiresAt: r.expires_at,
      }
    );
  }

  async saveExchangeCode(codeHash: string, userId: string, provider: string, expiresAt: Date): Promise<void> {
    await this.db
      .insertInto('oauth_exchange_codes')
      .values({ code_hash: codeHash, user_id: userId, provider, expires_at: expiresAt })
      .execute();
  }

  /** Marks a live code used and returns whose it is; undefined when unknown, used or expired. */
  async consumeExchangeCode(codeHash: string): Promise<{ userId: string; provider: string } | undefined> {
    const r = await this.db
      .updateTable('oauth_exchange_codes')
      .set({ used_at: new Date() })
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning(['user_id', 'provider'])
      .executeTakeFirst();
    return r && { userId: r.user_id, provider: r.provider };
  }

  /** Drops sign-ins and codes that ended more than a day ago (kept that long for investigation). */
  async purgeEnded(): Promise<void> {
    const before = new Date(Date.now() - 86_400_000);
    await this.db.deleteFrom('oauth_states').where('expires_at', '<', before).execute();
    await this.db.deleteFrom('oauth_exchange_codes').where('expires_at', '<', before).execute();
  }

  /** The account an identity belongs to. */
  async findIdentityOwner(provider: string, subject: string): Promise<string | undefined> {
    const r = await this.db
      .selectFrom('identities')
      .select('user_id')
      .where('provider', '=', provider)
      .where('provider_subject', '=', subject)
      .executeTakeFirst();
    return r?.user_id;
  }

  /** The fields of an account that social login decides on. */
  private users() {
    return this.db
      .selectFrom('users')
      .select(['id', 'email', 'name', 'language'])
      .select(sql<boolean>`email_verified_at is not null`.as('emailVerified'))
      .select(sql<boolean>`password_hash is not null`.as('hasPassword'));
  }

  async findUserByEmail(email: string): Promise<SocialUser | undefined> {
    return this.users().where('email', '=', email).executeTakeFirst();
  }

  /** The user; with `forUpdate`, its row locked for the rest of the transaction (unlinking counts the ways in). */
  async findUserById(userId: string, opts: { forUpdate?: boolean } = {}): Promise<SocialUser | undefined> {
    const q = this.users().where('id', '=', userId);
    return (opts.forUpdate ? q.forUpdate() : q).executeTakeFirst();
  }

  async addIdentity(i: Omit<IdentityRecord, 'createdAt' | 'lastLoginAt'>): Promise<void> {
    await this.db
      .insertInto('identities')
      .values({
        id: uuidv7(),
        user_id: i.userId,
        provider: i.provider,
        provider_subject: i.subject,
        email: i.email,
        email_verified: i.emailVerified,
        name: i.name,
        last_login_at: new Date(),
      })
      .execute();
  }

  async touchIdentity(provider: string, subject: string): Promise<void> {
    await this.db
      .updateTable('identities')
      .set({ last_login_at: new Date() })
      .where('provider', '=', provider)
      .where('provider_subject', '=', subject)
      .execute();
  }

  /** The user's social identities (the password is not one), oldest first. */
  async listIdentities(userId: string): Promise<IdentityRecord[]> {
    const rows = await this.db
      .selectFrom('identities')
      .select(['user_id', 'provider', 'provider_subject', 'email', 'email_verified', 'name', 'created_at'])
      .select('last_login_at')
      .where('user_id', '=', userId)
      .where('provider', '!=', 'password')
      .orderBy('created_at')
      .execute();
    return rows.map((r) => ({
      userId: r.user_id,
      provider: r.provider,
      subject: r.provider_subject,
      email: r.email,
      emailVerified: r.email_verified,
      name: r.name,
      createdAt: r.created_at,
      lastLoginAt: r.last_login_at,
    }));
  }

  /** Removes the user's identity of a provider; false when there was none. Scoped by the owner. */
  async deleteIdentity(userId: string, provider: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('identities')
      .where('user_id', '=', userId)
      .where('provider', '=', provider)
      .where('provider', '!=', 'password')
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }
}
