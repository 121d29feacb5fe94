import type { ImageRecord } from './images.repository.ts';
import type { ImageView } from './media.schemas.ts';

/** The size a single `url` points at when a client wants just one. */
export const DEFAULT_SIZE = 256;

/** The public URL of a stored file under `mediaUrl` (the gateway's media path or a CDN). */
export function mediaUrlOf(mediaUrl: string, key: string): string {
  return `${mediaUrl}/${key}`;
}

/** An image row as clients see it: a URL per size, the 256 px one as `url`. */
export function toImageView(image: ImageRecord, mediaUrl: string): ImageView {
  const variants = [...image.variants]
    .sort((a, b) => a.size - b.size)
    .map((v) => ({ size: v.size, width: v.width, height: v.height, url: mediaUrlOf(mediaUrl, v.key) }));
  const preferred = variants.find((v) => v.size === DEFAULT_SIZE) ?? variants[variants.length - 1];
  return { id: image.id, url: preferred?.url ?? '', variants, createdAt: image.createdAt.toISOString() };
}
