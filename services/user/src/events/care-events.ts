/**
 * What the user service tells others about medical records and pets (issue 15: care reminders):
 * events in its own feed (the kit's event feed, table `feed_events`), appended in the transaction of
 * the change and read by the booking service from `GET /internal/events`.
 */
import { appendFeedEvents } from '@petpro/kit';
import type { QueryExecutorProvider } from 'kysely';
import type { MedicalRecord } from '../medical-records/medical-records.repository.ts';

export type RecordEventType = 'medical_record.created' | 'medical_record.updated' | 'medical_record.deleted';
export type PetEventType = 'pet.deleted' | 'pet.restored' | 'pet.renamed';

/** A record was created, changed or deleted; call with the change's transaction, as its last statement. */
export function recordChanged(
  trx: QueryExecutorProvider,
  type: RecordEventType,
  ownerId: string,
  record: Pick<MedicalRecord, 'id' | 'petId' | 'type' | 'title' | 'nextDueDate'>,
  petName: string,
): Promise<void> {
  return appendFeedEvents(trx, [
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

/** A pet was deleted (soft), restored or renamed (`extra.petName`); call with the change's transaction. */
export function petChanged(
  trx: QueryExecutorProvider,
  type: PetEventType,
  ownerId: string,
  petId: string,
  extra: { petName?: string } = {},
) {
  return appendFeedEvents(trx, [{ type, payload: { petId, ownerId, ...extra } }]);
}
