import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB } from '../db.ts';

/** The only SQL of MFA recovery requests. */
export class RecoveryRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async insert(userId: string, tokenHash: string, ttlSeconds: number): Promise<void> {
    await this.db
      .insertInto('mfa_recoveries')
      .values({
        id: uuidv7(),
        user_id: userId,
        token_hash: tokenHash,
        token_expires_at: sql<Date>`now() + make_interval(secs => ${ttlSeconds})`,
      })
      .execute();
  }

  /**
   * Spends a mailed recovery link (once, before it expires) and schedules the removal of the user's
   * second factors after `delayHours`; returns the user and when, or undefined for a dead link.
   */
  async schedule(tokenHash: string, delayHours: number): Promise<{ userId: string; executeAfter: Date } | undefined> {
    const r = await this.db
      .updateTable('mfa_recoveries')
      .set({
        status: 'pending',
        execute_after: sql<Date>`now() + make_interval(hours => ${delayHours})`,
        updated_at: new Date(),
      })
      .where('token_hash', '=', tokenHash)
      .where('status', '=', 'started')
      .where('token_expires_at', '>', sql<Date>`now()`)
      .returning(['user_id', 'execute_after'])
      .executeTakeFirst();
    return r && { userId: r.user_id, executeAfter: r.execute_after! };
  }

  /** Cancels the user's open recoveries (started or pending); returns how many. */
  async cancelOpen(userId: string): Promise<number> {
    const r = await this.db
      .updateTable('mfa_recoveries')
      .set({ status: 'cancelled', updated_at: new Date() })
      .where('user_id', '=', userId)
      .where('status', 'in', ['started', 'pending'])
      .returning('id')
      .execute();
    return r.length;
  }

  /**
   * Takes up to `limit` due recoveries and marks them done, skipping rows another replica holds
   * (`FOR UPDATE SKIP LOCKED`), so each is carried out exactly once. Run inside the transaction that
   * removes the factors: a failure puts them back.
   */
  async claimDue(limit: number): Promise<Array<{ id: string; userId: string }>> {
    const r = await sql<{ id: string; user_id: string }>`
      update mfa_recoveries set status = 'done', updated_at = now()
      where id in (
        select id from mfa_recoveries
        where status = 'pending' and execute_after <= now()
        order by execute_after
        for update skip locked
        limit ${limit})
      returning id, user_id`.execute(this.db);
    return r.rows.map((row) => ({ id: row.id, userId: row.user_id }));
  }
}
