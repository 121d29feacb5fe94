import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB } from '../db.ts';

export type SmsPurpose = 'setup' | 'login' | 'step_up';

export interface TotpRecord {
  secretEnc: string;
  enabledAt: Date | null;
  lastStep: number;
}

export interface FactorsRecord {
  totp: boolean;
  smsPhone: string | null;
  backupCodesRemaining: number;
}

export interface ChallengeRecord {
  id: string;
  userId: string;
  firstFactor: string;
  credentialDigest: string | null;
  deviceId: string | null;
}

/** Tries a texted code allows before it is dead. */
export const SMS_CODE_TRIES = 5;

/** The only SQL of the second factors, their codes and the login challenges. */
export class MfaRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findTotp(userId: string): Promise<TotpRecord | undefined> {
    const r = await this.db
      .selectFrom('mfa_totp')
      .select(['secret_enc', 'enabled_at', 'last_step'])
      .where('user_id', '=', userId)
      .executeTakeFirst();
    return r && { secretEnc: r.secret_enc, enabledAt: r.enabled_at, lastStep: Number(r.last_step) };
  }

  /** Stores a new secret awaiting its first code; false when an enabled authenticator exists (kept). */
  async savePendingTotp(userId: string, secretEnc: string): Promise<boolean> {
    const r = await this.db
      .insertInto('mfa_totp')
      .values({ user_id: userId, secret_enc: secretEnc })
      .onConflict((oc) =>
        oc
          .column('user_id')
          .doUpdateSet({ secret_enc: secretEnc, last_step: 0, created_at: new Date() })
          .where('mfa_totp.enabled_at', 'is', null),
      )
      .returning('user_id')
      .executeTakeFirst();
    return !!r;
  }

  /**
   * Accepts the TOTP time step `step` for the user (turning a pending authenticator on when `enable`)
   * only if it is later than the last accepted one: one conditional UPDATE, so of any number of
   * concurrent requests with one code exactly one passes.
   */
  async acceptTotpStep(userId: string, step: number, enable: boolean): Promise<boolean> {
    let q = this.db.updateTable('mfa_totp').set({ last_step: step }).where('user_id', '=', userId);
    q = enable
      ? q.set({ enabled_at: new Date() }).where('enabled_at', 'is', null)
      : q.where('enabled_at', 'is not', null);
    const r = await q.where('last_step', '<', String(step)).returning('user_id').executeTakeFirst();
    return !!r;
  }

  async deleteTotp(userId: string): Promise<void> {
    await this.db.deleteFrom('mfa_totp').where('user_id', '=', userId).execute();
  }

  async saveSmsPhone(userId: string, phone: string): Promise<void> {
    await this.db
      .insertInto('mfa_sms')
      .values({ user_id: userId, phone })
      .onConflict((oc) => oc.column('user_id').doUpdateSet({ phone, enabled_at: new Date() }))
      .execute();
  }

  /** The enabled factors of a user and how many backup codes are left. */
  async factorsOf(userId: string): Promise<FactorsRecord> {
    const r = await sql<{ totp: boolean; phone: string | null; backup: number }>`
      select
        exists (select 1 from mfa_totp where user_id = ${userId} and enabled_at is not null) as totp,
        (select phone from mfa_sms where user_id = ${userId}) as phone,
        (select count(*)::int from mfa_backup_codes where user_id = ${userId} and used_at is null) as backup`.execute(
      this.db,
    );
    const row = r.rows[0]!;
    return { totp: row.totp, smsPhone: row.phone, backupCodesRemaining: row.backup };
  }

  /** Sets `users.mfa_enabled` from the factors that are on; returns it. */
  async syncEnabled(userId: string): Promise<boolean> {
    const r = await sql<{ mfa_enabled: boolean }>`
      update users set mfa_enabled =
        exists (select 1 from mfa_totp where user_id = ${userId} and enabled_at is not null)
        or exists (select 1 from mfa_sms where user_id = ${userId}),
        updated_at = now()
      where id = ${userId}
      returning mfa_enabled`.execute(this.db);
    return r.rows[0]?.mfa_enabled ?? false;
  }

  /** Removes every factor and backup code and every open code and challenge of a user. */
  async deleteAllFactors(userId: string): Promise<void> {
    await this.db.deleteFrom('mfa_totp').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('mfa_sms').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('mfa_backup_codes').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('mfa_sms_codes').where('user_id', '=', userId).execute();
    await this.db.deleteFrom('mfa_challenges').where('user_id', '=', userId).execute();
    await this.db
      .updateTable('users')
      .set({ mfa_enabled: false, updated_at: new Date() })
      .where('id', '=', userId)
      .execute();
  }

  /** Serialises the texting of codes to one user until the transaction ends (the resend cooldown holds). */
  async lockSmsCodesOf(userId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`mfa-sms:${userId}`}, 0))`.execute(this.db);
  }

  /** Seconds since the user was last texted a code for `purpose`, or null for never. */
  async secondsSinceLastSmsCode(userId: string, purpose: SmsPurpose): Promise<number | null> {
    const r = await sql<{ age: number }>`
      select extract(epoch from now() - max(created_at))::float8 as age from mfa_sms_codes
      where user_id = ${userId} and purpose = ${purpose}`.execute(this.db);
    return r.rows[0]?.age ?? null;
  }

  /** Stores a texted code; earlier unused codes of the same purpose die. */
  async insertSmsCode(userId: string, purpose: SmsPurpose, phone: string, codeHash: string, ttlSeconds: number) {
    await this.db
      .updateTable('mfa_sms_codes')
      .set({ used_at: new Date() })
      .where('user_id', '=', userId)
      .where('purpose', '=', purpose)
      .where('used_at', 'is', null)
      .execute();
    await this.db
      .insertInto('mfa_sms_codes')
      .values({
        id: uuidv7(),
        user_id: userId,
        purpose,
        phone,
        code_hash: codeHash,
        expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})`,
      })
      .execute();
  }

  /**
   * Tries `codeHash` against the user's live code for `purpose` in one statement: every try counts,
   * a matching one spends the code, none passes after SMS_CODE_TRIES. Returns the phone it was sent
   * to when it matched, else null. Concurrent tries serialise on the row, so a code passes once.
   */
  async trySmsCode(userId: string, purpose: SmsPurpose, codeHash: string): Promise<string | null> {
    const r = await sql<{ ok: boolean; phone: string }>`
      update mfa_sms_codes set
        attempts = attempts + 1,
        used_at = case when code_hash = ${codeHash} then now() else null end
      where id = (
          select id from mfa_sms_codes
          where user_id = ${userId} and purpose = ${purpose} and used_at is null and expires_at > now()
          order by created_at desc limit 1)
        and used_at is null and attempts < ${SMS_CODE_TRIES}
      returning (used_at is not null) as ok, phone`.execute(this.db);
    const row = r.rows[0];
    return row?.ok ? row.phone : null;
  }

  /** Replaces the user's backup codes with new hashes (the old set dies). */
  async replaceBackupCodes(userId: string, hashes: string[]): Promise<void> {
    await this.db.deleteFrom('mfa_backup_codes').where('user_id', '=', userId).execute();
    await this.db
      .insertInto('mfa_backup_codes')
      .values(hashes.map((h) => ({ id: uuidv7(), user_id: userId, code_hash: h })))
      .execute();
  }

  /** Spends a backup code with one conditional UPDATE: of concurrent uses of one code exactly one wins. */
  async useBackupCode(userId: string, codeHash: string): Promise<boolean> {
    const r = await this.db
      .updateTable('mfa_backup_codes')
      .set({ used_at: new Date() })
      .where('user_id', '=', userId)
      .where('code_hash', '=', codeHash)
      .where('used_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return !!r;
  }

  async insertChallenge(c: {
    userId: string;
    tokenHash: string;
    firstFactor: string;
    credentialDigest: string | null;
    deviceId: string | null;
    ttlSeconds: number;
  }): Promise<void> {
    await this.db
      .insertInto('mfa_challenges')
      .values({
        id: uuidv7(),
        user_id: c.userId,
        token_hash: c.tokenHash,
        first_factor: c.firstFactor,
        credential_digest: c.credentialDigest,
        device_id: c.deviceId,
        expires_at: sql<Date>`now() + make_interval(secs => ${c.ttlSeconds})`,
      })
      .execute();
  }

  /** A live (unused, unexpired) challenge by its token's hash. */
  async findLiveChallenge(tokenHash: string): Promise<ChallengeRecord | undefined> {
    const r = await this.db
      .selectFrom('mfa_challenges')
      .select(['id', 'user_id', 'first_factor', 'credential_digest', 'device_id'])
      .where('token_hash', '=', tokenHash)
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    return (
      r && {
        id: r.id,
        userId: r.user_id,
        firstFactor: r.first_factor,
        credentialDigest: r.credential_digest,
        deviceId: r.device_id,
      }
    );
  }

  /** Spends a live challenge; false when it was spent (or expired) meanwhile. */
  async consumeChallenge(id: string): Promise<boolean> {
    const r = await this.db
      .updateTable('mfa_challenges')
      .set({ used_at: new Date() })
      .where('id', '=', id)
      .where('used_at', 'is', null)
      .where('expires_at', '>', sql<Date>`now()`)
      .returning('id')
      .executeTakeFirst();
    return !!r;
  }

  /** Records that a session just passed a second factor. */
  async markSessionVerified(sessionId: string): Promise<void> {
    await this.db
      .updateTable('sessions')
      .set({ mfa_verified: true, mfa_verified_at: new Date() })
      .where('id', '=', sessionId)
      .execute();
  }

  /** Drops spent and expired challenges and codes (housekeeping). */
  async purge(): Promise<void> {
    const dayAgo = sql<Date>`now() - interval '1 day'`;
    await this.db.deleteFrom('mfa_challenges').where('expires_at', '<', dayAgo).execute();
    await this.db.deleteFrom('mfa_sms_codes').where('expires_at', '<', dayAgo).execute();
  }
}
