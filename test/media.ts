/** Files and uploads for tests: real images and documents, multipart bodies, downloads through the gateway. */
import { randomBytes } from 'node:crypto';
import sharp from 'sharp';
import type { Platform, PlatformClient } from './platform.ts';

/** A minimal but real PDF (file-type recognises it by its `%PDF-` header). */
export const PDF = Buffer.from(
  '%PDF-1.4\n1 0 obj<</Type/Catalog/Pages 2 0 R>>endobj\n2 0 obj<</Type/Pages/Kids[]/Count 0>>endobj\n' +
    'trailer<</Root 1 0 R>>\n%%EOF\n',
);

/** A real PNG of the given size (one colour: tiny on disk, large in pixels). */
export function png(width = 40, height = 30): Promise<Buffer> {
  return sharp({ create: { width, height, channels: 3, background: '#3b82f6' } })
    .png()
    .toBuffer();
}

/** A real JPEG of the given size (optionally with EXIF a service must strip). */
export async function jpeg(width = 1500, height = 1200, opts: { exifCopyright?: string } = {}): Promise<Buffer> {
  let img = sharp({ create: { width, height, channels: 3, background: { r: 200, g: 120, b: 40 } } }).jpeg({
    quality: 80,
  });
  if (opts.exifCopyright) img = img.withExif({ IFD0: { Copyright: opts.exifCopyright, Artist: 'Test Camera' } });
  return img.toBuffer();
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

/** True when the bytes are a WebP file (RIFF....WEBP). */
export function isWebp(bytes: Buffer): boolean {
  return bytes.subarray(0, 4).toString('latin1') === 'RIFF' && bytes.subarray(8, 12).toString('latin1') === 'WEBP';
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

/** Sends a multipart body through the gateway (PUT for an avatar, POST for the rest). */
export function upload(p: PlatformClient, method: 'PUT' | 'POST', path: string, token: string, body: FormData) {
  return p.http.call(method, path, { raw: body, token });
}

/** Fetches a path through the gateway, or a full URL (a media URL), and returns its bytes and headers. */
export async function download(p: Pick<Platform, 'url'>, pathOrUrl: string, token?: string) {
  const res = await fetch(new URL(pathOrUrl, p.url), { headers: token ? { authorization: `Bearer ${token}` } : {} });
  return { status: res.status, headers: res.headers, bytes: Buffer.from(await res.arrayBuffer()) };
}
