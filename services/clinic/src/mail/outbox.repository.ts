import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../db.ts';

type Db = Kysely<DB> | Transaction<DB>;

export interface OutboxMessage {
  id: string;
  kind: string;
  payload: Record<string, unknown>;
  attempts: number;
}

/** The only SQL for the mail outbox. */
export class OutboxRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Adds a message; call inside the transaction that makes the decision it reports. */
  async enqueue(id: string, kind: string, payload: Record<string, unknown>, db: Db = this.db): Promise<void> {
    await db
      .insertInto('mail_outbox')
      .values({ id, kind, payload: JSON.stringify(payload), next_attempt_at: new Date(), created_at: new Date() })
      .execute();
  }

  /** Claims due messages with a lease, so concurrent dispatchers (replicas) never send one twice at once. */
  async claimDue(limit: number, leaseMs: number): Promise<OutboxMessage[]> {
    const r = await sql<{ id: string; kind: string; payload: Record<string, unknown>; attempts: number }>`
      update mail_outbox set next_attempt_at = now() + ${`${leaseMs} milliseconds`}::interval
      where id in (
        select id from mail_outbox where sent_at is null and next_attempt_at <= now()
        order by next_attempt_at limit ${limit} for update skip locked)
      returning id, kind, payload, attempts`.execute(this.db);
    return r.rows.map((x) => ({ id: x.id, kind: x.kind, payload: x.payload, attempts: x.attempts }));
  }

  async markSent(id: string): Promise<void> {
    await this.db
      .updateTable('mail_outbox')
      .set({ sent_at: new Date(), last_error: null })
      .where('id', '=', id)
      .execute();
  }

  async markFailed(id: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.db
      .updateTable('mail_outbox')
      .set((eb) => ({
        attempts: eb('attempts', '+', 1),
        last_error: error.slice(0, 500),
        next_attempt_at: nextAttemptAt,
      }))
      .where('id', '=', id)
      .execute();
  }
}
