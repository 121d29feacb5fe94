import { z } from '@petpro/kit';

/** `limit` and `cursor` as every list takes them. */
export const PageQuery = {
  limit: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(20),
  cursor: z.string().max(500).optional(),
};
