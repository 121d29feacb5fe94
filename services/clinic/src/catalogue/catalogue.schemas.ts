import { pageOf, z } from '@petpro/kit';
import { PriceSchema, categoryField, pageQuery, speciesField, text } from '../shared/schemas.ts';

const serviceFields = {
  name: text(200),
  category: categoryField,
  description: z.string().trim().max(5_000),
  price: PriceSchema,
  durationMinutes: z
    .number()
    .int()
    .min(5, 'must be at least 5 minutes')
    .max(24 * 60, 'must be at most 1440 minutes'),
  bufferMinutes: z.number().int().min(0, 'must not be negative').max(240, 'must be at most 240 minutes'),
  species: z.array(speciesField).max(20),
  active: z.boolean(),
};

export const CreateServiceBody = z
  .strictObject({
    ...serviceFields,
    description: serviceFields.description.default(''),
    bufferMinutes: serviceFields.bufferMinutes.default(0),
    species: serviceFields.species.default([]),
    active: serviceFields.active.default(true),
  })
  .openapi('CreateClinicServiceRequest');

export const PatchServiceBody = z
  .strictObject(
    Object.fromEntries(Object.entries(serviceFields).map(([k, v]) => [k, v.optional()])) as {
      [K in keyof typeof serviceFields]: z.ZodOptional<(typeof serviceFields)[K]>;
    },
  )
  .openapi('PatchClinicServiceRequest');

export const ServiceSchema = z
  .object({
    id: z.uuid(),
    clinicId: z.uuid(),
    name: z.string(),
    category: categoryField,
    description: z.string(),
    price: z.object({ amount: z.number().int(), currency: z.string() }),
    durationMinutes: z.number().int(),
    bufferMinutes: z.number().int(),
    species: z.array(z.string()),
    active: z.boolean(),
    qualifiedStaffIds: z.array(z.uuid()),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('ClinicService');
export type ServiceView = z.output<typeof ServiceSchema>;

export const ServiceListSchema = pageOf(ServiceSchema).openapi('ClinicServiceList');
export const ServiceParams = z.object({ id: z.uuid(), serviceId: z.uuid() });
export const ServiceListQuery = z.object({ ...pageQuery, category: categoryField.optional() });
