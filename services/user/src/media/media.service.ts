import { randomUUID } from 'node:crypto';
import { NotFoundError, renderImageSizes, type Logger, type WindowQuota } from '@petpro/kit';
import type { StoredVariant } from '../db.ts';
import type { UserStore } from '../store.ts';
import { MEDIA_KEY, type MediaStorage, type StoredObject } from './storage.ts';

/** The square box sizes (px) every image is stored in. */
export const IMAGE_SIZES = [64, 256, 1024] as const;
const mediaNotFound = () => new NotFoundError('media_not_found', 'No such image');

/** Turns uploads into stored, re-encoded files and stored files into URLs. */
export class MediaService {
  constructor(
    private readonly userStore: UserStore,
    private readonly storage: MediaStorage,
    private readonly log: Logger,
    private readonly limits: { maxPixels: number; quota: Pick<WindowQuota, 'consume'> },
  ) {}

  /**
   * Counts the upload against the owner's hourly budget (429 past it), checks the bytes and the
   * pixel count, re-encodes every size (decoding once) and stores them under fresh random names. On a
   * failure part-way, the files already written are removed again.
   */
  async store(
    ownerId: string,
    data: Buffer,
    folder: 'avatars' | 'pets',
  ): Promise<{ id: string; variants: StoredVariant[] }> {
    await this.limits.quota.consume(`upload:${ownerId}`);
    const rendered = await renderImageSizes(data, {
      sizes: IMAGE_SIZES,
      fit: folder === 'avatars' ? 'cover' : 'inside',
      maxPixels: this.limits.maxPixels,
    });
    const id = randomUUID();
    // Random (v4) rather than time-ordered: the name is the only thing guarding a public image URL.
    const name = randomUUID();
    const variants = rendered.map(
      (v): StoredVariant => ({
        size: v.size,
        width: v.width,
        height: v.height,
        bytes: v.data.length,
        key: `${folder}/${name}-${v.size}.webp`,
      }),
    );
    const written: StoredVariant[] = [];
    try {
      for (const [i, v] of variants.entries()) {
        await this.storage.put(v.key, rendered[i]!.data, 'image/webp');
        written.push(v);
      }
    } catch (err) {
      await this.remove(written);
      throw err;
    }
    return { id, variants };
  }

  /** Removes stored files; a failure is logged, not thrown (the rows are already gone). */
  async remove(variants: StoredVariant[]): Promise<void> {
    await Promise.all(
      variants.map((v) =>
        this.storage.delete(v.key).catch((err: unknown) => {
          this.log.warn({ key: v.key, err: (err as Error).message }, 'could not remove a media file; it is orphaned');
        }),
      ),
    );
  }

  /**
   * The storage key and caching of the file at a public media path, or 404 unless the service wrote
   * it and serves it: an avatar always, a pet photo only while its pet is not deleted.
   */
  async findServedFile(folder: string, file: string): Promise<{ key: string; cacheControl: string; etag: string }> {
    const key = `${folder}/${file}`;
    if (!MEDIA_KEY.test(key)) throw mediaNotFound();
    const petPhoto = folder === 'pets';
    if (petPhoto && !(await this.userStore.repos.images.isLivePetPhoto(key))) throw mediaNotFound();
    return {
      key,
      // Avatars' files go when they are replaced; a pet photo's answer changes with its pet's deletion.
      cacheControl: petPhoto ? 'public, no-cache' : 'public, max-age=31536000, immutable',
      etag: `"${file}"`,
    };
  }

  /** The stored file under `key` (one `findServedFile` gave), or 404 when storage has none. */
  async openFile(key: string): Promise<StoredObject> {
    const obj = await this.storage.get(key);
    if (!obj) throw mediaNotFound();
    return obj;
  }
}
