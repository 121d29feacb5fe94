import { pageOf, z } from '@petpro/kit';
import {
  LocationSchema,
  PhotoSchema,
  emailField,
  pageQuery,
  phoneField,
  text,
  timeZoneField,
} from '../shared/schemas.ts';

const TimeRangeSchema = z
  .object({
    start: z.string().max(5).openapi({ example: '08:00' }),
    end: z.string().max(5).openapi({ example: '12:00' }),
  })
  .openapi('ClinicTimeRange');

export const OpeningHoursBody = z
  .strictObject({
    weekly: z.array(z.strictObject({ weekday: z.number().int(), ranges: z.array(TimeRangeSchema).max(12) })).max(7),
    closures: z
      .array(
        z.strictObject({
          date: z.string().max(10).openapi({ example: '2026-12-25' }),
          reason: text(200),
          ranges: z.array(TimeRangeSchema).max(12).optional(),
        }),
      )
      .max(400)
      .default([]),
  })
  .openapi('ClinicOpeningHoursRequest');

export const OpeningHoursSchema = z
  .object({
    weekly: z.array(z.object({ weekday: z.number().int(), ranges: z.array(TimeRangeSchema) })),
    closures: z.array(z.object({ date: z.string(), reason: z.string(), ranges: z.array(TimeRangeSchema).optional() })),
  })
  .openapi('ClinicOpeningHours');

export const HoursResponse = OpeningHoursSchema.extend({ timeZone: z.string(), openNow: z.boolean() }).openapi(
  'ClinicHours',
);
export type HoursView = z.output<typeof HoursResponse>;

const clinicFields = {
  name: text(200),
  description: z.string().trim().max(5_000),
  phone: phoneField.nullable(),
  email: emailField.nullable(),
  address: text(500).nullable(),
  city: text(100).nullable(),
  province: text(100).nullable(),
  location: LocationSchema.nullable(),
  timeZone: timeZoneField,
  published: z.boolean(),
};

export const CreateClinicBody = z
  .strictObject({
    ...clinicFields,
    description: clinicFields.description.default(''),
    phone: clinicFields.phone.optional(),
    email: clinicFields.email.optional(),
    address: clinicFields.address.optional(),
    city: clinicFields.city.optional(),
    province: clinicFields.province.optional(),
    location: clinicFields.location.optional(),
    timeZone: clinicFields.timeZone.default('Asia/Jakarta'),
    published: z.boolean().default(false),
    /** Admins may create a clinic on behalf of a vendor. */
    ownerUserId: z.uuid().optional(),
  })
  .openapi('CreateClinicRequest');

export const PatchClinicBody = z
  .strictObject(
    Object.fromEntries(Object.entries(clinicFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof clinicFields]: z.ZodOptional<(typeof clinicFields)[K]>;
    },
  )
  .openapi('PatchClinicRequest');

export const ClinicSchema = z
  .object({
    id: z.uuid(),
    ownerUserId: z.uuid().optional().openapi({ description: 'Shown to the owner and admins only' }),
    name: z.string(),
    description: z.string(),
    phone: z.string().nullable(),
    email: z.string().nullable(),
    address: z.string().nullable(),
    city: z.string().nullable(),
    province: z.string().nullable(),
    location: LocationSchema.nullable(),
    timeZone: z.string(),
    published: z.boolean(),
    openingHours: OpeningHoursSchema,
    openNow: z.boolean(),
    categories: z.array(z.string()),
    species: z.array(z.string()),
    photos: z.array(PhotoSchema),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Clinic');
export type ClinicView = z.output<typeof ClinicSchema>;

export const MineQuery = z.object({ ...pageQuery });
export const ClinicListSchema = pageOf(ClinicSchema).openapi('ClinicList');

export const PhotoParams = z.object({ id: z.uuid(), photoId: z.uuid() });
export const MediaParams = z.object({ photoId: z.uuid(), file: z.string().regex(/^(small|medium|large)\.webp$/) });
/** A photo file: never reused for other bytes, so cached for good. */
export const PhotoFileHeaders = { 'Content-Type': z.literal('image/webp'), 'Cache-Control': z.string() };
