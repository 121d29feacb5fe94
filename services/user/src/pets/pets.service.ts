import { v7 as uuidv7 } from 'uuid';
import { ConflictError, NotFoundError, decodeCursor, toPage, type Logger } from '@petpro/kit';
import type { Repositories, UserStore } from '../store.ts';
import type { PetFields, PetRecord, Species } from './pets.repository.ts';
import type { ImageRecord } from '../media/images.repository.ts';
import type { MediaService } from '../media/media.service.ts';
import type { CreatePetBody, ListPetsQuery, UpdatePetBody } from './pets.schemas.ts';
import { birthDateFromEstimatedAge } from './age.ts';

export const MAX_PHOTOS_PER_PET = 10;
const DAY_MS = 86_400_000;

/** A pet with what its view shows: its photos, the owner's "today" (ages count from it), its restore deadline. */
export interface PetDetails {
  pet: PetRecord;
  photos: ImageRecord[];
  today: string;
  restorableUntil: Date | null;
}

/** Pet fields as the API takes them (estimatedAgeYears instead of a birth date). */
type PetInput = UpdatePetBody;

const notFound = () => new NotFoundError('pet_not_found', 'No such pet');

/** Pets of their owner: profiles, photos, soft delete with a restore window, and the purge after it. */
export class PetsService {
  constructor(
    private readonly deps: {
      store: UserStore;
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

  private detailsOf(p: PetRecord, photos: ImageRecord[], today: string): PetDetails {
    return {
      pet: p,
      photos: photos.filter((i) => i.petId === p.id),
      today,
      restorableUntil: p.deletedAt ? new Date(p.deletedAt.getTime() + this.deps.restoreDays * DAY_MS) : null,
    };
  }

  /** One owner's pets with their photos. */
  private async details(ownerId: string, pets: PetRecord[]): Promise<PetDetails[]> {
    const [photos, today] = await Promise.all([
      this.deps.store.repos.images.listPetPhotos(pets.map((p) => p.id)),
      this.deps.today(ownerId),
    ]);
    return pets.map((p) => this.detailsOf(p, photos, today));
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
    const pet = await this.deps.store.repos.pets.findActive(ownerId, petId);
    if (!pet) throw notFound();
    return pet;
  }

  async create(ownerId: string, input: CreatePetBody): Promise<PetDetails> {
    const f = await this.toFields(ownerId, input);
    const fields: PetFields = {
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
    };
    const pet = await this.withinPetLimit(ownerId, (repos) => repos.pets.insert(uuidv7(), ownerId, fields));
    return this.detailsOf(pet, [], await this.deps.today(ownerId));
  }

  /**
   * Runs `write` in a transaction holding the owner's lock, unless the owner already keeps the most
   * pets allowed (409): the count and the write cannot be raced by the owner's concurrent requests.
   */
  private withinPetLimit<T>(ownerId: string, write: (repos: Repositories) => Promise<T>): Promise<T> {
    return this.deps.store.transaction(async (repos) => {
      await repos.pets.lockOwner(ownerId);
      if ((await repos.pets.countActive(ownerId)) >= this.deps.maxPetsPerUser) {
        throw new ConflictError('pet_limit_reached', `An account can keep at most ${this.deps.maxPetsPerUser} pets`);
      }
      return write(repos);
    });
  }

  async findById(ownerId: string, petId: string): Promise<PetDetails> {
    const [details] = await this.details(ownerId, [await this.requireActive(ownerId, petId)]);
    return details!;
  }

  /** A page of the caller's pets, or of their deleted pets that can still be restored. */
  async listPage(ownerId: string, q: ListPetsQuery): Promise<{ items: PetDetails[]; nextCursor: string | null }> {
    if (q.deleted === 'true') {
      const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, { deletedAt: 'instant', id: 'uuid' });
      const rows = await this.deps.store.repos.pets.listDeletedPage(ownerId, {
        limit: q.limit + 1,
        deletedSince: this.restoreWindowStart(),
        after,
      });
      const page = toPage(rows, q.limit, (p) => ({ deletedAt: p.deletedAt!.toISOString(), id: p.id }));
      return { items: await this.details(ownerId, page.items), nextCursor: page.nextCursor };
    }
    const after = q.cursor === undefined ? undefined : decodeCursor(q.cursor, { id: 'uuid' });
    const rows = await this.deps.store.repos.pets.listActivePage(ownerId, {
      limit: q.limit + 1,
      afterId: after?.id,
      species: q.species,
    });
    const page = toPage(rows, q.limit, (p) => ({ id: p.id }));
    return { items: await this.details(ownerId, page.items), nextCursor: page.nextCursor };
  }

  async update(ownerId: string, petId: string, input: PetInput): Promise<PetDetails> {
    const fields = await this.toFields(ownerId, input);
    // A new name reaches the care reminders (they name the pet) with the change.
    const pet = await this.deps.store.transaction(async (repos) => {
      const updated = await repos.pets.update(ownerId, petId, fields);
      if (updated && fields.name !== undefined)
        await repos.events.petChanged('pet.renamed', ownerId, petId, { petName: updated.name });
      return updated;
    });
    if (!pet) throw notFound();
    const [details] = await this.details(ownerId, [pet]);
    return details!;
  }

  /** Soft delete: the pet, its photos and medical history stay restorable for the restore window. */
  async remove(ownerId: string, petId: string): Promise<void> {
    // The deletion and its event (care reminders of the pet stop) commit together.
    const deleted = await this.deps.store.transaction(async (repos) => {
      const done = await repos.pets.softDelete(ownerId, petId, new Date());
      if (done) await repos.events.petChanged('pet.deleted', ownerId, petId);
      return done;
    });
    if (!deleted) throw notFound();
  }

  /** Brings back a pet deleted within the restore window (restoring a pet that is not deleted is a no-op). */
  async restore(ownerId: string, petId: string): Promise<PetDetails> {
    const pet = await this.deps.store.repos.pets.findOwned(ownerId, petId);
    if (!pet) throw notFound();
    if (!pet.deletedAt) return this.findById(ownerId, petId);
    if (pet.deletedAt < this.restoreWindowStart()) {
      throw new ConflictError(
        'restore_window_passed',
        `A deleted pet can be restored for ${this.deps.restoreDays} days only`,
      );
    }
    const restored = await this.withinPetLimit(ownerId, async (repos) => {
      const r = await repos.pets.restore(ownerId, petId, this.restoreWindowStart());
      if (r) await repos.events.petChanged('pet.restored', ownerId, petId);
      return r;
    });
    if (!restored) throw notFound();
    const [details] = await this.details(ownerId, [restored]);
    return details!;
  }

  /**
   * Removes for good the pets deleted before the restore window, with their records, photo rows
   * and photo files. Works in batches; safe to run on several replicas at once (rows are locked, skipped by others).
   */
  async purgeExpired(now = new Date()): Promise<number> {
    let total = 0;
    for (;;) {
      const { count, variants } = await this.deps.store.transaction(async (repos) => {
        const ids = await repos.pets.lockDeletedBefore(this.restoreWindowStart(now), 100);
        const files = await repos.images.variantsOfPets(ids);
        return { count: await repos.pets.hardDelete(ids), variants: files };
      });
      await this.deps.media.remove(variants);
      total += count;
      if (count < 100) break;
    }
    if (total) this.deps.log.info({ purged: total }, 'purged pets deleted before the restore window');
    return total;
  }

  // --- photos -------------------------------------------------------------------------------

  async listPhotos(ownerId: string, petId: string): Promise<ImageRecord[]> {
    await this.requireActive(ownerId, petId);
    return this.deps.store.repos.images.listPetPhotos([petId]);
  }

  async findPhoto(ownerId: string, petId: string, imageId: string): Promise<ImageRecord> {
    await this.requireActive(ownerId, petId);
    const image = await this.deps.store.repos.images.findPetPhoto(petId, imageId);
    if (!image) throw new NotFoundError('photo_not_found', 'No such photo');
    return image;
  }

  /** Stores a photo (every size); the first photo of a pet, or one sent with primary=true, becomes primary. */
  async addPhoto(ownerId: string, petId: string, data: Buffer, primary: boolean): Promise<ImageRecord> {
    await this.requireActive(ownerId, petId);
    // A cheap check first, so that a full pet does not cost an image re-encode; the locked one below decides.
    if ((await this.deps.store.repos.images.countPetPhotos(petId)) >= MAX_PHOTOS_PER_PET) throw this.photoLimit();
    const stored = await this.deps.media.store(ownerId, data, 'pets');
    try {
      const image = await this.deps.store.transaction(async (repos) => {
        // The pet row lock serialises concurrent uploads, so the limit and the single primary hold.
        if (!(await repos.pets.findActive(ownerId, petId, { forUpdate: true }))) throw notFound();
        const count = await repos.images.countPetPhotos(petId);
        if (count >= MAX_PHOTOS_PER_PET) throw this.photoLimit();
        const makePrimary = primary || count === 0;
        const inserted = await repos.images.insertPetPhoto({
          id: stored.id,
          ownerId,
          petId,
          isPrimary: false,
          variants: stored.variants,
        });
        if (makePrimary) await repos.images.setPrimary(ownerId, petId, inserted.id);
        return { ...inserted, isPrimary: makePrimary };
      });
      return image;
    } catch (err) {
      await this.deps.media.remove(stored.variants);
      throw err;
    }
  }

  /** Makes a photo the pet's primary one. */
  async setPrimaryPhoto(ownerId: string, petId: string, imageId: string): Promise<ImageRecord> {
    return this.deps.store.transaction(async (repos) => {
      if (!(await repos.pets.findActive(ownerId, petId, { forUpdate: true }))) throw notFound();
      const found = await repos.images.findPetPhoto(petId, imageId);
      if (!found) throw new NotFoundError('photo_not_found', 'No such photo');
      await repos.images.setPrimary(ownerId, petId, imageId);
      return { ...found, isPrimary: true };
    });
  }

  /** Removes a photo and its files; when it was the primary, the oldest remaining photo takes over. */
  async deletePhoto(ownerId: string, petId: string, imageId: string): Promise<void> {
    const removed = await this.deps.store.transaction(async (repos) => {
      if (!(await repos.pets.findActive(ownerId, petId, { forUpdate: true }))) throw notFound();
      const gone = await repos.images.deletePetPhoto(ownerId, petId, imageId);
      if (!gone) throw new NotFoundError('photo_not_found', 'No such photo');
      if (gone.isPrimary) {
        const next = await repos.images.oldestPetPhoto(petId);
        if (next) await repos.images.setPrimary(ownerId, petId, next.id);
      }
      return gone;
    });
    await this.deps.media.remove(removed.variants);
  }

  private photoLimit() {
    return new ConflictError('photo_limit_reached', `A pet can have at most ${MAX_PHOTOS_PER_PET} photos`);
  }

  /** The owner's non-deleted pets among `ids` (for other services, e.g. booking's ownership check). */
  async ownedAmong(ownerId: string, ids: string[]): Promise<Array<{ id: string; name: string; species: Species }>> {
    const pets = await this.deps.store.repos.pets.findActiveByIds(ownerId, ids);
    return pets.map((p) => ({ id: p.id, name: p.name, species: p.species }));
  }
}
