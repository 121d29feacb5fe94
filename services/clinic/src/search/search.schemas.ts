import { pageOf, z } from '@petpro/kit';
import { LocationSchema, PhotoSchema, categoryField, pageQuery, speciesField } from '../shared/schemas.ts';
import { parseNear } from './search-query.ts';

/** An empty query parameter (`?city=`) means "no filter", not a bad value. */
const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** The widest search radius; also the largest distance a `near` page cursor can hold. */
export const MAX_RADIUS_KM = 500;

export const SearchQuery = z
  .object({
    q: optional(z.string().trim().max(200)),
    city: optional(z.string().trim().min(1).max(100)),
    category: optional(categoryField),
    species: optional(speciesField),
    near: z
      .string()
      .max(60)
      .transform((v, ctx) => {
        const p = parseNear(v);
        if (!p) {
          ctx.addIssue({ code: 'custom', message: 'must be lat,lng (e.g. -6.2,106.8)' });
          return z.NEVER;
        }
        return p;
      })
      .optional()
      .openapi({ type: 'string', example: '-6.2,106.8' }),
    radiusKm: z.coerce
      .number()
      .gt(0, 'must be more than 0')
      .max(MAX_RADIUS_KM, `must be at most ${MAX_RADIUS_KM}`)
      .default(25),
    ...pageQuery,
    limit: z.coerce.number().int().min(1).max(50).default(20),
  })
  .openapi('ClinicSearchQuery');

export const SearchItemSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    description: z.string(),
    address: z.string().nullable(),
    city: z.string().nullable(),
    province: z.string().nullable(),
    location: LocationSchema.nullable(),
    timeZone: z.string(),
    openNow: z.boolean(),
    categories: z.array(z.string()),
    species: z.array(z.string()),
    photo: PhotoSchema.nullable(),
    distanceKm: z.number().optional().openapi({ description: 'Great-circle distance from `near`, when given' }),
  })
  .openapi('ClinicSearchItem');
export type SearchItemView = z.output<typeof SearchItemSchema>;

export const SearchResultSchema = pageOf(SearchItemSchema).openapi('ClinicSearchResult');
