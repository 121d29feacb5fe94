import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB } from '../db.ts';

export interface UserRecord {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  passwordHash: string | null;
  emailVerifiedAt: Date | null;
  language: 'id' | 'en';
  mfaEnabled: boolean;
  createdAt: Date;
}

const userColumns = [
  'id',
  'email',
  'name',
  'phone',
  'password_hash',
  'email_verified_at',
  'language',
  'mfa_enabled',
  'created_at',
] as const;

function toUser(r: {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  password_hash: string | null;
  email_verified_at: Date | null;
  language: 'id' | 'en';
  mfa_enabled: boolean;
  created_at: Date;
}): UserRecord {
  return {
    id: r.id,
    email: r.email,
    name: r.name,
    phone: r.phone,
    passwordHash: r.password_hash,
    emailVerifiedAt: r.email_verified_at,
    language: r.language,
    mfaEnabled: r.mfa_enabled,
    createdAt: r.created_at,
  };
}

/** The only SQL for users, identities and one-time tokens. */
export class AccountsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findById(id: string): Promise<UserRecord | undefined> {
    const r = await this.db.selectFrom('users').select(userColumns).where('id', '=', id).executeTakeFirst();
    return r && toUser(r);
  }

  async findByEmail(email: string): Promise<UserRecord | undefined> {
    const r = await this.db.selectFrom('users').select(userColumns).where('email', '=', email).executeTakeFirst();
    return r && toUser(r);
  }

  /**
   * Inserts a user with the given roles and, when it has a password, its password identity (a social
   * sign-in adds its own identity); undefined when the email is taken.
   * Several statements: run it on the repositories of a `store.transaction`.
   */
  async create(input: {
    email: string;
    name: string;
    phone: string | null;
    passwordHash: string | null;
    language: 'id' | 'en';
    verified: boolean;
    roles: string[];
  }): Promise<UserRecord | undefined> {
    const id = uuidv7();
    const inserted = await this.db
      .insertInto('users')
      .values({
        id,
        email: input.email,
        name: input.name,
        phone: input.phone,
        password_hash: input.passwordHash,
        language: input.language,
        email_verified_at: input.verified ? new Date() : null,
      })
      .onConflict((oc) => oc.column('email').doNothing())
      .returning(userColumns)
      .executeTakeFirst();
    if (!inserted) return undefined;
    if (input.passwordHash)
      await this.db
        .insertInto('identities')
        .values({ id: uuidv7(), user_id: id, provider: 'password', provider_subject: id, email: input.email })
        .execute();
    if (input.roles.length)
      await this.db
        .insertInto('user_roles')
        .values(input.roles.map((role) => ({ user_id: id, role })))
        .execute();
    return toUser(inserted);
  }

  async setPassword(userId: string, passwordHash: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash, updated_at: new Date() })
      .where('id', '=', userId)
      .execute();
  }

  /** An unverified account claimed by configuration: new name and password, no phone, verified. */
  async takeOver(userId: string, v: { name: string; passwordHash: string }): Promise<void> {
    await this.db
      .updateTable('users')
      .set({
        name: v.name,
        phone: null,
        password_hash: v.passwordHash,
        email_verified_at: new Date(),
        updated_at: new Date(),
      })
      .where('id', '=', userId)
      .where('email_verified_at', 'is', null)
      .execute();
  }

  async markVerified(userId: string): Promise<void> {
    await this.db
      .updateTable('users')
      .set({ email_verified_at: sql<Date>`coalesce(email_verified_at, now())`, updated_at: new Date() })
      .where('id', '=', userId)
      .execute();
  }

  /**
   * When someone proves by mail that they own an account's unverified address, the social
   * identities that did not prove it (an unverified or another address) are dropped: whoever
   * created the account with them (say, a Facebook account carrying someone else's email) loses it.
   */
  async dropUnprovenIdentities(userId: string, email: string): Promise<number> {
    const r = await this.db
      .deleteFrom('identities')
      .where('user_id', '=', userId)
      .where('provider', '!=', 'password')
      .where((eb) => eb.or([eb('email_verified', '=', false), eb('email', 'is distinct from', email)]))
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async listProviders(userId: string): Promise<string[]> {
    const rows = await this.db.selectFrom('identities').select('provider').where('user_id', '=', userId).execute();
    return rows.map((r) => r.provider);
  }

  /** Admin search: exact or prefix match on the email, newest first, up to `limit` after `cursor`. */
  async searchPage(
    emailPrefix: string | undefined,
    cursor: { createdAt: Date; id: string } | undefined,
    limit: number,
  ): Promise<UserRecord[]> {
    let q = this.db.selectFrom('users').select(userColumns);
    if (emailPrefix) q = q.where('email', 'like', `${emailPrefix.replace(/[\\%_]/g, (c) => `\\${c}`)}%`);
    if (cursor)
      q = q.where((eb) =>
        eb.or([
          eb('created_at', '<', cursor.createdAt),
          eb.and([eb('created_at', '=', cursor.createdAt), eb('id', '<', cursor.id)]),
        ]),
      );
    const rows = await q.orderBy('created_at', 'desc').orderBy('id', 'desc').limit(limit).execute();
    return rows.map(toUser);
  }

  // One-time tokens ------------------------------------------------------------------------------

  /**
   * Stores a new token of `purpose`, invalidating the user's earlier unused ones of that purpose.
   * Two statements: run it on the repositories of a `store.transaction`.
   */
  async issueToken(
    userId: string,
    purpose: 'verify_email' | 'password_reset',
    tokenHash: string,
    expiresAt: Date,
  ): Promise<void> {
    await this.db
      .updateTable('one_time_tokens')
      .set({ used_at: new Date() })
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
    await this.db
      .insertInto('one_time_tokens')
      .values({ id: uuidv7(), user_id: userId, purpose, token_hash: tokenHash, expires_at: expiresAt })
      .execute();
  }

  /** Marks a valid token used and returns its user id; undefined when unknown, used or expired. */
  async consumeToken(purpose: 'verify_email' | 'password_reset', tokenHash: string): Promise<string | undefined> {
    const row = await this.db
      .updateTable('one_time_tokens')
      .set({ used_at: new Date() })
      .where('token_hash', '=', tokenHash)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('user_id')
      .executeTakeFirst();
    return row?.user_id;
  }
}
