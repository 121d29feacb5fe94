/** Helpers for the user service's integration tests: real images, multipart bodies, the API through the gateway. */
import sharp from 'sharp';
import { randomBytes } from 'node:crypto';
import type { Platform } from '../../../test/platform.ts';

/** A real JPEG of the given size (a gradient, so it compresses like a photo would not; good enough). */
export async function jpeg(width = 1500, height = 1200, opts: { exifCopyright?: string } = {}): Promise<Buffer> {
  let img = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg({
    quality: 80,
  });
  if (opts.exifCopyright) img = img.withExif({ IFD0: { Copyright: opts.exifCopyright, Artist: 'Test Camera' } });
  return img.toBuffer();
}

export async function png(width: number, height: number): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 4, background: { r: 10, g: 200, b: 90, alpha: 1 } } })
    .png()
    .toBuffer();
}

/** A real PNG of random pixels, at least `minBytes` long (noise does not compress). */
export async function hugePng(minBytes: number): Promise<Buffer> {
  const side = Math.ceil(Math.sqrt(minBytes / 3)) + 16;
  const raw = randomBytes(side * side * 3);
  const out = await sharp(raw, { raw: { width: side, height: side, channels: 3 } })
    .png({ compressionLevel: 0 })
    .toBuffer();
  if (out.length < minBytes) throw new Error(`noise PNG too small: ${out.length}`);
  return out;
}

/** A multipart body with `data` in the field `file` (and any extra text fields). */
export function form(
  data: Buffer | string,
  filename: string,
  type: string,
  fields: Record<string, string> = {},
  fieldName = 'file',
): FormData {
  const fd = new FormData();
  for (const [k, v] of Object.entries(fields)) fd.append(k, v);
  fd.append(fieldName, new Blob([typeof data === 'string' ? data : new Uint8Array(data)], { type }), filename);
  return fd;
}

/** Uploads through the gateway. */
export function upload(p: Platform, method: 'PUT' | 'POST', path: string, token: string, body: FormData) {
  return p.http.call(method, path, { raw: body, token });
}

/** Fetches a public media URL and returns its bytes and headers. */
export async function fetchImage(url: string): Promise<{ status: number; headers: Headers; bytes: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** True when the bytes are a WebP file (RIFF....WEBP). */
export function isWebp(bytes: Buffer): boolean {
  return bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP';
}
