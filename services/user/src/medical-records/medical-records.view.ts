import type { MedicalRecord } from './medical-records.repository.ts';
import type { RecordView } from './medical-records.schemas.ts';

/** A medical record as clients see it. */
export function toRecordView(r: MedicalRecord): RecordView {
  return {
    id: r.id,
    petId: r.petId,
    type: r.type,
    title: r.title,
    date: r.date,
    nextDueDate: r.nextDueDate,
    vet: r.vet,
    clinicId: r.clinicId,
    notes: r.notes,
    createdAt: r.createdAt.toISOString(),
    updatedAt: r.updatedAt.toISOString(),
  };
}
