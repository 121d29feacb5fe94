import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB } from '../db.ts';
import type { DomainEvent } from './events.ts';

/** The only SQL for the outbox. Always called with the transaction of the change it records. */
export class OutboxRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Appends events; their ids are UUIDv7 so that id order is creation order for the publisher. */
  async append(events: readonly DomainEvent[]): Promise<void> {
    if (!events.length) return;
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
        })),
      )
      .execute();
  }
}
