import { v7 as uuidv7 } from 'uuid';
import { NotFoundError, ValidationError, decodeCursor, toPage } from '@petpro/kit';
import type { MedicalRecord, RecordFields } from './medical-records.repository.ts';
import type { CreateRecordBody, ListRecordsQuery, UpdateRecordBody } from './medical-records.schemas.ts';
import type { UserStore } from '../store.ts';
import type { PetsService } from '../pets/pets.service.ts';
import { recordProblems } from './record-rules.ts';

const notFound = () => new NotFoundError('record_not_found', 'No such medical record');

/** Medical history of the caller's pets. Every call first checks the pet is the caller's and not deleted. */
export class MedicalRecordsService {
  constructor(
    private readonly deps: {
      store: UserStore;
      pets: PetsService;
      /** The owner's "today" (their time zone from preferences): it splits upcoming from overdue. */
      today: (ownerId: string) => Promise<string>;
    },
  ) {}

  async create(ownerId: string, petId: string, input: CreateRecordBody): Promise<MedicalRecord> {
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
    return this.deps.store.transaction(async (repos) => {
      const created = await repos.medicalRecords.create(ownerId, uuidv7(), petId, fields);
      await repos.events.recordChanged('medical_record.created', ownerId, created, pet.name);
      return created;
    });
  }

  async findById(ownerId: string, petId: string, recordId: string): Promise<MedicalRecord> {
    await this.deps.pets.requireActive(ownerId, petId);
    const r = await this.deps.store.repos.medicalRecords.findById(petId, recordId);
    if (!r) throw notFound();
    return r;
  }

  /** A page of a pet's records: by date, or by next due date with `due`. */
  async listPage(
    ownerId: string,
    petId: string,
    q: ListRecordsQuery,
  ): Promise<{ items: MedicalRecord[]; nextCursor: string | null }> {
    await this.deps.pets.requireActive(ownerId, petId);
    const key = q.cursor === undefined ? undefined : decodeCursor(q.cursor, { date: 'date', id: 'uuid' });
    const after: [string, string] | undefined = key && [key.date, key.id];
    const rows = await this.deps.store.repos.medicalRecords.listPage(petId, {
      types: q.type,
      due: q.due && { mode: q.due, today: await this.deps.today(ownerId) },
      order: q.due ? 'asc' : q.sort === 'date' ? 'asc' : 'desc',
      after,
      limit: q.limit + 1,
    });
    const page = toPage(rows, q.limit, (r) => ({ date: q.due ? r.nextDueDate! : r.date, id: r.id }));
    return page;
  }

  /** Changes the given fields; the whole record must still make sense afterwards. */
  async update(ownerId: string, petId: string, recordId: string, patch: UpdateRecordBody): Promise<MedicalRecord> {
    const pet = await this.deps.pets.requireActive(ownerId, petId);
    const current = await this.deps.store.repos.medicalRecords.findById(petId, recordId);
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
    const updated = await this.deps.store.transaction(async (repos) => {
      const r = await repos.medicalRecords.update(ownerId, petId, recordId, merged);
      if (r) await repos.events.recordChanged('medical_record.updated', ownerId, r, pet.name);
      return r;
    });
    if (!updated) throw notFound();
    return updated;
  }

  async remove(ownerId: string, petId: string, recordId: string): Promise<void> {
    const pet = await this.deps.pets.requireActive(ownerId, petId);
    const deleted = await this.deps.store.transaction(async (repos) => {
      const r = await repos.medicalRecords.delete(ownerId, petId, recordId);
      if (r) await repos.events.recordChanged('medical_record.deleted', ownerId, r, pet.name);
      return r;
    });
    if (!deleted) throw notFound();
  }
}
