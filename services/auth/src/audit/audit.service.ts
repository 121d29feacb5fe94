import type { AuthStore } from '../store.ts';
import type { AuditEvent } from './audit.repository.ts';
import type { ListAuditQuery } from './audit.schemas.ts';

/** The security audit trail as admins read it. */
export class AuditService {
  constructor(private readonly store: AuthStore) {}

  /**
   * A page of events, newest first. The cursor is the last event's id itself (UUIDv7, so it orders by
   * time), not the kit's encoded cursor: clients hold these cursors, documented as a uuid, across a deploy.
   */
  async listPage(q: ListAuditQuery): Promise<{ items: AuditEvent[]; nextCursor: string | null }> {
    const rows = await this.store.repos.audit.listPage({ type: q.type, userId: q.userId }, q.cursor, q.limit + 1);
    const items = rows.slice(0, q.limit);
    return { items, nextCursor: rows.length > q.limit ? items[items.length - 1]!.id : null };
  }
}
