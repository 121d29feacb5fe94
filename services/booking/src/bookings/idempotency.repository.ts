import { sql, type Kysely } from 'kysely';
import type { DB } from '../db.ts';

/** What a POST /bookings with an Idempotency-Key produced. */
export interface StoredOutcome {
  requestHash: string;
  bookingId: string;
  statusCode: number;
}

/** The only SQL for idempotency keys. */
export class IdempotencyRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The unexpired outcome stored for the user's key. */
  async find(userId: string, key: string): Promise<StoredOutcome | undefined> {
    const r = await this.db
      .selectFrom('idempotency_keys')
      .select(['request_hash', 'booking_id', 'status_code'])
      .where('user_id', '=', userId)
      .where('key', '=', key)
      .where('expires_at', '>', sql<Date>`now()`)
      .executeTakeFirst();
    return r && { requestHash: r.request_hash, bookingId: r.booking_id, statusCode: r.status_code };
  }

  /**
   * Claims the key inside the booking's transaction. Returns false when the key is taken; if another
   * transaction is claiming it right now, PostgreSQL makes this statement wait for that one to end
   * first, which is what stops two concurrent requests with one key from booking twice.
   */
  async claim(userId: string, key: string, outcome: StoredOutcome, expiresAt: Date): Promise<boolean> {
    const values = {
      request_hash: outcome.requestHash,
      booking_id: outcome.bookingId,
      status_code: outcome.statusCode,
      expires_at: expiresAt,
    };
    // One statement: a free key is inserted, a key past its lifetime is taken over, a live one is left.
    const row = await this.db
      .insertInto('idempotency_keys')
      .values({ user_id: userId, key, ...values })
      .onConflict((oc) =>
        oc.columns(['user_id', 'key']).doUpdateSet(values).where('idempotency_keys.expires_at', '<=', sql<Date>`now()`),
      )
      .returning('key')
      .executeTakeFirst();
    return row !== undefined;
  }

  /** Deletes expired keys; returns how many. */
  async purgeExpired(): Promise<number> {
    const r = await this.db
      .deleteFrom('idempotency_keys')
      .where('expires_at', '<=', sql<Date>`now()`)
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }
}
