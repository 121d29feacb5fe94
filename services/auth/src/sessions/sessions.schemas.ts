import { z } from '@petpro/kit';

export const SessionSchema = z
  .object({
    id: z.uuid(),
    current: z.boolean(),
    createdAt: z.string(),
    lastSeenAt: z.string(),
    expiresAt: z.string(),
    ip: z.string().nullable(),
    userAgent: z.string().nullable(),
    browser: z.string().nullable(),
    os: z.string().nullable(),
    device: z.string().nullable(),
    deviceId: z.string().nullable(),
    fingerprint: z.string().nullable(),
    location: z
      .object({ country: z.string(), countryName: z.string().nullable(), city: z.string().nullable() })
      .nullable()
      .openapi({ description: 'Approximate, from the IP (null without GEOIP_DB_PATH or for a private address)' }),
  })
  .openapi('Session');
export type SessionView = z.output<typeof SessionSchema>;

export const SessionList = z.object({ items: z.array(SessionSchema) });
export const SessionParams = z.object({ id: z.uuid() });
/** How many sessions an action revoked (also the admin's forced logout). */
export const RevokedCount = z.object({ revoked: z.number().int() });
