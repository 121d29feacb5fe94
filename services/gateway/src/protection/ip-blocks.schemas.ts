import { z } from '@petpro/kit';

/** A dynamic block as the admin API shows it. */
export const IpBlockSchema = z
  .object({
    id: z.string(),
    cidr: z.string().openapi({ example: '203.0.113.0/24' }),
    reason: z.string().optional(),
    source: z
      .enum(['admin', 'auto'])
      .openapi({ description: '`auto` blocks come from repeated 429s or failed logins' }),
    createdAt: z.string(),
    expiresAt: z.string().optional().openapi({ description: 'Absent: until removed' }),
    createdBy: z.string().optional(),
  })
  .openapi('IpBlock');

export const IpBlockListSchema = z
  .object({
    items: z.array(IpBlockSchema),
    nextCursor: z.string().nullable(),
    denylist: z
      .array(z.string())
      .openapi({ description: 'Static IP_DENYLIST (always refused; wins over the allowlist)' }),
    allowlist: z
      .array(z.string())
      .openapi({ description: 'Static IP_ALLOWLIST (exempt from rate limits and automatic blocks, not from blocks)' }),
  })
  .openapi('IpBlockList');

export const IpBlockListQuery = z.object({
  limit: z.coerce.number().int().min(1).max(500).default(100),
  cursor: z.string().max(100).optional(),
});

/** POST body: one network and for how long (`expiresAt` or `durationMinutes`; neither means until removed). */
export const CreateIpBlockBody = z
  .strictObject({
    cidr: z.string().trim().min(2).max(64).openapi({
      description: 'IPv4/IPv6 address or CIDR; a bare IPv6 address blocks its /64',
      example: '198.51.100.7',
    }),
    reason: z.string().trim().max(500).optional(),
    expiresAt: z.iso.datetime({ offset: true }).optional().openapi({ description: 'ISO 8601 instant in the future' }),
    durationMinutes: z.number().int().min(1).max(525_600).optional(),
  })
  .refine((b) => !(b.expiresAt && b.durationMinutes), {
    message: 'give expiresAt or durationMinutes, not both',
    path: ['durationMinutes'],
  })
  .openapi('CreateIpBlock');

export const IpBlockIdParams = z.object({ id: z.string().min(1).max(100) });
