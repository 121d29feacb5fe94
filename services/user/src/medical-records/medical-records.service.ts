import { v7 as uuidv7 } from 'uuid';
import type { Kysely } from 'kysely';
import { NotFoundError, ValidationError, decodeCursor, toPage, withTransaction } from '@petpro/kit';
import type { DB } from '../db.ts';
import { recordChanged } from '../events/care-events.ts';
import type {
  MedicalRecord,
  MedicalRecordsRepository,
  RecordFields,
  RecordType,
} from './medical-records.repository.ts';
import type { PetsService } from '../pets/pets.service.ts';
import { recordProblems } from './record-rules.ts';

/** What the record endpoints answer. */
export interface RecordView extends Omit<MedicalRecord, 'createdAt' | 'updatedAt'> {
  createdAt: string;
  updatedAt: string;
}

function view(r: MedicalRecord): RecordView {
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

const notFound = () => new NotFoundError('record_not_found', 'No such medical record');

type RecordInput = Partial<Omit<RecordFields, 'nextDueDate' | 'vet' | 'clinicId' | 'notes'>> & {
  nextDueDate?: string | null;
  vet?: string | null;
  clinicId?: string | null;
  notes?: string | null;
};

/** Medical history of the caller's pets. Every call first checks the pet is the caller's and not deleted. */
export class MedicalRecordsService {
  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      records: MedicalRecordsRepository;
      pets: PetsService;
      /** The owner's "today" (their time zone from preferences): it splits upcoming from overdue. */
      today: (ownerId: string) => Promise<string>;
    },
  ) {}

  async create(
    ownerId: string,
    petId: string,
    input: RecordInput & Pick<RecordFields, 'type' | 'title' | 'date'>,
  ): Promise<RecordView> {
    const pet = await this.deps.pets.requireActive(ownerId, petId);
    const fields: RecordFields = {
      type: input.type,
      title: input.title,
      date: input.date,
      nextDueDate: input.nextDueDate ?? null,
      vet: input.vet ?? null,
      clinicId: input.clinicId ?? null,
      notes: input.notes ?? null,
    };
    const problems = recordProblems(fields);
    if (problems.length) throw new ValidationError(problems);
    // The record and its event (care reminders follow it) commit together.
    const created = await withTransaction(this.deps.db, async (trx) => {
      const r = await this.deps.records.create(ownerId, uuidv7(), petId, fields, trx);
      await recordChanged(trx, 'medical_record.created', ownerId, r, pet.name);
      return r;
    });
    return view(created);
  }

  async get(ownerId: string, petId: string, recordId: string): Promise<RecordView> {
    await this.deps.pets.requireActive(ownerId, petId);
    const r = await this.deps.records.findById(petId, recordId);
    if (!r) throw notFound();
    return view(r);
  }

  /** A page of a pet's records: by date, or by next due date with `due`. */
  async list(
    ownerId: string,
    petId: string,
    q: { limit: number; cursor?: string; type?: RecordType[]; due?: 'upcoming' | 'overdue'; sort: 'date' | '-date' },
  ): Promise<{ items: RecordView[]; nextCursor: string | null }> {
    await this.deps.pets.requireActive(ownerId, petId);
    const key = q.cursor === undefined ? undefined : decodeCursor(q.cursor, { date: 'date', id: 'uuid' });
    const after: [string, string] | undefined = key && [key.date, key.id];
    const rows = await this.deps.records.list(petId, {
      types: q.type,
      due: q.due && { mode: q.due, today: await this.deps.today(ownerId) },
      order: q.due ? 'asc' : q.sort === 'date' ? 'asc' : 'desc',
      after,
      limit: q.limit + 1,
    });
    const page = toPage(rows, q.limit, (r) => ({ date: q.due ? r.nextDueDate! : r.date, id: r.id }));
    return { items: page.items.map(view), nextCursor: page.nextCursor };
  }

  /** Changes the given fields; the whole record must still make sense afterwards. */
  async update(ownerId: string, petId: string, recordId: string, patch: RecordInput): Promise<RecordView> {
    const pet = await this.deps.pets.requireActive(ownerId, petId);
    const current = await this.deps.records.findById(petId, recordId);
    if (!current) throw notFound();
    const merged: RecordFields = {
      type: patch.type ?? current.type,
      title: patch.title ?? current.title,
      date: patch.date ?? current.date,
      nextDueDate: patch.nextDueDate === undefined ? current.nextDueDate : patch.nextDueDate,
      vet: patch.vet === undefined ? current.vet : patch.vet,
      clinicId: patch.clinicId === undefined ? current.clinicId : patch.clinicId,
      notes: patch.notes === undefined ? current.notes : patch.notes,
    };
    const problems = recordProblems(merged);
    if (problems.length) throw new ValidationError(problems);
    const updated = await withTransaction(this.deps.db, async (trx) => {
      const r = await this.deps.records.update(ownerId, petId, recordId, merged, trx);
      if (r) await recordChanged(trx, 'medical_record.updated', ownerId, r, pet.name);
      return r;
    });
    if (!updated) throw notFound();
    return view(updated);
  }

  async remove(ownerId: string, petId: string, recordId: string): Promise<void> {
    const pet = await this.deps.pets.requireActive(ownerId, petId);
    const deleted = await withTransaction(this.deps.db, async (trx) => {
      const r = await this.deps.records.delete(ownerId, petId, recordId, trx);
      if (r) await recordChanged(trx, 'medical_record.deleted', ownerId, r, pet.name);
      return r;
    });
    if (!deleted) throw notFound();
  }
}
