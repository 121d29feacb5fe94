import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';

export interface InvitationRecord {
  id: string;
  clinicId: string;
  staffId: string;
  email: string;
  expiresAt: Date;
}

/** The only SQL for staff invitations. */
export class InvitationsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Revokes the staff entry's open invitations (a new one replaces them). */
  async revokeOpen(clinicId: string, staffId: string): Promise<void> {
    await this.db
      .updateTable('staff_invitations')
      .set({ revoked_at: new Date() })
      .where('clinic_id', '=', clinicId)
      .where('staff_id', '=', staffId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .execute();
  }

  async insert(i: InvitationRecord & { tokenHash: string; invitedBy: string }): Promise<void> {
    await this.db
      .insertInto('staff_invitations')
      .values({
        id: i.id,
        clinic_id: i.clinicId,
        staff_id: i.staffId,
        email: i.email,
        token_hash: i.tokenHash,
        invited_by: i.invitedBy,
        expires_at: i.expiresAt,
      })
      .execute();
  }

  /** The open, unexpired invitation with this token hash (row-locked in a transaction when `forUpdate`). */
  async findOpenByTokenHash(
    tokenHash: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<InvitationRecord | undefined> {
    let q = this.db
      .selectFrom('staff_invitations')
      .select(['id', 'clinic_id', 'staff_id', 'email', 'expires_at'])
      .where('token_hash', '=', tokenHash)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', new Date());
    if (opts.forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r && { id: r.id, clinicId: r.clinic_id, staffId: r.staff_id, email: r.email, expiresAt: r.expires_at };
  }

  /** Marks an open invitation of the clinic accepted by `userId`; false when it is no longer open. */
  async markAccepted(clinicId: string, id: string, userId: string): Promise<boolean> {
    const r = await this.db
      .updateTable('staff_invitations')
      .set({ accepted_at: new Date(), accepted_by: userId })
      .where('id', '=', id)
      .where('clinic_id', '=', clinicId)
      .where('accepted_at', 'is', null)
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }
}
