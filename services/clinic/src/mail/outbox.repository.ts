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

  /**
   * The oldest due message, row-locked until `trx` ends; rows other transactions hold are skipped, so
   * concurrent dispatchers (replicas) each take a different message and none is sent twice.
   */
  async lockNextDue(trx: Transaction<DB>): Promise<OutboxMessage | undefined> {
    const r = await trx
      .selectFrom('mail_outbox')
      .select(['id', 'kind', 'payload', 'attempts'])
      .where('sent_at', 'is', null)
      .where('next_attempt_at', '<=', sql<Date>`now()`)
      .orderBy('next_attempt_at')
      .limit(1)
      .forUpdate()
      .skipLocked()
      .executeTakeFirst();
    return r && { id: r.id, kind: r.kind, payload: r.payload as Record<string, unknown>, attempts: r.attempts };
  }

  async markSent(id: string, trx: Transaction<DB>): Promise<void> {
    await trx.updateTable('mail_outbox').set({ sent_at: new Date(), last_error: null }).where('id', '=', id).execute();
  }

  async markFailed(id: string, error: string, nextAttemptAt: Date, trx: Transaction<DB>): Promise<void> {
    await trx
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
