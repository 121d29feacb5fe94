import { type Kysely, sql } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB } from '../db.ts';

/** One entry of a user's inbox. */
export interface NotificationRecord {
  id: string;
  userId: string;
  purpose: string;
  title: string;
  body: string;
  link: string | null;
  data: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | null;
}

export interface NewNotification {
  userId: string;
  purpose: string;
  title: string;
  body: string;
  link: string | null;
  data: Record<string, unknown>;
  idempotencyKey: string;
}

const COLUMNS = ['id', 'user_id', 'purpose', 'title', 'body', 'link', 'data', 'created_at', 'read_at'] as const;
type Row = {
  id: string;
  user_id: string;
  purpose: string;
  title: string;
  body: string;
  link: string | null;
  data: Record<string, unknown>;
  created_at: Date;
  read_at: Date | null;
};
const toRecord = (r: Row): NotificationRecord => ({
  id: r.id,
  userId: r.user_id,
  purpose: r.purpose,
  title: r.title,
  body: r.body,
  link: r.link,
  data: r.data,
  createdAt: r.created_at,
  readAt: r.read_at,
});

/** The only SQL of the inbox; every statement names the user, so nobody reads or marks another's entry. */
export class NotificationsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Stores an entry unless this user already has one with the key; `created` says which it returned. */
  async insertOnce(n: NewNotification): Promise<{ record: NotificationRecord; created: boolean }> {
    const inserted = await this.db
      .insertInto('notifications')
      .values({
        id: uuidv7(),
        user_id: n.userId,
        purpose: n.purpose,
        title: n.title,
        body: n.body,
        link: n.link,
        data: JSON.stringify(n.data),
        idempotency_key: n.idempotencyKey,
        created_at: new Date(),
      })
      .onConflict((oc) => oc.columns(['user_id', 'idempotency_key']).doNothing())
      .returning(COLUMNS)
      .executeTakeFirst();
    if (inserted) return { record: toRecord(inserted), created: true };
    const found = await this.db
      .selectFrom('notifications')
      .select(COLUMNS)
      .where('user_id', '=', n.userId)
      .where('idempotency_key', '=', n.idempotencyKey)
      .executeTakeFirstOrThrow();
    return { record: toRecord(found), created: false };
  }

  /** Newest first, `limit + 1` rows after the entry `afterId`. */
  async listPage(userId: string, filter: { unread?: boolean }, afterId: string | undefined, limit: number) {
    let q = this.db.selectFrom('notifications').select(COLUMNS).where('user_id', '=', userId);
    if (filter.unread === true) q = q.where('read_at', 'is', null);
    if (filter.unread === false) q = q.where('read_at', 'is not', null);
    if (afterId) q = q.where('id', '<', afterId);
    const rows = await q
      .orderBy('id', 'desc')
      .limit(limit + 1)
      .execute();
    return rows.map(toRecord);
  }

  async countUnread(userId: string): Promise<number> {
    const r = await this.db
      .selectFrom('notifications')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Marks one of the user's entries read (keeping the first read time); undefined when it is not theirs. */
  async markRead(userId: string, id: string): Promise<NotificationRecord | undefined> {
    const r = await this.db
      .updateTable('notifications')
      .set({ read_at: sql`coalesce(read_at, now())` })
      .where('id', '=', id)
      .where('user_id', '=', userId)
      .returning(COLUMNS)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  /** Marks every unread entry of the user read; returns how many. */
  async markAllRead(userId: string): Promise<number> {
    const r = await this.db
      .updateTable('notifications')
      .set({ read_at: sql`now()` })
      .where('user_id', '=', userId)
      .where('read_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows);
  }

  /**
   * Deletes entries made before `cutoff`, read or not, 5,000 per statement (short locks on a large
   * backlog); returns how many.
   */
  async purgeOlderThan(cutoff: Date): Promise<number> {
    let total = 0;
    for (;;) {
      const batch = this.db.selectFrom('notifications').select('id').where('created_at', '<', cutoff).limit(5_000);
      const r = await this.db.deleteFrom('notifications').where('id', 'in', batch).executeTakeFirst();
      total += Number(r.numDeletedRows);
      if (Number(r.numDeletedRows) < 5_000) return total;
    }
  }
}
