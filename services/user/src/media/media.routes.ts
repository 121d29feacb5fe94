import { z, type ApiRouter } from '@petpro/kit';
import type { MediaService } from './media.service.ts';
import { ImageFileHeaders, ImageNotModifiedHeaders } from './media.schemas.ts';

const MediaParams = z.object({ folder: z.string(), file: z.string() });
const ConditionalHeaders = z.object({
  'If-None-Match': z.string().optional().openapi({ description: 'The ETag of a copy the client holds' }),
});

/**
 * Stored images, public through the gateway. Names are random and never reused. Avatars may be cached
 * for a year and marked immutable (their files go when they are replaced). A pet photo is served only
 * while its pet is not deleted (a restore brings it back), so caches must ask again each time (a cheap
 * 304 while it is still served).
 */
export function mediaRoutes(api: ApiRouter, deps: { media: MediaService }): void {
  const { media } = deps;
  api.endpoint(
    {
      method: 'get',
      path: '/api/v1/media/user/{folder}/{file}',
      summary: 'A stored image file (avatar or pet photo, WebP); the URLs come in profiles and pets',
      tags: ['media'],
      params: MediaParams,
      headers: ConditionalHeaders,
      responses: {
        200: { description: 'The image', stream: 'image/webp', headers: ImageFileHeaders },
        304: { description: 'The copy the client holds is current', headers: ImageNotModifiedHeaders },
        404: { description: 'No such image (or its pet is deleted)' },
      },
    },
    async (req, reply) => {
      const { folder, file } = req.valid.params;
      const served = await media.findServedFile(folder, file);
      const headers = {
        'Cache-Control': served.cacheControl,
        ETag: served.etag,
        // helmet's default would stop web apps on another origin from showing the image.
        'Cross-Origin-Resource-Policy': 'cross-origin',
      } as const;
      if (req.valid.headers['If-None-Match'] === served.etag) return reply(304, headers);
      const obj = await media.openFile(served.key);
      return reply(200, obj.stream, {
        ...headers,
        'Content-Type': obj.contentType,
        'Content-Length': obj.size === undefined ? undefined : String(obj.size),
      });
    },
  );
}
