import sharp from 'sharp';
import { fileTypeFromBuffer } from 'file-type';
import { UnprocessableError, UnsupportedMediaTypeError } from '@petpro/kit';

/** The square box sizes (px) every image is stored in. */
export const IMAGE_SIZES = [64, 256, 1024] as const;
/** The size a single `url` points at when a client wants just one. */
export const DEFAULT_SIZE = 256;
export const ACCEPTED_IMAGE_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;

// Decompression bombs: refuse images over ~40 megapixels before decoding them.
const MAX_INPUT_PIXELS = 40_000_000;

/** One re-encoded size of an uploaded image. */
export interface RenderedVariant {
  size: number;
  width: number;
  height: number;
  data: Buffer;
}

/** The image type told by the file's bytes (never its name or the client's Content-Type); 415 for anything else. */
export async function detectImageType(data: Buffer): Promise<(typeof ACCEPTED_IMAGE_TYPES)[number]> {
  const found = await fileTypeFromBuffer(data);
  const mime = found?.mime as (typeof ACCEPTED_IMAGE_TYPES)[number] | undefined;
  if (!mime || !ACCEPTED_IMAGE_TYPES.includes(mime)) {
    throw new UnsupportedMediaTypeError(
      `The file must be a JPEG, PNG or WebP image${found ? ` (this one is ${found.mime})` : ''}`,
    );
  }
  return mime;
}

/**
 * Re-encodes an image into WebP at every size. `cover` crops to a square (avatars); `inside` keeps
 * the aspect ratio within the box (pet photos). Images are never enlarged. sharp writes no EXIF, XMP
 * or ICC metadata unless asked, so GPS positions and camera details in the upload are dropped; the
 * EXIF orientation is applied first so that the stripped image still stands upright.
 */
export async function renderVariants(data: Buffer, fit: 'cover' | 'inside'): Promise<RenderedVariant[]> {
  let base: sharp.Sharp;
  let shortSide: number;
  try {
    base = sharp(data, { failOn: 'error', limitInputPixels: MAX_INPUT_PIXELS }).rotate();
    const meta = await base.metadata();
    if (!meta.width || !meta.height) throw new Error('no dimensions');
    shortSide = Math.min(meta.width, meta.height);
  } catch {
    throw new UnprocessableError(
      'image_unreadable',
      'The image could not be read (corrupt, truncated or too large in pixels)',
    );
  }
  try {
    return await Promise.all(
      IMAGE_SIZES.map(async (size) => {
        // A square crop stays square for a small image too: its box shrinks to the short side.
        const box = fit === 'cover' ? Math.min(size, shortSide) : size;
        const { data: out, info } = await base
          .clone()
          .resize({ width: box, height: box, fit, withoutEnlargement: true })
          .webp({ quality: 82, effort: 4 })
          .toBuffer({ resolveWithObject: true });
        return { size, width: info.width, height: info.height, data: out };
      }),
    );
  } catch {
    throw new UnprocessableError('image_unreadable', 'The image could not be decoded');
  }
}
