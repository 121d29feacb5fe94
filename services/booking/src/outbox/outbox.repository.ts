import { lockLogOrder } from '@petpro/kit';
import { sql, type Kysely, type Selectable } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB, OutboxEventsTable } from '../db.ts';
import type { DomainEvent } from './events.ts';

export type OutboxRow = Selectable<OutboxEventsTable>;

/** The only SQL for the outbox. `append` is always called with the transaction of the change it records. */
export class OutboxRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Takes the outbox's order lock now (held to the commit; `append` takes it again for free). A
   * transaction that writes a booking row takes it before that write: writers of bookings then meet
   * in turn instead of inside the exclusion constraint, where two simultaneous inserts for one staff
   * member deadlock each other (PostgreSQL aborts one after a second), and a crowd retrying in step
   * could lose every attempt that way.
   */
  async lockOrder(): Promise<void> {
    await lockLogOrder(this.db, 'outbox_events');
  }

  /**
   * Appends events. Their ids are UUIDv7; their `seq` (the position clients resume from) is taken
   * under the log's advisory lock, held until the commit: positions become visible in order, so a
   * reader that saw position n can never later find a smaller one appear (see lockLogOrder). Callers
   * append near the end of their transaction, so the lock is held briefly; a booking write takes it a
   * few statements earlier, before the booking row (`lockOrder`).
   */
  async append(events: readonly DomainEvent[]): Promise<void> {
    if (!events.length) return;
    await lockLogOrder(this.db, 'outbox_events');
    await this.db
      .insertInto('outbox_events')
      .values(
        events.map((e) => ({
          id: uuidv7(),
          type: e.type,
          aggregate_id: e.aggregateId,
          clinic_id: e.clinicId,
          owner_id: e.ownerId,
          payload: JSON.stringify(e.payload),
          // The time it is recorded, just before the commit (now() would be the transaction's start).
          created_at: sql<Date>`clock_timestamp()`,
        })),
      )
      .execute();
  }

  /** Events after a position, oldest first. */
  listAfter(after: number, limit: number): Promise<OutboxRow[]> {
    return this.db
      .selectFrom('outbox_events')
      .selectAll()
      .where('seq', '>', String(after))
      .orderBy('seq')
      .limit(limit)
      .execute();
  }

  /** The first and last positions kept (0 when there is none). */
  async bounds(): Promise<{ first: number; last: number }> {
    const r = await this.db
      .selectFrom('outbox_events')
      .select((eb) => [eb.fn.min('seq').as('first'), eb.fn.max('seq').as('last')])
      .executeTakeFirst();
    return { first: Number(r?.first ?? 0), last: Number(r?.last ?? 0) };
  }

  /** The newest position purged (0 when none was): resuming from before it cannot be complete. */
  async purgedThrough(): Promise<number> {
    const r = await this.db.selectFrom('outbox_horizon').select('purged_through').executeTakeFirst();
    return Number(r?.purged_through ?? 0);
  }

  /** Drops events older than `keepMs` and moves the horizon past them (call in a transaction). */
  async purgeOlderThan(keepMs: number): Promise<void> {
    const gone = await this.db
      .deleteFrom('outbox_events')
      .where('created_at', '<', sql<Date>`now() - make_interval(secs => ${keepMs / 1000})`)
      .returning('seq')
      .execute();
    if (!gone.length) return;
    const through = gone.reduce((m, r) => Math.max(m, Number(r.seq)), 0);
    await this.db
      .updateTable('outbox_horizon')
      .set({ purged_through: sql<number>`greatest(purged_through, ${through})` })
      .execute();
  }
}
