import { pageOf, z } from '@petpro/kit';

export const ListAuditQuery = z.object({
  type: z.string().max(50).optional(),
  userId: z.uuid().optional(),
  limit: z.coerce.number().int().min(1).max(100).default(20),
  cursor: z.uuid().optional(),
});
export type ListAuditQuery = z.output<typeof ListAuditQuery>;

export const AuditEventSchema = z
  .object({
    id: z.uuid(),
    at: z.string(),
    type: z.string(),
    actorId: z.string().nullable(),
    targetId: z.string().nullable(),
    ip: z.string().nullable(),
    detail: z.record(z.string(), z.unknown()),
  })
  .openapi('AuditEvent');
export type AuditEventView = z.output<typeof AuditEventSchema>;

export const AuditEventPage = pageOf(AuditEventSchema).openapi('AuditEventPage');
