/**
 * What the user service tells others about medical records, pets and care preferences (issue 15: care reminders):
 * events in its own feed (the kit's event feed, table `feed_events`), appended in the transaction of
 * the change and read by the booking service from `GET /internal/events`.
 */
import { appendFeedEvents } from '@petpro/kit';
import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';
import type { MedicalRecord } from '../medical-records/medical-records.repository.ts';

export type RecordEventType = 'medical_record.created' | 'medical_record.updated' | 'medical_record.deleted';
export type PetEventType = 'pet.deleted' | 'pet.restored' | 'pet.renamed';

/** The feed's only writer in the user service; always used inside the change's `store.transaction`. */
export class CareEventsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** A record was created, changed or deleted; the last statement of the change's transaction. */
  recordChanged(
    type: RecordEventType,
    ownerId: string,
    record: Pick<MedicalRecord, 'id' | 'petId' | 'type' | 'title' | 'nextDueDate'>,
    petName: string,
  ): Promise<void> {
    return appendFeedEvents(this.db, [
      {
        type,
        payload: {
          recordId: record.id,
          petId: record.petId,
          ownerId,
          petName,
          type: record.type,
          title: record.title,
          nextDueDate: record.nextDueDate,
        },
      },
    ]);
  }

  /** The owner's care offsets, zone or health-reminder channels changed; in the change's transaction. */
  careSettingsChanged(ownerId: string): Promise<void> {
    return appendFeedEvents(this.db, [{ type: 'preferences.care_changed', payload: { ownerId } }]);
  }

  /** A pet was deleted (soft), restored or renamed (`extra.petName`); in the change's transaction. */
  petChanged(type: PetEventType, ownerId: string, petId: string, extra: { petName?: string } = {}): Promise<void> {
    return appendFeedEvents(this.db, [{ type, payload: { petId, ownerId, ...extra } }]);
  }
}
