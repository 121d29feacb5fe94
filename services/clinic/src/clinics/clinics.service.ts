import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  assertPermission,
  hasPermission,
  isAdmin,
  renderImageSizes,
  type Principal,
  type WindowQuota,
  withTransaction,
} from '@petpro/kit';
import type { ClinicFields, ClinicRecord, ClinicsRepository, OwnerScope, PhotoRecord } from './clinics.repository.ts';
import { isOpenAt, normaliseOpeningHours, validateOpeningHours, type OpeningHours } from '../hours/opening-hours.ts';
import type { FileStore } from '../shared/storage.ts';
import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';
import { clinicChanged } from '../events/availability-events.ts';

export const PHOTO_SIZES = { small: 320, medium: 800, large: 1600 } as const;
type PhotoSize = keyof typeof PHOTO_SIZES;

export interface PhotoDto {
  id: string;
  urls: Record<string, string>;
}

/** A clinic as answered: the stored fields with times as ISO strings, `openNow` and photo URLs. */
export interface ClinicDto extends Omit<ClinicRecord, 'ownerUserId' | 'onboardingId' | 'createdAt' | 'updatedAt'> {
  ownerUserId?: string;
  openNow: boolean;
  photos: PhotoDto[];
  createdAt: string;
  updatedAt: string;
}

/** Public URL of one stored photo size (served by the media route, through the gateway). */
export function photoUrl(photoId: string, size: string): string {
  return `/api/v1/media/clinic/photos/${photoId}/${size}.webp`;
}

/** The photo DTO: one URL per stored size. */
export function toPhotoDto(p: PhotoRecord): PhotoDto {
  return { id: p.id, urls: Object.fromEntries(p.sizes.map((s) => [s, photoUrl(p.id, s)])) };
}

/** The kinds of change a caller may make to a clinic, each tied to the vendor permission it needs. */
export type ClinicWrite = 'clinic' | 'staff' | 'services';
const WRITE_PERMISSION: Record<ClinicWrite, string> = {
  clinic: 'clinic:write:own',
  staff: 'clinic:staff:manage:own',
  services: 'clinic:service:manage:own',
};

/** Clinic profiles, opening hours and photos, and the ownership rules every clinic resource shares. */
export class ClinicsService {
  constructor(
    private readonly deps: {
      clinics: ClinicsRepository;
      db: Kysely<DB>;
      files: FileStore;
      photoMaxCount: number;
      uploads: { maxPixels: number; quota: Pick<WindowQuota, 'consume'> };
    },
  ) {}

  /** True when the principal owns the clinic or is an admin. */
  isManager(p: Principal | undefined, clinic: ClinicRecord): boolean {
    return !!p && (isAdmin(p) || clinic.ownerUserId === p.userId);
  }

  /** A clinic the caller may see: published ones for everyone, unpublished ones for the owner and admins; 404 otherwise. */
  async readable(p: Principal | undefined, id: string): Promise<ClinicRecord> {
    const clinic = await this.deps.clinics.findById(id);
    if (!clinic || (!clinic.published && !this.isManager(p, clinic))) throw clinicNotFound();
    return clinic;
  }

  /**
   * A clinic the caller may change. Strangers get 404 for an unpublished clinic (its existence is
   * private) and 403 for a published one (they can see it, but it is not theirs).
   */
  async writable(p: Principal, id: string, what: ClinicWrite = 'clinic'): Promise<ClinicRecord> {
    const clinic = await this.readable(p, id);
    assertPermission(p, WRITE_PERMISSION[what], {
      linked: clinic.ownerUserId === p.userId,
      notLinked: () => new ForbiddenError('not_clinic_owner', 'Only the clinic owner can change this clinic'),
    });
    return clinic;
  }

  /** The response shape; the owner id is shown only to the owner and admins. */
  async toDto(p: Principal | undefined, clinic: ClinicRecord, now = new Date()): Promise<ClinicDto> {
    const [dto] = await this.toDtos(p, [clinic], now);
    return dto!;
  }

  async toDtos(p: Principal | undefined, clinics: ClinicRecord[], now = new Date()): Promise<ClinicDto[]> {
    const photos = await this.deps.clinics.photosOf(clinics.map((c) => c.id));
    return clinics.map((c) => ({
      id: c.id,
      ...(this.isManager(p, c) ? { ownerUserId: c.ownerUserId } : {}),
      name: c.name,
      description: c.description,
      phone: c.phone,
      email: c.email,
      address: c.address,
      city: c.city,
      province: c.province,
      location: c.location,
      timeZone: c.timeZone,
      published: c.published,
      openingHours: c.openingHours,
      openNow: isOpenAt(c.openingHours, c.timeZone, now),
      categories: c.categories,
      species: c.species,
      photos: photos.filter((ph) => ph.clinicId === c.id).map(toPhotoDto),
      createdAt: c.createdAt.toISOString(),
      updatedAt: c.updatedAt.toISOString(),
    }));
  }

  /** Creates a clinic owned by the caller (an admin may name another owner). */
  async create(
    p: Principal,
    input: Partial<ClinicFields> & { name: string; ownerUserId?: string },
  ): Promise<ClinicRecord> {
    if (!hasPermission(p, 'clinic:write:own'))
      throw new ForbiddenError('vendor_required', 'Only approved vendors can create clinics');
    const owner = isAdmin(p) && input.ownerUserId ? input.ownerUserId : p.userId;
    const fields: ClinicFields = {
      name: input.name,
      description: input.description ?? '',
      phone: input.phone ?? null,
      email: input.email ?? null,
      address: input.address ?? null,
      city: input.city ?? null,
      province: input.province ?? null,
      location: input.location ?? null,
      timeZone: input.timeZone ?? 'Asia/Jakarta',
      published: input.published ?? false,
    };
    if (fields.published) assertPublishable(fields);
    return this.deps.clinics.insert({ ...fields, id: uuidv7(), ownerUserId: owner });
  }

  async update(p: Principal, id: string, patch: Partial<ClinicFields>): Promise<ClinicRecord> {
    const clinic = await this.writable(p, id);
    const merged: ClinicFields = { ...clinic, ...patch };
    if (merged.published) assertPublishable(merged);
    const updated = await this.deps.clinics.update(id, ownerScope(p), patch);
    if (!updated) throw clinicNotFound();
    return updated;
  }

  async remove(p: Principal, id: string): Promise<void> {
    await this.writable(p, id);
    if (!(await this.deps.clinics.softDelete(id, ownerScope(p)))) throw clinicNotFound();
  }

  /** Replaces the opening hours after validating them (400 naming each bad range). */
  async setHours(p: Principal, id: string, hours: OpeningHours): Promise<ClinicRecord> {
    await this.writable(p, id);
    const errors = validateOpeningHours(hours);
    if (errors.length) throw new ValidationError(errors, 'The opening hours are not valid');
    const set = await withTransaction(this.deps.db, async (trx) => {
      const ok = await this.deps.clinics.setOpeningHours(id, ownerScope(p), normaliseOpeningHours(hours), trx);
      if (ok) await clinicChanged(trx, 'clinic.hours.changed', id);
      return ok;
    });
    if (!set) throw clinicNotFound();
    return (await this.deps.clinics.findById(id))!;
  }

  // Photos ---------------------------------------------------------------------------------------

  /**
   * Stores an uploaded photo re-encoded (WebP, metadata stripped) in each size, decoding it once;
   * counts against the uploader's hourly budget (429), 415 unless its bytes are JPEG, PNG or WebP,
   * 413 past the pixel limit.
   */
  async addPhoto(p: Principal, clinicId: string, data: Buffer): Promise<PhotoDto> {
    await this.writable(p, clinicId);
    if ((await this.deps.clinics.countPhotos(clinicId)) >= this.deps.photoMaxCount)
      throw new ConflictError('too_many_photos', `A clinic can have at most ${this.deps.photoMaxCount} photos`);
    await this.deps.uploads.quota.consume(`upload:${p.userId}`);
    const sizes = Object.keys(PHOTO_SIZES) as PhotoSize[];
    const rendered = await renderImageSizes(data, {
      sizes: sizes.map((s) => PHOTO_SIZES[s]),
      fit: 'inside',
      maxPixels: this.deps.uploads.maxPixels,
    });
    const id = randomUUID();
    try {
      for (const [i, size] of sizes.entries())
        await this.deps.files.put(photoKey(clinicId, id, size), rendered[i]!.data);
    } catch (err) {
      await Promise.all(sizes.map((s) => this.deps.files.remove(photoKey(clinicId, id, s))));
      throw err;
    }
    return toPhotoDto(await this.deps.clinics.addPhoto({ id, clinicId, sizes }));
  }

  async deletePhoto(p: Principal, clinicId: string, photoId: string): Promise<void> {
    await this.writable(p, clinicId);
    const photo = await this.deps.clinics.findPhoto(photoId);
    if (!photo || photo.clinicId !== clinicId || !(await this.deps.clinics.deletePhoto(clinicId, photoId)))
      throw new NotFoundError('photo_not_found', 'No such photo');
    await Promise.all(photo.sizes.map((s) => this.deps.files.remove(photoKey(clinicId, photoId, s))));
  }

  /** The bytes of one photo size (public: photo ids are random and only listed on visible clinics). */
  async openPhoto(photoId: string, size: string): Promise<Readable> {
    const photo = await this.deps.clinics.findPhoto(photoId);
    if (!photo?.sizes.includes(size)) throw new NotFoundError('photo_not_found', 'No such photo');
    const stream = await this.deps.files.open(photoKey(photo.clinicId, photo.id, size));
    if (!stream) throw new NotFoundError('photo_not_found', 'No such photo');
    return stream;
  }
}

const clinicNotFound = () => new NotFoundError('clinic_not_found', 'No such clinic');

/** The clinics a principal's writes may touch: their own, or any for an admin. */
function ownerScope(p: Principal): OwnerScope {
  return isAdmin(p) ? { anyOwner: true } : { ownerUserId: p.userId };
}

function photoKey(clinicId: string, photoId: string, size: string): string {
  return `photos/${clinicId}/${photoId}-${size}.webp`;
}

/** A published clinic must be findable: it needs an address, a city and a map location. */
function assertPublishable(f: ClinicFields): void {
  const missing = [!f.address && 'address', !f.city && 'city', !f.location && 'location'].filter(
    (x): x is string => !!x,
  );
  if (missing.length)
    throw new ConflictError('clinic_incomplete', `A clinic needs ${missing.join(', ')} before it can be published`, {
      missing,
    });
}
