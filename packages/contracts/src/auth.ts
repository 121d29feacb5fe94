/**
 * The auth service's internal endpoints the clinic service calls: a user's contact details and
 * language (for mail), and the roles a service may grant or take back.
 */
import { z, type RevocationPage } from '@petpro/kit';

/** GET /internal/users/{id} and GET /internal/users?email=…: a user's contact details. */
export const InternalUserContact = z.object({
  id: z.string(),
  email: z.string(),
  name: z.string(),
  language: z.enum(['id', 'en']),
  emailVerified: z.boolean(),
});
export type InternalUserContactView = z.output<typeof InternalUserContact>;

/** PUT and DELETE /internal/users/{id}/roles/{role}: grant or take back one role (204). */
export const RoleGrantParams = z.object({ id: z.uuid(), role: z.string().max(50) });

/** The path of one role of a user, as the role grant routes take it. */
export function roleGrantPath(userId: string, role: string): string {
  return `/internal/users/${encodeURIComponent(userId)}/roles/${encodeURIComponent(role)}`;
}

/**
 * GET /internal/sessions/revocations: sessions revoked since a time, whose access tokens must be
 * refused until `expiresAt` (the kit's RevocationList reads it; its `RevocationPage` is this shape).
 */
export const InternalRevocationPage = z.object({
  items: z.array(z.object({ sessionId: z.string(), expiresAt: z.string() })),
  now: z.string(),
  /** False when the page was full (more may follow). */
  complete: z.boolean().optional(),
  /** Set when the page was full: read on from here at once. */
  next: z.object({ since: z.string(), after: z.string() }).nullable().optional(),
});

/** The kit's RevocationList reads the feed with its own type (the kit cannot import this package): both must agree. */
type SameShape<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const REVOCATION_PAGE_MATCHES_KIT: SameShape<z.output<typeof InternalRevocationPage>, RevocationPage> = true;
