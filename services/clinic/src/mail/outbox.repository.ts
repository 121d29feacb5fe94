import { sql, type Kysely } from 'kysely';
import type { DB } from '../db.ts';

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
  async enqueue(id: string, kind: string, payload: Record<string, unknown>): Promise<void> {
    await this.db
      .insertInto('mail_outbox')
      .values({ id, kind, payload: JSON.stringify(payload), next_attempt_at: new Date(), created_at: new Date() })
      .execute();
  }

  /**
   * The oldest due message, row-locked until the transaction it runs in ends; rows other transactions hold
   * are skipped, so concurrent dispatchers (replicas) each take a different message and none is sent twice.
   */
  async lockNextDue(): Promise<OutboxMessage | undefined> {
    const r = await this.db
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
