import { sql, type Kysely, type Updateable } from 'kysely';
import type { DB, PetsTable } from '../db.ts';

export const SPECIES = ['dog', 'cat', 'bird', 'rabbit', 'hamster', 'fish', 'reptile', 'other'] as const;
export type Species = (typeof SPECIES)[number];
export const SEXES = ['male', 'female', 'unknown'] as const;
export type Sex = (typeof SEXES)[number];

/** Stored pet fields a create or update sets. */
export interface PetFields {
  name: string;
  species: Species;
  breed: string | null;
  sex: Sex;
  birthDate: string | null;
  birthDateEstimated: boolean;
  weightKg: number | null;
  microchipId: string | null;
  sterilised: boolean | null;
  notes: string | null;
}

/** A pet as stored. */
export interface PetRecord extends PetFields {
  id: string;
  ownerId: string;
  createdAt: Date;
  updatedAt: Date;
  deletedAt: Date | null;
}

// `date` and `numeric` are read as text and float so that no time zone or string slips through.
const cols = [
  'id',
  'owner_id',
  'name',
  'species',
  'breed',
  'sex',
  'birth_date_estimated',
  'microchip_id',
  'sterilised',
  'notes',
  'created_at',
  'updated_at',
  'deleted_at',
  sql<string | null>`birth_date::text`.as('birth_date'),
  sql<number | null>`weight_kg::float8`.as('weight_kg'),
] as const;

type Row = {
  id: string;
  owner_id: string;
  name: string;
  species: string;
  breed: string | null;
  sex: string;
  birth_date: string | null;
  birth_date_estimated: boolean;
  weight_kg: number | null;
  microchip_id: string | null;
  sterilised: boolean | null;
  notes: string | null;
  created_at: Date;
  updated_at: Date;
  deleted_at: Date | null;
};

function toPet(r: Row): PetRecord {
  return {
    id: r.id,
    ownerId: r.owner_id,
    name: r.name,
    species: r.species as Species,
    breed: r.breed,
    sex: r.sex as Sex,
    birthDate: r.birth_date,
    birthDateEstimated: r.birth_date_estimated,
    weightKg: r.weight_kg,
    microchipId: r.microchip_id,
    sterilised: r.sterilised,
    notes: r.notes,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
    deletedAt: r.deleted_at,
  };
}

function toColumns(f: Partial<PetFields>): Updateable<PetsTable> {
  const out: Updateable<PetsTable> = {};
  if (f.name !== undefined) out.name = f.name;
  if (f.species !== undefined) out.species = f.species;
  if (f.breed !== undefined) out.breed = f.breed;
  if (f.sex !== undefined) out.sex = f.sex;
  if (f.birthDate !== undefined) out.birth_date = f.birthDate;
  if (f.birthDateEstimated !== undefined) out.birth_date_estimated = f.birthDateEstimated;
  if (f.weightKg !== undefined) out.weight_kg = f.weightKg;
  if (f.microchipId !== undefined) out.microchip_id = f.microchipId;
  if (f.sterilised !== undefined) out.sterilised = f.sterilised;
  if (f.notes !== undefined) out.notes = f.notes;
  return out;
}

/** The only SQL for pets. Every read is scoped to an owner, so no caller can reach another user's pet. */
export class PetsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /**
   * Takes the owner's advisory lock until the transaction ends, so a count-then-write (the pet limit)
   * cannot be raced by the owner's concurrent requests on any replica. Only inside `store.transaction`.
   */
  async lockOwner(ownerId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext('petpro-user-pets'), hashtext(${ownerId}))`.execute(this.db);
  }

  async insert(id: string, ownerId: string, fields: PetFields): Promise<PetRecord> {
    const r = await this.db
      .insertInto('pets')
      .values({ id, owner_id: ownerId, ...toColumns(fields), name: fields.name, species: fields.species })
      .returning(cols)
      .executeTakeFirstOrThrow();
    return toPet(r);
  }

  /** The owner's pet unless it is deleted; `forUpdate` locks it for the transaction. */
  async findActive(ownerId: string, id: string, opts: { forUpdate?: boolean } = {}): Promise<PetRecord | undefined> {
    let q = this.db
      .selectFrom('pets')
      .select(cols)
      .where('owner_id', '=', ownerId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null);
    if (opts.forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r && toPet(r);
  }

  /** The owner's pet, deleted or not. */
  async findOwned(ownerId: string, id: string): Promise<PetRecord | undefined> {
    const r = await this.db
      .selectFrom('pets')
      .select(cols)
      .where('owner_id', '=', ownerId)
      .where('id', '=', id)
      .executeTakeFirst();
    return r && toPet(r);
  }

  /** A page of the owner's pets in creation order (ids are UUIDv7), after `afterId`. */
  async listActivePage(
    ownerId: string,
    opts: { limit: number; afterId?: string; species?: Species },
  ): Promise<PetRecord[]> {
    let q = this.db.selectFrom('pets').select(cols).where('owner_id', '=', ownerId).where('deleted_at', 'is', null);
    if (opts.afterId) q = q.where('id', '>', opts.afterId);
    if (opts.species) q = q.where('species', '=', opts.species);
    const rows = await q.orderBy('id').limit(opts.limit).execute();
    return rows.map(toPet);
  }

  /** A page of the owner's deleted pets still within the restore window, most recently deleted first. */
  async listDeletedPage(
    ownerId: string,
    opts: { limit: number; deletedSince: Date; after?: { deletedAt: string; id: string } },
  ): Promise<PetRecord[]> {
    let q = this.db
      .selectFrom('pets')
      .select(cols)
      .where('owner_id', '=', ownerId)
      .where('deleted_at', '>=', opts.deletedSince);
    if (opts.after) {
      const after = opts.after;
      q = q.where((eb) => eb(eb.refTuple('deleted_at', 'id'), '<', eb.tuple(new Date(after.deletedAt), after.id)));
    }
    const rows = await q.orderBy('deleted_at', 'desc').orderBy('id', 'desc').limit(opts.limit).execute();
    return rows.map(toPet);
  }

  async countActive(ownerId: string): Promise<number> {
    const r = await this.db
      .selectFrom('pets')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('owner_id', '=', ownerId)
      .where('deleted_at', 'is', null)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async update(ownerId: string, id: string, fields: Partial<PetFields>): Promise<PetRecord | undefined> {
    const r = await this.db
      .updateTable('pets')
      .set({ ...toColumns(fields), updated_at: new Date() })
      .where('owner_id', '=', ownerId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returning(cols)
      .executeTakeFirst();
    return r && toPet(r);
  }

  async softDelete(ownerId: string, id: string, at: Date): Promise<boolean> {
    const r = await this.db
      .updateTable('pets')
      .set({ deleted_at: at })
      .where('owner_id', '=', ownerId)
      .where('id', '=', id)
      .where('deleted_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    return !!r;
  }

  /** Brings back a pet deleted at or after `deletedSince` (undefined when there is no such pet). */
  async restore(ownerId: string, id: string, deletedSince: Date): Promise<PetRecord | undefined> {
    const r = await this.db
      .updateTable('pets')
      .set({ deleted_at: null, updated_at: new Date() })
      .where('owner_id', '=', ownerId)
      .where('id', '=', id)
      .where('deleted_at', '>=', deletedSince)
      .returning(cols)
      .executeTakeFirst();
    return r && toPet(r);
  }

  /** IDs of pets deleted before `cutoff` (at most `limit`), locked for the purging transaction. */
  async lockDeletedBefore(cutoff: Date, limit: number): Promise<string[]> {
    const rows = await this.db
      .selectFrom('pets')
      .select('id')
      .where('deleted_at', '<', cutoff)
      .orderBy('deleted_at')
      .limit(limit)
      .forUpdate()
      .skipLocked()
      .execute();
    return rows.map((r) => r.id);
  }

  /** Removes pets for good; their records and photo rows go with them (foreign keys cascade). */
  async hardDelete(ids: string[]): Promise<number> {
    if (!ids.length) return 0;
    const r = await this.db.deleteFrom('pets').where('id', 'in', ids).executeTakeFirst();
    return Number(r.numDeletedRows);
  }

  /** The owner's non-deleted pets among `ids`. */
  async findActiveByIds(ownerId: string, ids: string[]): Promise<PetRecord[]> {
    if (!ids.length) return [];
    const rows = await this.db
      .selectFrom('pets')
      .select(cols)
      .where('owner_id', '=', ownerId)
      .where('id', 'in', ids)
      .where('deleted_at', 'is', null)
      .orderBy('id')
      .execute();
    return rows.map(toPet);
  }
}
