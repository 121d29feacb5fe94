import { z } from '@petpro/kit';

export const ImageSchema = z
  .object({
    id: z.uuid(),
    url: z.string().openapi({ description: 'The 256 px variant' }),
    variants: z.array(
      z.object({
        size: z.number().int().openapi({ description: 'Box size in px (64, 256, 1024)' }),
        width: z.number().int(),
        height: z.number().int(),
        url: z.string(),
      }),
    ),
    createdAt: z.string(),
  })
  .openapi('Image');
export type ImageView = z.output<typeof ImageSchema>;

/** How a served image may be cached (the same on a 200 and a 304). */
export const ImageNotModifiedHeaders = {
  'Cache-Control': z.string(),
  ETag: z.string(),
  'Cross-Origin-Resource-Policy': z.literal('cross-origin'),
};
export const ImageFileHeaders = {
  ...ImageNotModifiedHeaders,
  'Content-Type': z.string(),
  'Content-Length': z.string().optional(),
};
