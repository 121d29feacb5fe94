import { type Kysely, sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB } from '../db.ts';

/** A stored Web Push device of a user. */
export interface PushSubscriptionRecord {
  id: string;
  userId: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  expirationTime: Date | null;
  createdAt: Date;
}

export interface PushSubscriptionChange {
  endpoint: string;
  p256dh: string;
  auth: string;
  expirationTime: Date | null;
}

const COLUMNS = ['id', 'user_id', 'endpoint', 'p256dh', 'auth', 'expiration_time', 'created_at'] as const;
type Row = {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  expiration_time: Date | null;
  created_at: Date;
};
const toRecord = (r: Row): PushSubscriptionRecord => ({
  id: r.id,
  userId: r.user_id,
  endpoint: r.endpoint,
  p256dh: r.p256dh,
  auth: r.auth,
  expirationTime: r.expiration_time,
  createdAt: r.created_at,
});

/** The only SQL for push subscriptions; every statement is scoped by the user. */
export class PushSubscriptionsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Serialises the subscription changes of one user until the transaction ends (the per-user cap holds
   * under races).
   */
  async lockUser(userId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`push:${userId}`}, 0))`.execute(this.db);
  }

  /** Adds the device, or refreshes its keys when the user already has this endpoint; `created` says which. */
  async upsert(
    userId: string,
    change: PushSubscriptionChange,
  ): Promise<{ record: PushSubscriptionRecord; created: boolean }> {
    const now = new Date();
    const row = await this.db
      .insertInto('push_subscriptions')
      .values({
        id: uuidv7(),
        user_id: userId,
        endpoint: change.endpoint,
        p256dh: change.p256dh,
        auth: change.auth,
        expiration_time: change.expirationTime,
        created_at: now,
        updated_at: now,
      })
      .onConflict((oc) =>
        oc.columns(['user_id', 'endpoint']).doUpdateSet((eb) => ({
          p256dh: eb.ref('excluded.p256dh'),
          auth: eb.ref('excluded.auth'),
          expiration_time: eb.ref('excluded.expiration_time'),
          updated_at: now,
        })),
      )
      .returning([...COLUMNS, sql<boolean>`xmax = 0`.as('inserted')])
      .executeTakeFirstOrThrow();
    return { record: toRecord(row), created: row.inserted };
  }

  /** Removes the user's oldest devices beyond `keep`, never `except`; returns how many went. */
  async trimOldest(userId: string, keep: number, except: string): Promise<number> {
    const r = await this.db
      .deleteFrom('push_subscriptions')
      .where('user_id', '=', userId)
      .where('id', '!=', except)
      .where(
        'id',
        'not in',
        this.db
          .selectFrom('push_subscriptions')
          .select('id')
          .where('user_id', '=', userId)
          .orderBy('updated_at', 'desc')
          .orderBy('id', 'desc')
          .limit(keep),
      )
      .executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  async listByUser(userId: string): Promise<PushSubscriptionRecord[]> {
    const rows = await this.db
      .selectFrom('push_subscriptions')
      .select(COLUMNS)
      .where('user_id', '=', userId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toRecord);
  }

  /** Removes one device of the user; false when the user has no such device. */
  async remove(userId: string, id: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('push_subscriptions')
      .where('user_id', '=', userId)
      .where('id', '=', id)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }
}
