/**
 * What a social login provider says about a person, handed by the auth service to the user
 * service, which keeps each field only where the profile is still empty (never overwrites).
 */
import { z } from '@petpro/kit';

/** The largest picture (bytes, before base64) the auth service forwards; the user service's JSON limit is 1 MB. */
export const PROVIDER_PICTURE_MAX_BYTES = 600 * 1024;

/** POST /internal/users/{userId}/profile/fill-empty */
export const ProfileFillBody = z.strictObject({
  displayName: z.string().trim().min(1).max(100).optional(),
  /** The provider's picture, base64; decoded and re-encoded by the avatar pipeline. */
  avatarBase64: z
    .string()
    .max(Math.ceil(PROVIDER_PICTURE_MAX_BYTES / 3) * 4)
    .optional(),
});
export type ProfileFillRequest = z.input<typeof ProfileFillBody>;

/** Which fields were empty and are now filled. */
export const ProfileFillAnswer = z.object({ filled: z.array(z.enum(['displayName', 'avatar'])) });
export type ProfileFillAnswerView = z.input<typeof ProfileFillAnswer>;
