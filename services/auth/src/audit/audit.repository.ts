import type { Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB } from '../db.ts';

export type AuditType =
  | 'register'
  | 'email_verified'
  | 'login_ok'
  | 'identity_linked'
  | 'identity_unlinked'
  | 'identities_dropped'
  | 'login_failed'
  | 'account_locked'
  | 'logout'
  | 'refresh_reuse'
  | 'password_reset_requested'
  | 'password_reset'
  | 'password_changed'
  | 'session_revoked'
  | 'role_changed'
  | 'role_created'
  | 'role_updated'
  | 'role_deleted'
  | 'forced_logout'
  | 'signing_key_rotated'
  | 'bootstrap_admin_takeover'
  | 'session_evicted'
  | 'mfa_challenged'
  | 'mfa_failed'
  | 'mfa_enabled'
  | 'mfa_disabled'
  | 'mfa_reset'
  | 'backup_codes_generated'
  | 'backup_code_used'
  | 'mfa_recovery_started'
  | 'mfa_recovery_scheduled'
  | 'mfa_recovery_cancelled'
  | 'mfa_recovery_completed';

export interface AuditEvent {
  id: string;
  at: Date;
  type: string;
  actorId: string | null;
  targetId: string | null;
  ip: string | null;
  detail: Record<string, unknown>;
}

/** The only SQL for the security audit trail. */
export class AuditRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async record(e: {
    type: AuditType;
    actorId?: string | null;
    targetId?: string | null;
    ip?: string | null;
    detail?: Record<string, unknown>;
  }): Promise<void> {
    await this.db
      .insertInto('audit_events')
      .values({
        id: uuidv7(),
        type: e.type,
        actor_id: e.actorId ?? null,
        target_id: e.targetId ?? null,
        ip: e.ip ?? null,
        detail: JSON.stringify(e.detail ?? {}),
      })
      .execute();
  }

  /** Up to `limit` events before the event `before`, newest first; ids are UUIDv7 so they order by time. */
  async listPage(
    filter: { type?: string; userId?: string },
    before: string | undefined,
    limit: number,
  ): Promise<AuditEvent[]> {
    let q = this.db.selectFrom('audit_events').selectAll();
    if (filter.type) q = q.where('type', '=', filter.type);
    if (filter.userId)
      q = q.where((eb) => eb.or([eb('target_id', '=', filter.userId!), eb('actor_id', '=', filter.userId!)]));
    if (before) q = q.where('id', '<', before);
    const rows = await q.orderBy('id', 'desc').limit(limit).execute();
    return rows.map((r) => ({
      id: r.id,
      at: r.at,
      type: r.type,
      actorId: r.actor_id,
      targetId: r.target_id,
      ip: r.ip,
      detail: r.detail,
    }));
  }
}
