import { timeZoneString, z } from '@petpro/kit';
import { DEFAULT_TIME_ZONE } from '../hours/opening-hours.ts';

/** Trimmed text with length bounds. */
export const text = (max: number, min = 1) =>
  z
    .string()
    .trim()
    .min(min, min === 1 ? 'is required' : `must be at least ${min} characters`)
    .max(max, `must be at most ${max} characters`);

export const emailField = z
  .string()
  .trim()
  .toLowerCase()
  .max(254)
  .pipe(z.email({ error: 'must be a valid email address' }));
export const phoneField = z
  .string()
  .trim()
  .regex(/^\+?[0-9 ()-]{6,20}$/, 'must be a phone number');

export const LocationSchema = z
  .object({
    lat: z.number().min(-90, 'must be between -90 and 90').max(90, 'must be between -90 and 90'),
    lng: z.number().min(-180, 'must be between -180 and 180').max(180, 'must be between -180 and 180'),
  })
  .openapi('ClinicLocation');

export const timeZoneField = timeZoneString().openapi({ example: DEFAULT_TIME_ZONE });

export const CATEGORIES = [
  'consultation',
  'vaccination',
  'grooming',
  'boarding',
  'surgery',
  'dental',
  'lab',
  'other',
] as const;
export const categoryField = z.enum(CATEGORIES);
export type Category = (typeof CATEGORIES)[number];

/** Species are open-ended slugs (`dog`, `cat`, `rabbit`, …), lowercased. */
export const speciesField = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z][a-z_-]{1,39}$/, 'must be a species name such as dog or cat');

/** Money in integer minor units (ISO 4217 exponent) with its currency, IDR unless told. */
export const PriceSchema = z
  .object({
    amount: z
      .number()
      .int('must be a whole number of minor units')
      .min(0, 'must not be negative')
      .max(Number.MAX_SAFE_INTEGER),
    currency: z
      .string()
      .trim()
      .toUpperCase()
      .regex(/^[A-Z]{3}$/, 'must be an ISO 4217 currency code')
      .default('IDR'),
  })
  .openapi('ClinicPrice');

export const IdParams = z.object({ id: z.uuid({ error: 'must be a UUID' }) });

/** `limit` and `cursor` of every list. */
export const pageQuery = {
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.string().max(500).optional(),
};

export const PhotoSchema = z.object({ id: z.uuid(), urls: z.record(z.string(), z.string()) }).openapi('ClinicPhoto');
export type PhotoView = z.output<typeof PhotoSchema>;
