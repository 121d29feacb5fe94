import { sql, type Kysely } from 'kysely';
import type { DB, StoredVariant } from '../db.ts';

/** One stored image and its sizes. */
export interface ImageRecord {
  id: string;
  ownerId: string;
  kind: 'avatar' | 'pet';
  petId: string | null;
  isPrimary: boolean;
  variants: StoredVariant[];
  createdAt: Date;
}

const cols = ['id', 'owner_id', 'kind', 'pet_id', 'is_primary', 'variants', 'created_at'] as const;

function toImage(r: {
  id: string;
  owner_id: string;
  kind: 'avatar' | 'pet';
  pet_id: string | null;
  is_primary: boolean;
  variants: StoredVariant[];
  created_at: Date;
}): ImageRecord {
  return {
    id: r.id,
    ownerId: r.owner_id,
    kind: r.kind,
    petId: r.pet_id,
    isPrimary: r.is_primary,
    variants: r.variants,
    createdAt: r.created_at,
  };
}

/** The only SQL for image rows (avatars and pet photos). */
export class ImagesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findAvatar(ownerId: string): Promise<ImageRecord | undefined> {
    const r = await this.db
      .selectFrom('images')
      .select(cols)
      .where('owner_id', '=', ownerId)
      .where('kind', '=', 'avatar')
      .executeTakeFirst();
    return r && toImage(r);
  }

  /** Stores an avatar row (the previous one must be gone: one avatar per owner). */
  async insertAvatar(input: { id: string; ownerId: string; variants: StoredVariant[] }): Promise<ImageRecord> {
    const row = await this.db
      .insertInto('images')
      .values({
        id: input.id,
        owner_id: input.ownerId,
        kind: 'avatar',
        pet_id: null,
        variants: JSON.stringify(input.variants),
      })
      .returning(cols)
      .executeTakeFirstOrThrow();
    return toImage(row);
  }

  /** Removes the avatar row; returns it so its files can be removed. */
  async deleteAvatar(ownerId: string): Promise<ImageRecord | undefined> {
    const r = await this.db
      .deleteFrom('images')
      .where('owner_id', '=', ownerId)
      .where('kind', '=', 'avatar')
      .returning(cols)
      .executeTakeFirst();
    return r && toImage(r);
  }

  /** Photos of pets, oldest first within each pet. */
  async listPetPhotos(petIds: string[]): Promise<ImageRecord[]> {
    if (!petIds.length) return [];
    const rows = await this.db
      .selectFrom('images')
      .select(cols)
      .where('pet_id', 'in', petIds)
      .orderBy('pet_id')
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map(toImage);
  }

  async findPetPhoto(petId: string, imageId: string): Promise<ImageRecord | undefined> {
    const r = await this.db
      .selectFrom('images')
      .select(cols)
      .where('pet_id', '=', petId)
      .where('id', '=', imageId)
      .executeTakeFirst();
    return r && toImage(r);
  }

  async countPetPhotos(petId: string): Promise<number> {
    const r = await this.db
      .selectFrom('images')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('pet_id', '=', petId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  async insertPetPhoto(input: {
    id: string;
    ownerId: string;
    petId: string;
    isPrimary: boolean;
    variants: StoredVariant[];
  }): Promise<ImageRecord> {
    const row = await this.db
      .insertInto('images')
      .values({
        id: input.id,
        owner_id: input.ownerId,
        kind: 'pet',
        pet_id: input.petId,
        is_primary: input.isPrimary,
        variants: JSON.stringify(input.variants),
      })
      .returning(cols)
      .executeTakeFirstOrThrow();
    return toImage(row);
  }

  async deletePetPhoto(ownerId: string, petId: string, imageId: string): Promise<ImageRecord | undefined> {
    const r = await this.db
      .deleteFrom('images')
      .where('owner_id', '=', ownerId)
      .where('pet_id', '=', petId)
      .where('id', '=', imageId)
      .returning(cols)
      .executeTakeFirst();
    return r && toImage(r);
  }

  /** Makes one photo of the owner's pet its primary (clearing the previous one first, for the unique index). */
  async setPrimary(ownerId: string, petId: string, imageId: string): Promise<void> {
    await this.db
      .updateTable('images')
      .set({ is_primary: false })
      .where('owner_id', '=', ownerId)
      .where('pet_id', '=', petId)
      .where('is_primary', '=', true)
      .where('id', '!=', imageId)
      .execute();
    await this.db
      .updateTable('images')
      .set({ is_primary: true })
      .where('owner_id', '=', ownerId)
      .where('pet_id', '=', petId)
      .where('id', '=', imageId)
      .execute();
  }

  /** The oldest photo of a pet, if any (the next primary when the primary goes). */
  async oldestPetPhoto(petId: string): Promise<ImageRecord | undefined> {
    const r = await this.db
      .selectFrom('images')
      .select(cols)
      .where('pet_id', '=', petId)
      .orderBy('created_at')
      .orderBy('id')
      .limit(1)
      .executeTakeFirst();
    return r && toImage(r);
  }

  /** Whether a stored file (by its storage key) is a photo of a pet that is not deleted. */
  async isLivePetPhoto(key: string): Promise<boolean> {
    const r = await this.db
      .selectFrom('images')
      .innerJoin('pets', 'pets.id', 'images.pet_id')
      .select('images.id')
      .where('images.kind', '=', 'pet')
      .where(sql<boolean>`images.variants @> ${JSON.stringify([{ key }])}::jsonb`)
      .where('pets.deleted_at', 'is', null)
      .limit(1)
      .executeTakeFirst();
    return !!r;
  }

  /** Every stored variant of the given pets' photos (before the pets are purged). */
  async variantsOfPets(petIds: string[]): Promise<StoredVariant[]> {
    if (!petIds.length) return [];
    const rows = await this.db.selectFrom('images').select('variants').where('pet_id', 'in', petIds).execute();
    return rows.flatMap((r) => r.variants);
  }
}
