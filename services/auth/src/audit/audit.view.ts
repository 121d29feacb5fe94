import type { AuditEvent } from './audit.repository.ts';
import type { AuditEventView } from './audit.schemas.ts';

export function toAuditEventView(e: AuditEvent): AuditEventView {
  return { ...e, at: e.at.toISOString() };
}
