import { v7 as uuidv7 } from 'uuid';
import type { Kysely } from 'kysely';
import { ConflictError, NotFoundError, decodeCursor, toPage, withTransaction, type Logger } from '@petpro/kit';
import type { DB } from '../db.ts';
import type { PetFields, PetRecord, PetsRepository, Species, Sex } from './pets.repository.ts';
import type { ImageRecord, ImagesRepository } from '../media/images.repository.ts';
import type { ImageView, MediaService } from '../media/media.service.ts';
import { birthDateFromEstimatedAge, deriveAge } from './age.ts';
import { petChanged } from '../events/care-events.ts';

export const MAX_PHOTOS_PER_PET = 10;
const DAY_MS = 86_400_000;

/** A pet's photo as clients see it. */
export type PhotoView = ImageView & { isPrimary: boolean };

/** What the pet endpoints answer. */
export interface PetView {
  id: string;
  name: string;
  species: Species;
  breed: string | null;
  sex: Sex;
  birthDate: string | null;
  birthDateEstimated: boolean;
  ageYears: number | null;
  ageMonths: number | null;
  weightKg: number | null;
  microchipId: string | null;
  sterilised: boolean | null;
  notes: string | null;
  photos: PhotoView[];
  primaryPhoto: PhotoView | null;
  createdAt: string;
  updatedAt: string;
  deletedAt: string | null;
  restorableUntil: string | null;
}

/** Pet fields as the API takes them (estimatedAgeYears instead of a birth date). */
export interface PetInput {
  name?: string;
  species?: Species;
  breed?: string | null;
  sex?: Sex;
  birthDate?: string | null;
  estimatedAgeYears?: number;
  weightKg?: number | null;
  microchipId?: string | null;
  sterilised?: boolean | null;
  notes?: string | null;
}

const notFound = () => new NotFoundError('pet_not_found', 'No such pet');

/** Pets of their owner: profiles, photos, soft delete with a restore window, and the purge after it. */
export class PetsService {
  constructor(
    private readonly deps: {
      db: Kysely<DB>;
      pets: PetsRepository;
      images: ImagesRepository;
      media: MediaService;
      log: Logger;
      restoreDays: number;
      maxPetsPerUser: number;
      /** The owner's "today" (their time zone from preferences): ages and estimated birth dates count from it. */
      today: (ownerId: string) => Promise<string>;
    },
  ) {}

  private restoreWindowStart(now = new Date()): Date {
    return new Date(now.getTime() - this.deps.restoreDays * DAY_MS);
  }

  private photoView(image: ImageRecord): PhotoView {
    return { ...this.deps.media.view(image), isPrimary: image.isPrimary };
  }

  private view(p: PetRecord, photos: ImageRecord[], today: string): PetView {
    const photoViews = photos.filter((i) => i.petId === p.id).map((i) => this.photoView(i));
    return {
      id: p.id,
      name: p.name,
      species: p.species,
      breed: p.breed,
      sex: p.sex,
      birthDate: p.birthDate,
      birthDateEstimated: p.birthDateEstimated,
      ...deriveAge(p.birthDate, today),
      weightKg: p.weightKg,
      microchipId: p.microchipId,
      sterilised: p.sterilised,
      notes: p.notes,
      photos: photoViews,
      primaryPhoto: photoViews.find((ph) => ph.isPrimary) ?? null,
      createdAt: p.createdAt.toISOString(),
      updatedAt: p.updatedAt.toISOString(),
      deletedAt: p.deletedAt?.toISOString() ?? null,
      restorableUntil: p.deletedAt
        ? new Date(p.deletedAt.getTime() + this.deps.restoreDays * DAY_MS).toISOString()
        : null,
    };
  }

  /** Views of one owner's pets. */
  private async views(ownerId: string, pets: PetRecord[]): Promise<PetView[]> {
    const [photos, today] = await Promise.all([
      this.deps.images.listPetPhotos(pets.map((p) => p.id)),
      this.deps.today(ownerId),
    ]);
    return pets.map((p) => this.view(p, photos, today));
  }

  /** Maps API input to stored fields: an estimated age becomes an estimated birth date. */
  private async toFields(ownerId: string, input: PetInput): Promise<Partial<PetFields>> {
    const { estimatedAgeYears, ...rest } = input;
    const out: Partial<PetFields> = { ...rest };
    if (estimatedAgeYears !== undefined) {
      out.birthDate = birthDateFromEstimatedAge(estimatedAgeYears, await this.deps.today(ownerId));
      out.birthDateEstimated = true;
    } else if (input.birthDate !== undefined) {
      out.birthDateEstimated = false;
    }
    return out;
  }

  /** The caller's non-deleted pet, or 404 (also for other users' pets: their existence is not revealed). */
  async requireActive(ownerId: string, petId: string): Promise<PetRecord> {
    const pet = await this.deps.pets.findActive(ownerId, petId);
    if (!pet) throw notFound();
    return pet;
  }

  async create(ownerId: string, input: PetInput & { name: string; species: Species }): Promise<PetView> {
    const f = await this.toFields(ownerId, input);
    const pet = await this.deps.pets.createWithinLimit(
      uuidv7(),
      ownerId,
      {
        name: input.name,
        species: input.species,
        breed: f.breed ?? null,
        sex: f.sex ?? 'unknown',
        birthDate: f.birthDate ?? null,
        birthDateEstimated: f.birthDateEstimated ?? false,
        weightKg: f.weightKg ?? null,
        microchipId: f.microchipId ?? null,
        sterilised: f.sterilised ?? null,
        notes: f.notes ?? null,
      },
      this.deps.maxPetsPerUser,
    );
    if (!pet) throw this.limitReached();
    return this.view(pet, [], await this.deps.today(ownerId));
  }

  private limitReached() {
    return new ConflictError('pet_limit_reached', `An account can keep at most ${this.deps.maxPetsPerUser} pets`);
  }

  async get(ownerId: string, petId: string): Promise<PetView> {
    const [view] = await this.views(ownerId, [await this.requireActive(ownerId, petId)]);
    return view!;
  }

  /** A page of the caller's pets, or of their deleted pets that can still be restored. */
  async list(
    ownerId: string,
    q: { limit: number; cursor?: string; species?: Species; deleted?: 'true' | 'false' },
  ): Promise<{ items: PetView[]; nextCursor: string | null }> {
    if (q.deleted === 'true') {
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, { deletedAt: 'instant', id: 'uuid' });
      const rows = await this.deps.pets.listDeleted(ownerId, {
        limit: q.limit + 1,
        deletedSince: this.restoreWindowStart(),
        after,
      });
      const page = toPage(rows, q.limit, (p) => ({ deletedAt: p.deletedAt!.toISOString(), id: p.id }));
      return { items: await this.views(ownerId, page.items), nextCursor: page.nextCursor };
    }
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, { id: 'uuid' });
    const rows = await this.deps.pets.listActive(ownerId, {
      limit: q.limit + 1,
      afterId: after?.id,
      species: q.species,
    });
    const page = toPage(rows, q.limit, (p) => ({ id: p.id }));
    return { items: await this.views(ownerId, page.items), nextCursor: page.nextCursor };
  }

  async update(ownerId: string, petId: string, input: PetInput): Promise<PetView> {
    const fields = await this.toFields(ownerId, input);
    // A new name reaches the care reminders (they name the pet) with the change.
    const pet = await withTransaction(this.deps.db, async (trx) => {
      const updated = await this.deps.pets.update(ownerId, petId, fields, trx);
      if (updated && fields.name !== undefined)
        await petChanged(trx, 'pet.renamed', ownerId, petId, { petName: updated.name });
      return updated;
    });
    if (!pet) throw notFound();
    const [view] = await this.views(ownerId, [pet]);
    return view!;
  }

  /** Soft delete: the pet, its photos and medical history stay restorable for the restore window. */
  async remove(ownerId: string, petId: string): Promise<void> {
    // The deletion and its event (care reminders of the pet stop) commit together.
    const deleted = await withTransaction(this.deps.db, async (trx) => {
      const done = await this.deps.pets.softDelete(ownerId, petId, new Date(), trx);
      if (done) await petChanged(trx, 'pet.deleted', ownerId, petId);
      return done;
    });
    if (!deleted) throw notFound();
  }

  /** Brings back a pet deleted within the restore window (restoring a pet that is not deleted is a no-op). */
  async restore(ownerId: string, petId: string): Promise<PetView> {
    const pet = await this.deps.pets.findOwned(ownerId, petId);
    if (!pet) throw notFound();
    if (!pet.deletedAt) return this.get(ownerId, petId);
    if (pet.deletedAt < this.restoreWindowStart()) {
      throw new ConflictError(
        'restore_window_passed',
        `A deleted pet can be restored for ${this.deps.restoreDays} days only`,
      );
    }
    const restored = await this.deps.pets.restoreWithinLimit(
      ownerId,
      petId,
      this.restoreWindowStart(),
      this.deps.maxPetsPerUser,
      (trx) => petChanged(trx, 'pet.restored', ownerId, petId),
    );
    if (restored === 'limit') throw this.limitReached();
    if (!restored) throw notFound();
    const [view] = await this.views(ownerId, [restored]);
    return view!;
  }

  /**
   * Removes for good the pets deleted before the restore window, with their records, photo rows
   * and photo files. Works in batches; safe to run on several replicas at once (rows are locked, skipped by others).
   */
  async purgeExpired(now = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const { count, variants } = await withTransaction(this.deps.db, async (trx) => {
        const ids = await this.deps.pets.lockDeletedBefore(this.restoreWindowStart(now), 100, trx);
        const files = await this.deps.images.variantsOfPets(ids, trx);
        return { count: await this.deps.pets.hardDelete(ids, trx), variants: files };
      });
      await this.deps.media.remove(variants);
      total += count;
      if (count < 100) break;
    }
    if (total) this.deps.log.info({ purged: total }, 'purged pets deleted before the restore window');
    return total;
  }

  // --- photos -------------------------------------------------------------------------------

  async listPhotos(ownerId: string, petId: string): Promise<PhotoView[]> {
    await this.requireActive(ownerId, petId);
    return (await this.deps.images.listPetPhotos([petId])).map((i) => this.photoView(i));
  }

  async getPhoto(ownerId: string, petId: string, imageId: string): Promise<PhotoView> {
    await this.requireActive(ownerId, petId);
    const image = await this.deps.images.findPetPhoto(petId, imageId);
    if (!image) throw new NotFoundError('photo_not_found', 'No such photo');
    return this.photoView(image);
  }

  /** Stores a photo (every size); the first photo of a pet, or one sent with primary=true, becomes primary. */
  async addPhoto(ownerId: string, petId: string, data: Buffer, primary: boolean): Promise<PhotoView> {
    await this.requireActive(ownerId, petId);
    // A cheap check first, so that a full pet does not cost an image re-encode; the locked one below decides.
    if ((await this.deps.images.countPetPhotos(petId)) >= MAX_PHOTOS_PER_PET) throw this.photoLimit();
    const stored = await this.deps.media.store(ownerId, data, 'pets');
    try {
      const image = await withTransaction(this.deps.db, async (trx) => {
        // The pet row lock serialises concurrent uploads, so the limit and the single primary hold.
        if (!(await this.deps.pets.findActive(ownerId, petId, trx, true))) throw notFound();
        const count = await this.deps.images.countPetPhotos(petId, trx);
        if (count >= MAX_PHOTOS_PER_PET) throw this.photoLimit();
        const makePrimary = primary || count === 0;
        const inserted = await this.deps.images.insertPetPhoto(
          { id: stored.id, ownerId, petId, isPrimary: false, variants: stored.variants },
          trx,
        );
        if (makePrimary) await this.deps.images.setPrimary(ownerId, petId, inserted.id, trx);
        return { ...inserted, isPrimary: makePrimary };
      });
      return this.photoView(image);
    } catch (err) {
      await this.deps.media.remove(stored.variants);
      throw err;
    }
  }

  /** Makes a photo the pet's primary one. */
  async setPrimaryPhoto(ownerId: string, petId: string, imageId: string): Promise<PhotoView> {
    const image = await withTransaction(this.deps.db, async (trx) => {
      if (!(await this.deps.pets.findActive(ownerId, petId, trx, true))) throw notFound();
      const found = await this.deps.images.findPetPhoto(petId, imageId, trx);
      if (!found) throw new NotFoundError('photo_not_found', 'No such photo');
      await this.deps.images.setPrimary(ownerId, petId, imageId, trx);
      return { ...found, isPrimary: true };
    });
    return this.photoView(image);
  }

  /** Removes a photo and its files; when it was the primary, the oldest remaining photo takes over. */
  async deletePhoto(ownerId: string, petId: string, imageId: string): Promise<void> {
    const removed = await withTransaction(this.deps.db, async (trx) => {
      if (!(await this.deps.pets.findActive(ownerId, petId, trx, true))) throw notFound();
      const gone = await this.deps.images.deletePetPhoto(ownerId, petId, imageId, trx);
      if (!gone) throw new NotFoundError('photo_not_found', 'No such photo');
      if (gone.isPrimary) {
        const next = await this.deps.images.oldestPetPhoto(petId, trx);
        if (next) await this.deps.images.setPrimary(ownerId, petId, next.id, trx);
      }
      return gone;
    });
    await this.deps.media.remove(removed.variants);
  }

  /** Whether a stored photo file (by storage key) is served: only while its pet is not deleted. */
  isPhotoServed(key: string): Promise<boolean> {
    return this.deps.images.isLivePetPhoto(key);
  }

  private photoLimit() {
    return new ConflictError('photo_limit_reached', `A pet can have at most ${MAX_PHOTOS_PER_PET} photos`);
  }

  /** The owner's non-deleted pets among `ids` (for other services, e.g. booking's ownership check). */
  async ownedAmong(ownerId: string, ids: string[]): Promise<Array<{ id: string; name: string; species: Species }>> {
    const pets = await this.deps.pets.findActiveByIds(ownerId, ids);
    return pets.map((p) => ({ id: p.id, name: p.name, species: p.species }));
  }
}
