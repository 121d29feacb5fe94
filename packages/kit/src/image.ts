import { fileTypeFromBuffer } from 'file-type';
import sharp from 'sharp';
import { intVar } from './config.ts';
import { AppError, UnprocessableError, UnsupportedMediaTypeError } from './errors.ts';

/** Image types accepted for photos and avatars, told by the file's bytes. */
export const PHOTO_TYPES = ['image/jpeg', 'image/png', 'image/webp'] as const;
export type PhotoType = (typeof PHOTO_TYPES)[number];

/** Settings of every service that takes uploads (read with the service's own configuration). */
export const uploadEnv = {
  /** Largest image accepted, in pixels (width × height), judged from its header before any decoding. */
  IMAGE_MAX_PIXELS: intVar(10_000, 268_402_689).default(40_000_000),
  /** Uploads one account may make per hour and service (0 = no limit). */
  UPLOADS_PER_HOUR: intVar(0, 100_000, { zeroMeans: 'no limit' }).default(30),
};

/** 413 `image_too_large`: the picture has more pixels than the service decodes. */
export class ImageTooLargeError extends AppError {
  constructor(maxPixels: number) {
    super(413, 'image_too_large', `The image must be at most ${Math.round(maxPixels / 100_000) / 10} megapixels`);
  }
}

/**
 * The type and size of an image from its bytes and header alone (nothing is decoded): 415 unless it
 * is one of `accepted`, 422 when the header cannot be read, 413 past `maxPixels`. A small file can
 * announce a huge picture (a decompression bomb); this refuses it before it costs memory or CPU.
 */
export async function inspectImage(
  data: Buffer,
  opts: { maxPixels: number; accepted?: readonly string[] },
): Promise<{ mime: string; width: number; height: number }> {
  const accepted = opts.accepted ?? PHOTO_TYPES;
  const found = await fileTypeFromBuffer(data);
  if (!found || !accepted.includes(found.mime))
    throw new UnsupportedMediaTypeError(
      `The file must be a JPEG, PNG or WebP image${found ? ` (this one is ${found.mime})` : ''}`,
    );
  let width: number | undefined;
  let height: number | undefined;
  try {
    ({ width, height } = await sharp(data).metadata());
  } catch {
    /* handled below */
  }
  if (!width || !height) throw new UnprocessableError('image_unreadable', 'The image could not be read');
  if (width * height > opts.maxPixels) throw new ImageTooLargeError(opts.maxPixels);
  return { mime: found.mime, width, height };
}

/** One re-encoded size of an uploaded image. */
export interface RenderedSize {
  size: number;
  width: number;
  height: number;
  data: Buffer;
}

/**
 * Re-encodes an image to WebP at every box size, decoding it once: one pipeline decodes, applies the
 * EXIF orientation and shrinks to the largest box (JPEG shrink-on-load keeps that cheap); every size
 * is then encoded from those pixels. (Three pipelines from the file decoded the upload three times.)
 * `cover` crops to a square (avatars), `inside` keeps the aspect ratio; images are never enlarged.
 * sharp writes no EXIF, XMP or ICC metadata unless asked, so locations and camera details are dropped.
 */
export async function renderImageSizes(
  data: Buffer,
  opts: { sizes: readonly number[]; fit: 'cover' | 'inside'; maxPixels: number; quality?: number },
): Promise<RenderedSize[]> {
  const { width, height } = await inspectImage(data, { maxPixels: opts.maxPixels });
  const largest = Math.max(...opts.sizes);
  // A square crop stays square for a small image too: its box shrinks to the short side.
  const box = (size: number, short: number) => (opts.fit === 'cover' ? Math.min(size, short) : size);
  let pixels: { data: Buffer; info: sharp.OutputInfo };
  try {
    pixels = await sharp(data, { failOn: 'error', limitInputPixels: opts.maxPixels })
      .rotate()
      .resize({
        width: box(largest, Math.min(width, height)),
        height: box(largest, Math.min(width, height)),
        fit: opts.fit,
        withoutEnlargement: true,
      })
      .raw()
      .toBuffer({ resolveWithObject: true });
  } catch {
    throw new UnprocessableError('image_unreadable', 'The image could not be decoded (corrupt or truncated)');
  }
  const { info } = pixels;
  const raw = { width: info.width, height: info.height, channels: info.channels };
  return Promise.all(
    opts.sizes.map(async (size) => {
      const b = box(size, Math.min(info.width, info.height));
      const { data: out, info: o } = await sharp(pixels.data, { raw })
        .resize({ width: b, height: b, fit: opts.fit, withoutEnlargement: true })
        .webp({ quality: opts.quality ?? 82, effort: 4 })
        .toBuffer({ resolveWithObject: true });
      return { size, width: o.width, height: o.height, data: out };
    }),
  );
}
