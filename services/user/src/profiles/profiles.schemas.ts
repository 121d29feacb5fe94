import { z } from '@petpro/kit';
import { line, text } from '../shared/strings.ts';
import { ImageSchema } from '../media/media.schemas.ts';
import { COMPLETENESS_WEIGHTS } from './completeness.ts';
import { normalisePhone } from './phone.ts';

/** A phone number in any common Indonesian format, stored as E.164. */
export const PhoneInput = z
  .string()
  .max(30, 'must be at most 30 characters')
  .transform((v, ctx) => {
    const e164 = normalisePhone(v);
    if (!e164) {
      ctx.addIssue({ code: 'custom', message: 'must be a phone number, e.g. 0812-3456-7890 or +62 812 3456 7890' });
      return z.NEVER;
    }
    return e164;
  })
  .openapi({ type: 'string', example: '0812-3456-7890' });

export const ProfilePatchBody = z
  .strictObject({
    displayName: line(100).nullable().optional(),
    phone: PhoneInput.nullable().optional(),
    address: text(300).nullable().optional(),
    city: line(100).nullable().optional(),
    bio: text(1000).nullable().optional(),
  })
  .openapi('ProfilePatch', { description: 'Fields left out stay as they are; null clears a field.' });
export type ProfilePatchBody = z.output<typeof ProfilePatchBody>;

const completenessItems = Object.keys(COMPLETENESS_WEIGHTS) as [
  keyof typeof COMPLETENESS_WEIGHTS,
  ...Array<keyof typeof COMPLETENESS_WEIGHTS>,
];

export const ProfileSchema = z
  .object({
    userId: z.uuid(),
    email: z.string().nullable(),
    displayName: z.string().nullable(),
    phone: z.string().nullable().openapi({ description: 'E.164, e.g. +6281234567890' }),
    address: z.string().nullable(),
    city: z.string().nullable(),
    bio: z.string().nullable(),
    avatarUrl: z.string().nullable().openapi({ description: 'The 256 px avatar; every size is in `avatar.variants`' }),
    avatar: ImageSchema.nullable(),
    completeness: z.object({ percent: z.number().int().min(0).max(100), missing: z.array(z.enum(completenessItems)) }),
    createdAt: z.string(),
    updatedAt: z.string(),
  })
  .openapi('Profile');
export type ProfileView = z.output<typeof ProfileSchema>;
