import { randomUUID } from 'node:crypto';
import type { Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  ValidationError,
  assertPermission,
  decodeCursor,
  toPage,
  hasPermission,
  isAdmin,
  renderImageSizes,
  type Principal,
  type WindowQuota,
} from '@petpro/kit';
import type { ClinicFields, ClinicRecord, OwnerScope, PhotoRecord } from './clinics.repository.ts';
import { normaliseOpeningHours, validateOpeningHours, type OpeningHours } from '../hours/opening-hours.ts';
import type { FileStore } from '../shared/storage.ts';
import type { ClinicStore } from '../store.ts';

export const PHOTO_SIZES = { small: 320, medium: 800, large: 1600 } as const;
type PhotoSize = keyof typeof PHOTO_SIZES;

/** A clinic with what its view shows besides the record: its photos, and whether the caller sees the owner. */
export interface ClinicDetails {
  clinic: ClinicRecord;
  photos: PhotoRecord[];
  showOwner: boolean;
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
      store: ClinicStore;
      files: FileStore;
      photoMaxCount: number;
      uploads: { maxPixels: number; quota: Pick<WindowQuota, 'consume'> };
    },
  ) {}

  /** True when the principal owns the clinic or is an admin. */
  isManager(p: Principal | undefined, clinic: ClinicRecord): boolean {
    return !!p && (isAdmin(p) || clinic.ownerUserId === p.userId);
  }

  /**
   * A clinic the caller may see: published ones for everyone, unpublished ones for the owner and admins; 404
   * otherwise.
   */
  async readable(p: Principal | undefined, id: string): Promise<ClinicRecord> {
    const clinic = await this.deps.store.repos.clinics.findById(id);
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

  /** What the view of each clinic needs: its photos, and the owner id only for the owner and admins. */
  async detailsOf(p: Principal | undefined, clinics: ClinicRecord[]): Promise<ClinicDetails[]> {
    const photos = await this.deps.store.repos.clinics.photosOf(clinics.map((c) => c.id));
    return clinics.map((clinic) => ({
      clinic,
      photos: photos.filter((ph) => ph.clinicId === clinic.id),
      showOwner: this.isManager(p, clinic),
    }));
  }

  /** The same for one clinic. */
  async detailOf(p: Principal | undefined, clinic: ClinicRecord): Promise<ClinicDetails> {
    const [details] = await this.detailsOf(p, [clinic]);
    return details!;
  }

  /** A page of the caller's own live clinics, newest first (the cursor holds the last id). */
  async listOwnPage(
    p: Principal,
    q: { limit: number; cursor?: string },
  ): Promise<{ items: ClinicDetails[]; nextCursor: string | null }> {
    const after = q.cursor ? decodeCursor(q.cursor, { id: 'uuid' }).id : undefined;
    const rows = await this.deps.store.repos.clinics.listPageByOwner(p.userId, after, q.limit);
    const page = toPage(rows, q.limit, (last) => ({ id: last.id }));
    return { items: await this.detailsOf(p, page.items), nextCursor: page.nextCursor };
  }

  /** Any live clinic, published or not (for other services: a calendar works before publishing); 404 when none. */
  async findById(id: string): Promise<ClinicRecord> {
    const clinic = await this.deps.store.repos.clinics.findById(id);
    if (!clinic) throw clinicNotFound();
    return clinic;
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
    return this.deps.store.repos.clinics.insert({ ...fields, id: uuidv7(), ownerUserId: owner });
  }

  async update(p: Principal, id: string, patch: Partial<ClinicFields>): Promise<ClinicRecord> {
    const clinic = await this.writable(p, id);
    const merged: ClinicFields = { ...clinic, ...patch };
    if (merged.published) assertPublishable(merged);
    // Publishing or unpublishing goes on the event feed in the same transaction: the booking service
    // ends strangers' availability subscriptions of a clinic they may no longer see.
    const updated = await this.deps.store.transaction(async (repos) => {
      const row = await repos.clinics.update(id, ownerScope(p), patch);
      if (row && row.published !== clinic.published)
        await repos.events.clinicChanged('clinic.visibility.changed', id, { published: row.published });
      return row;
    });
    if (!updated) throw clinicNotFound();
    return updated;
  }

  async remove(p: Principal, id: string): Promise<void> {
    await this.writable(p, id);
    const removed = await this.deps.store.transaction(async (repos) => {
      const ok = await repos.clinics.softDelete(id, ownerScope(p));
      if (ok) await repos.events.clinicChanged('clinic.visibility.changed', id, { published: false });
      return ok;
    });
    if (!removed) throw clinicNotFound();
  }

  /** Replaces the opening hours after validating them (400 naming each bad range). */
  async setHours(p: Principal, id: string, hours: OpeningHours): Promise<ClinicRecord> {
    await this.writable(p, id);
    const errors = validateOpeningHours(hours);
    if (errors.length) throw new ValidationError(errors, 'The opening hours are not valid');
    const set = await this.deps.store.transaction(async (repos) => {
      const ok = await repos.clinics.setOpeningHours(id, ownerScope(p), normaliseOpeningHours(hours));
      if (ok) await repos.events.clinicChanged('clinic.hours.changed', id);
      return ok;
    });
    if (!set) throw clinicNotFound();
    return (await this.deps.store.repos.clinics.findById(id))!;
  }

  // Photos ---------------------------------------------------------------------------------------

  /**
   * Stores an uploaded photo re-encoded (WebP, metadata stripped) in each size, decoding it once;
   * counts against the uploader's hourly budget (429), 415 unless its bytes are JPEG, PNG or WebP,
   * 413 past the pixel limit.
   */
  async addPhoto(p: Principal, clinicId: string, data: Buffer): Promise<PhotoRecord> {
    await this.writable(p, clinicId);
    if ((await this.deps.store.repos.clinics.countPhotos(clinicId)) >= this.deps.photoMaxCount)
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
    return this.deps.store.repos.clinics.addPhoto({ id, clinicId, sizes });
  }

  async deletePhoto(p: Principal, clinicId: string, photoId: string): Promise<void> {
    await this.writable(p, clinicId);
    const photo = await this.deps.store.repos.clinics.findPhoto(photoId);
    if (!photo || photo.clinicId !== clinicId || !(await this.deps.store.repos.clinics.deletePhoto(clinicId, photoId)))
      throw new NotFoundError('photo_not_found', 'No such photo');
    await Promise.all(photo.sizes.map((s) => this.deps.files.remove(photoKey(clinicId, photoId, s))));
  }

  /** The bytes of one photo size (public: photo ids are random and only listed on visible clinics). */
  async openPhoto(photoId: string, size: string): Promise<Readable> {
    const photo = await this.deps.store.repos.clinics.findPhoto(photoId);
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
