import { randomUUID } from 'node:crypto';
import type { Logger } from '@petpro/kit';
import type { StoredVariant } from '../db.ts';
import type { MediaStorage } from './storage.ts';
import { DEFAULT_SIZE, detectImageType, renderVariants } from './image-processor.ts';
import type { ImageRecord } from './images.repository.ts';

/** What clients see of a stored image: a URL per size, served through the gateway. */
export interface ImageView {
  id: string;
  url: string;
  variants: Array<{ size: number; width: number; height: number; url: string }>;
  createdAt: string;
}

/** Turns uploads into stored, re-encoded files and stored files into URLs. */
export class MediaService {
  constructor(
    private readonly storage: MediaStorage,
    private readonly publicUrl: string,
    private readonly log: Logger,
  ) {}

  /**
   * Checks the bytes, re-encodes every size and stores them under fresh random names. On a failure
   * part-way, the files already written are removed again.
   */
  async store(data: Buffer, folder: 'avatars' | 'pets'): Promise<{ id: string; variants: StoredVariant[] }> {
    await detectImageType(data);
    const rendered = await renderVariants(data, folder === 'avatars' ? 'cover' : 'inside');
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

  /** The public URL of a stored file. */
  urlOf(key: string): string {
    return `${this.publicUrl}/${key}`;
  }

  /** The client's view of an image row. */
  view(image: ImageRecord): ImageView {
    const variants = [...image.variants]
      .sort((a, b) => a.size - b.size)
      .map((v) => ({ size: v.size, width: v.width, height: v.height, url: this.urlOf(v.key) }));
    const preferred = variants.find((v) => v.size === DEFAULT_SIZE) ?? variants[variants.length - 1];
    return { id: image.id, url: preferred?.url ?? '', variants, createdAt: image.createdAt.toISOString() };
  }
}
