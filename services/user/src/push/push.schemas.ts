import { z } from '@petpro/kit';
import { IdParam } from '../shared/strings.ts';

/** Longest endpoint accepted: real push services' URLs are 150 to 500 characters. */
export const MAX_ENDPOINT_LENGTH = 1_024;
/** Largest subscription body accepted, in bytes (a real one is under 1 KB). */
export const MAX_SUBSCRIPTION_BYTES = 4_096;

const base64url = (what: string, max: number) =>
  z
    .string({ error: `must be ${what} in base64url` })
    .max(max, `must be at most ${max} characters`)
    .regex(/^[A-Za-z0-9_-]+=*$/, `must be ${what} in base64url`);

/** The browser's `PushSubscription.toJSON()`, as a client posts it. */
export const PushSubscriptionBody = z
  .strictObject({
    endpoint: z
      .string({ error: 'must be the push service URL' })
      .max(MAX_ENDPOINT_LENGTH, `must be at most ${MAX_ENDPOINT_LENGTH} characters`),
    expirationTime: z.number().int().nonnegative().nullable().optional(),
    keys: z.strictObject({ p256dh: base64url('a P-256 public key', 100), auth: base64url('16 bytes', 30) }),
  })
  .openapi('PushSubscriptionInput', {
    description: 'What `PushSubscription.toJSON()` gives in the browser, posted as it is',
  });
export type PushSubscriptionInput = z.output<typeof PushSubscriptionBody>;

export const PushSubscriptionSchema = z
  .object({
    id: z.uuid(),
    endpoint: z.string(),
    expirationTime: z.number().int().nullable(),
    createdAt: z.string(),
  })
  .openapi('PushSubscription');
export type PushSubscriptionView = z.output<typeof PushSubscriptionSchema>;

export const PushSubscriptionParams = z.object({ id: IdParam });
export const InternalUserParams = z.object({ userId: IdParam });
export const InternalSubscriptionParams = z.object({ userId: IdParam, id: IdParam });

export const VapidPublicKeySchema = z
  .object({
    publicKey: z.string().openapi({ description: 'The `applicationServerKey` for `pushManager.subscribe`, base64url' }),
  })
  .openapi('VapidPublicKey');
