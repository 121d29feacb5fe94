import { pageOf, pageQuery, pastDateString, z } from '@petpro/kit';
import { line, text, IdParam } from '../shared/strings.ts';
import { ImageSchema } from '../media/media.schemas.ts';
import { SEXES, SPECIES } from './pets.repository.ts';

export const MAX_ESTIMATED_AGE_YEARS = 60;

const species = z.enum(SPECIES, { error: `must be one of ${SPECIES.join(', ')}` });
const sex = z.enum(SEXES, { error: `must be one of ${SEXES.join(', ')}` });
const weightKg = z
  .number({ error: 'must be a number' })
  .positive('must be more than 0')
  .max(2000, 'must be at most 2000')
  .multipleOf(0.01, 'must have at most 2 decimals');
// ISO 11784/11785 chips carry 15 digits; older chips 9 or 10 characters. Spaces and dashes are dropped.
const microchipId = z
  .string()
  .transform((v) => v.replace(/[\s-]/g, '').toUpperCase())
  .pipe(z.string().regex(/^[0-9A-Z]{9,15}$/, 'must be 9 to 15 letters or digits (15 digits for an ISO chip)'));
const estimatedAgeYears = z
  .number({ error: 'must be a number' })
  .min(0, 'must not be negative')
  .max(MAX_ESTIMATED_AGE_YEARS, `must be at most ${MAX_ESTIMATED_AGE_YEARS}`)
  .openapi({
    description:
      'Instead of birthDate when it is not known: the age in years (0.5 for six months); stored as an estimated ' +
      'birth date',
  });

const fields = {
  name: line(50),
  species,
  breed: line(100).nullable().optional(),
  sex: sex.optional(),
  birthDate: pastDateString().nullable().optional(),
  estimatedAgeYears: estimatedAgeYears.optional(),
  weightKg: weightKg.nullable().optional(),
  microchipId: microchipId.nullable().optional(),
  sterilised: z.boolean({ error: 'must be true or false' }).nullable().optional(),
  notes: text(2000).nullable().optional(),
};

const oneAgeSource = (v: { birthDate?: string | null; estimatedAgeYears?: number }) =>
  !(v.birthDate && v.estimatedAgeYears !== undefined);
const oneAgeSourceIssue = {
  message: 'give either birthDate or estimatedAgeYears, not both',
  path: ['estimatedAgeYears'],
};

export const CreatePetBody = z.strictObject(fields).refine(oneAgeSource, oneAgeSourceIssue).openapi('CreatePet');
export type CreatePetBody = z.output<typeof CreatePetBody>;
export const UpdatePetBody = z
  .strictObject({ ...fields, name: fields.name.optional(), species: species.optional() })
  .refine(oneAgeSource, oneAgeSourceIssue)
  .openapi('UpdatePet', { description: 'Fields left out stay as they are; null clears a field.' });
export type UpdatePetBody = z.output<typeof UpdatePetBody>;

export const PetParams = z.object({ id: IdParam });
export const PetImageParams = z.object({ id: IdParam, imageId: IdParam });

export const ListPetsQuery = z.strictObject({
  ...pageQuery,
  species: species.optional(),
  deleted: z
    .enum(['true', 'false'], { error: 'must be true or false' })
    .optional()
    .openapi({ description: 'true lists deleted pets that can still be restored' }),
});
export type ListPetsQuery = z.output<typeof ListPetsQuery>;

export const PhotoSchema = ImageSchema.extend({ isPrimary: z.boolean() }).openapi('PetPhoto');
export type PhotoView = z.output<typeof PhotoSchema>;
export const PhotoList = z.object({ items: z.array(PhotoSchema) });
export const SetPrimaryBody = z
  .strictObject({ isPrimary: z.literal(true, { error: 'must be true (make another photo primary to change it)' }) })
  .openapi('SetPrimaryPhoto');
export const PhotoUploadFields = z.strictObject({
  primary: z.enum(['true', 'false'], { error: 'must be true or false' }).optional(),
});

export const PetSchema = z
  .object({
    id: z.uuid(),
    name: z.string(),
    species,
    breed: z.string().nullable(),
    sex,
    birthDate: z.string().nullable(),
    birthDateEstimated: z.boolean(),
    ageYears: z.number().int().nullable().openapi({ description: 'Completed years, derived from birthDate' }),
    ageMonths: z
      .number()
      .int()
      .nullable()
      .openapi({ description: 'Completed months in total, derived from birthDate' }),
    weightKg: z.number().nullable(),
    microchipId: z.string().nullable(),
    sterilised: z.boolean().nullable(),
    notes: z.string().nullable(),
    photos: z.array(PhotoSchema),
    primaryPhoto: PhotoSchema.nullable(),
    createdAt: z.string(),
    updatedAt: z.string(),
    deletedAt: z.string().nullable(),
    restorableUntil: z
      .string()
      .nullable()
      .openapi({ description: 'For a deleted pet: until when POST /pets/{id}/restore brings it back' }),
  })
  .openapi('Pet');
export type PetView = z.output<typeof PetSchema>;

export const PetPage = pageOf(PetSchema).openapi('PetPage');

/** The new resource's URL, on a 201. */
export const CreatedHeaders = { Location: z.string().openapi({ description: 'The new resource’s URL' }) };
