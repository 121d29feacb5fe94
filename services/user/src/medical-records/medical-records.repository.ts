import { sql, type Kysely } from 'kysely';
import type { DB } from '../db.ts';

export const RECORD_TYPES = ['vaccination', 'condition', 'allergy', 'medication', 'visit', 'surgery', 'other'] as const;
export type RecordType = (typeof RECORD_TYPES)[number];
/** Only these types carry a next due date (a booster, the next dose). */
export const DUE_DATE_TYPES: readonly RecordType[] = ['vaccination', 'medication'];

/** Stored fields of a record. */
export interface RecordFields {
  type: RecordType;
  title: string;
  date: string;
  nextDueDate: string | null;
  vet: string | null;
  clinicId: string | null;
  notes: string | null;
}

/** A medical record as stored. */
export interface MedicalRecord extends RecordFields {
  id: string;
  petId: string;
  createdAt: Date;
  updatedAt: Date;
}

const cols = [
  'id',
  'pet_id',
  'type',
  'title',
  'vet',
  'clinic_id',
  'notes',
  'created_at',
  'updated_at',
  sql<string>`date::text`.as('date'),
  sql<string | null>`next_due_date::text`.as('next_due_date'),
] as const;

type Row = {
  id: string;
  pet_id: string;
  type: string;
  title: string;
  date: string;
  next_due_date: string | null;
  vet: string | null;
  clinic_id: string | null;
  notes: string | null;
  created_at: Date;
  updated_at: Date;
};

function toRecord(r: Row): MedicalRecord {
  return {
    id: r.id,
    petId: r.pet_id,
    type: r.type as RecordType,
    title: r.title,
    date: r.date,
    nextDueDate: r.next_due_date,
    vet: r.vet,
    clinicId: r.clinic_id,
    notes: r.notes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

function toColumns(f: RecordFields) {
  return {
    type: f.type,
    title: f.title,
    date: f.date,
    next_due_date: f.nextDueDate,
    vet: f.vet,
    clinic_id: f.clinicId,
    notes: f.notes,
  };
}

/** How a list of records is cut and ordered. */
export interface RecordListQuery {
  types?: RecordType[];
  /** upcoming: next due date today or later; overdue: before today. Both ordered by next due date. */
  due?: { mode: 'upcoming' | 'overdue'; today: string };
  order: 'asc' | 'desc';
  /** The sort key (date or next due date, then id) of the last record of the previous page. */
  after?: [string, string];
  limit: number;
}

/**
 * The only SQL for medical records. Callers check that the pet is the caller's; every write also
 * carries the owner in its query (owner_id, under a foreign key to that owner's pet), so a missed
 * check upstream writes nothing.
 */
export class MedicalRecordsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(ownerId: string, id: string, petId: string, fields: RecordFields): Promise<MedicalRecord> {
    const r = await this.db
      .insertInto('medical_records')
      .values({ id, owner_id: ownerId, pet_id: petId, ...toColumns(fields) })
      .returning(cols)
      .executeTakeFirstOrThrow();
    return toRecord(r);
  }

  async findById(petId: string, id: string): Promise<MedicalRecord | undefined> {
    const r = await this.db
      .selectFrom('medical_records')
      .select(cols)
      .where('pet_id', '=', petId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  async listPage(petId: string, q: RecordListQuery): Promise<MedicalRecord[]> {
    const key = q.due ? 'next_due_date' : 'date';
    let query = this.db.selectFrom('medical_records').select(cols).where('pet_id', '=', petId);
    if (q.types?.length) query = query.where('type', 'in', q.types);
    if (q.due) {
      query = query
        .where('next_due_date', 'is not', null)
        .where('next_due_date', q.due.mode === 'upcoming' ? '>=' : '<', q.due.today);
    }
    if (q.after) {
      const [value, id] = q.after;
      query = query.where((eb) => eb(eb.refTuple(key, 'id'), q.order === 'asc' ? '>' : '<', eb.tuple(value, id)));
    }
    const rows = await query.orderBy(key, q.order).orderBy('id', q.order).limit(q.limit).execute();
    return rows.map(toRecord);
  }

  async update(ownerId: string, petId: string, id: string, fields: RecordFields): Promise<MedicalRecord | undefined> {
    const r = await this.db
      .updateTable('medical_records')
      .set({ ...toColumns(fields), updated_at: new Date() })
      .where('owner_id', '=', ownerId)
      .where('pet_id', '=', petId)
      .where('id', '=', id)
      .returning(cols)
      .executeTakeFirst();
    return r && toRecord(r);
  }

  /** Deletes the record; answers what it was (undefined when there was none). */
  async delete(ownerId: string, petId: string, id: string): Promise<MedicalRecord | undefined> {
    const r = await this.db
      .deleteFrom('medical_records')
      .where('owner_id', '=', ownerId)
      .where('pet_id', '=', petId)
      .where('id', '=', id)
      .returning(cols)
      .executeTakeFirst();
    return r && toRecord(r);
  }
}
