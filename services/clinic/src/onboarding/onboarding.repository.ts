import { sql, type Kysely, type Selectable } from 'kysely';
import type { DB, OnboardingApplicationsTable } from '../db.ts';
import type { BusinessStep, ContactStep, LocationStep, ServicesStep } from './onboarding.schemas.ts';
import type { ActorKind, DocumentType, Status, Step } from './state-machine.ts';

export interface ApplicationRecord {
  id: string;
  applicantUserId: string;
  status: Status;
  business: BusinessStep | null;
  contact: ContactStep | null;
  location: LocationStep | null;
  services: ServicesStep | null;
  contactVerifiedEmail: string | null;
  contactVerifiedAt: Date | null;
  reviewReason: string | null;
  reviewedBy: string | null;
  clinicId: string | null;
  approvalAttempts: number;
  approvalLastError: string | null;
  approvalNextAttemptAt: Date | null;
  submittedAt: Date | null;
  decidedAt: Date | null;
  createdAt: Date;
  updatedAt: Date;
}

export interface DocumentRecord {
  id: string;
  applicationId: string;
  type: DocumentType;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  sha256: string;
  storageKey: string;
  uploadedBy: string;
  createdAt: Date;
}

export interface EventRecord {
  id: string;
  applicationId: string;
  at: Date;
  type: string;
  actorKind: ActorKind;
  actorUserId: string | null;
  fromStatus: string | null;
  toStatus: string | null;
  detail: Record<string, unknown>;
}

export interface ContactCodeRecord {
  applicationId: string;
  email: string;
  codeHash: string;
  expiresAt: Date;
  attemptsLeft: number;
  sentAt: Date;
}

export interface NewEvent {
  type: string;
  actorKind: ActorKind;
  actorUserId: string | null;
  fromStatus?: string | null;
  toStatus?: string | null;
  detail?: Record<string, unknown>;
}

function toApplication(r: Selectable<OnboardingApplicationsTable>): ApplicationRecord {
  return {
    id: r.id,
    applicantUserId: r.applicant_user_id,
    status: r.status as Status,
    // Step values were validated by their zod schemas before they were written.
    business: r.business as BusinessStep | null,
    contact: r.contact as ContactStep | null,
    location: r.location as LocationStep | null,
    services: r.services as ServicesStep | null,
    contactVerifiedEmail: r.contact_verified_email,
    contactVerifiedAt: r.contact_verified_at,
    reviewReason: r.review_reason,
    reviewedBy: r.reviewed_by,
    clinicId: r.clinic_id,
    approvalAttempts: r.approval_attempts,
    approvalLastError: r.approval_last_error,
    approvalNextAttemptAt: r.approval_next_attempt_at,
    submittedAt: r.submitted_at,
    decidedAt: r.decided_at,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** Whose application a status change may touch: the applicant's own, or any (reviewers, the approval saga). */
export type ApplicantScope = { applicantUserId: string } | { anyApplicant: true };

const OPEN_STATUSES: Status[] = ['draft', 'submitted', 'changes_requested', 'approving'];

/** The only SQL for vendor applications, their documents, contact codes and history. */
export class OnboardingRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async create(id: string, applicantUserId: string): Promise<ApplicationRecord> {
    const r = await this.db
      .insertInto('onboarding_applications')
      .values({
        id,
        applicant_user_id: applicantUserId,
        status: 'draft',
        created_at: new Date(),
        updated_at: new Date(),
      })
      .returningAll()
      .executeTakeFirstOrThrow();
    return toApplication(r);
  }

  /** One application; `forUpdate` takes a row lock for the rest of the transaction (status changes are serialised). */
  async findById(id: string, opts: { forUpdate?: boolean } = {}): Promise<ApplicationRecord | undefined> {
    let q = this.db.selectFrom('onboarding_applications').selectAll().where('id', '=', id);
    if (opts.forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r && toApplication(r);
  }

  async findLatestByApplicant(userId: string): Promise<ApplicationRecord | undefined> {
    const r = await this.db
      .selectFrom('onboarding_applications')
      .selectAll()
      .where('applicant_user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .orderBy('id', 'desc')
      .limit(1)
      .executeTakeFirst();
    return r && toApplication(r);
  }

  async findOpenByApplicant(userId: string): Promise<ApplicationRecord | undefined> {
    const r = await this.db
      .selectFrom('onboarding_applications')
      .selectAll()
      .where('applicant_user_id', '=', userId)
      .where('status', 'in', OPEN_STATUSES)
      .limit(1)
      .executeTakeFirst();
    return r && toApplication(r);
  }

  /** Takes a per-applicant advisory lock for the transaction, so two "start" calls cannot both create a draft. */
  async lockApplicant(userId: string): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtextextended(${`onboarding:${userId}`}, 0))`.execute(this.db);
  }

  /** Up to `limit + 1` of the review queue after `after`: oldest waiting first (since submission, else creation). */
  async queuePage(opts: {
    statuses: string[];
    olderThan?: Date;
    newerThan?: Date;
    after?: { waitingSince: string; id: string };
    limit: number;
  }): Promise<ApplicationRecord[]> {
    const since = sql<Date>`coalesce(submitted_at, created_at)`;
    let q = this.db.selectFrom('onboarding_applications').selectAll().where('status', 'in', opts.statuses);
    if (opts.olderThan) q = q.where(since, '<=', opts.olderThan);
    if (opts.newerThan) q = q.where(since, '>=', opts.newerThan);
    if (opts.after)
      q = q.where(
        sql<boolean>`(coalesce(submitted_at, created_at), id) >
                     (${opts.after.waitingSince}::timestamptz, ${opts.after.id}::uuid)`,
      );
    const rows = await q
      .orderBy(since)
      .orderBy('id')
      .limit(opts.limit + 1)
      .execute();
    return rows.map(toApplication);
  }

  /** Saves a step of the applicant's own application; false when it is not theirs (nothing written). */
  async saveStep(id: string, applicantUserId: string, step: Step, value: unknown): Promise<boolean> {
    const r = await this.db
      .updateTable('onboarding_applications')
      .set({ [step]: JSON.stringify(value), updated_at: new Date() })
      .where('id', '=', id)
      .where('applicant_user_id', '=', applicantUserId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /** Records (or clears) the verified contact address of the applicant's own application. */
  async setContactVerified(id: string, applicantUserId: string, email: string | null): Promise<boolean> {
    const r = await this.db
      .updateTable('onboarding_applications')
      .set({ contact_verified_email: email, contact_verified_at: email ? new Date() : null, updated_at: new Date() })
      .where('id', '=', id)
      .where('applicant_user_id', '=', applicantUserId)
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  /**
   * Moves the status from one of `from` to `to` with the given extra columns; false when the status
   * had already changed or the application is outside the scope.
   */
  async transition(
    id: string,
    scope: ApplicantScope,
    from: readonly Status[],
    to: Status,
    set: {
      reviewReason?: string | null;
      reviewedBy?: string | null;
      submittedAt?: Date;
      decidedAt?: Date | null;
      approvalNextAttemptAt?: Date | null;
      resetApproval?: boolean;
    },
  ): Promise<boolean> {
    const r = await this.db
      .updateTable('onboarding_applications')
      .set({
        status: to,
        ...(set.reviewReason !== undefined && { review_reason: set.reviewReason }),
        ...(set.reviewedBy !== undefined && { reviewed_by: set.reviewedBy }),
        ...(set.submittedAt !== undefined && { submitted_at: set.submittedAt }),
        ...(set.decidedAt !== undefined && { decided_at: set.decidedAt }),
        ...(set.approvalNextAttemptAt !== undefined && { approval_next_attempt_at: set.approvalNextAttemptAt }),
        ...(set.resetApproval && { approval_attempts: 0, approval_last_error: null }),
        updated_at: new Date(),
      })
      .where('id', '=', id)
      .where('status', 'in', [...from])
      .$if('applicantUserId' in scope, (q) =>
        q.where('applicant_user_id', '=', (scope as { applicantUserId: string }).applicantUserId),
      )
      .executeTakeFirst();
    return Number(r.numUpdatedRows) > 0;
  }

  async setClinicId(id: string, clinicId: string): Promise<void> {
    await this.db
      .updateTable('onboarding_applications')
      .set({ clinic_id: clinicId, updated_at: new Date() })
      .where('id', '=', id)
      .execute();
  }

  /** Records a failed approval attempt and when to try again. */
  async approvalFailed(id: string, error: string, nextAttemptAt: Date): Promise<void> {
    await this.db
      .updateTable('onboarding_applications')
      .set((eb) => ({
        approval_attempts: eb('approval_attempts', '+', 1),
        approval_last_error: error.slice(0, 500),
        approval_next_attempt_at: nextAttemptAt,
        updated_at: new Date(),
      }))
      .where('id', '=', id)
      .where('status', '=', 'approving')
      .execute();
  }

  /**
   * Claims approvals whose next attempt is due, leasing each for `leaseMs` so other replicas leave
   * it alone while this one works on it (SKIP LOCKED: replicas never wait for each other).
   */
  async claimDueApprovals(limit: number, leaseMs: number): Promise<string[]> {
    const r = await sql<{ id: string }>`
      update onboarding_applications set approval_next_attempt_at = now() + ${`${leaseMs} milliseconds`}::interval
      where id in (
        select id from onboarding_applications
        where status = 'approving' and approval_next_attempt_at <= now()
        order by approval_next_attempt_at
        limit ${limit}
        for update skip locked)
      returning id`.execute(this.db);
    return r.rows.map((x) => x.id);
  }

  // History ----------------------------------------------------------------------------------------

  async addEvent(applicationId: string, id: string, e: NewEvent): Promise<void> {
    await this.db
      .insertInto('onboarding_events')
      .values({
        id,
        application_id: applicationId,
        at: new Date(),
        type: e.type,
        actor_kind: e.actorKind,
        actor_user_id: e.actorUserId,
        from_status: e.fromStatus ?? null,
        to_status: e.toStatus ?? null,
        detail: JSON.stringify(e.detail ?? {}),
      })
      .execute();
  }

  async events(applicationId: string): Promise<EventRecord[]> {
    const rows = await this.db
      .selectFrom('onboarding_events')
      .selectAll()
      .where('application_id', '=', applicationId)
      .orderBy('at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      applicationId: r.application_id,
      at: r.at,
      type: r.type,
      actorKind: r.actor_kind as ActorKind,
      actorUserId: r.actor_user_id,
      fromStatus: r.from_status,
      toStatus: r.to_status,
      detail: r.detail,
    }));
  }

  // Documents --------------------------------------------------------------------------------------

  async addDocument(d: DocumentRecord): Promise<void> {
    await this.db
      .insertInto('onboarding_documents')
      .values({
        id: d.id,
        application_id: d.applicationId,
        type: d.type,
        file_name: d.fileName,
        content_type: d.contentType,
        size_bytes: d.sizeBytes,
        sha256: d.sha256,
        storage_key: d.storageKey,
        uploaded_by: d.uploadedBy,
        created_at: d.createdAt,
      })
      .execute();
  }

  async documents(applicationId: string): Promise<DocumentRecord[]> {
    const rows = await this.db
      .selectFrom('onboarding_documents')
      .selectAll()
      .where('application_id', '=', applicationId)
      .orderBy('created_at')
      .orderBy('id')
      .execute();
    return rows.map((r) => ({
      id: r.id,
      applicationId: r.application_id,
      // Written only through the DocumentForm type enum.
      type: r.type as DocumentType,
      fileName: r.file_name,
      contentType: r.content_type,
      sizeBytes: r.size_bytes,
      sha256: r.sha256,
      storageKey: r.storage_key,
      uploadedBy: r.uploaded_by,
      createdAt: r.created_at,
    }));
  }

  async deleteDocument(applicationId: string, docId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('onboarding_documents')
      .where('id', '=', docId)
      .where('application_id', '=', applicationId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  // Contact codes ----------------------------------------------------------------------------------

  async saveContactCode(c: ContactCodeRecord): Promise<void> {
    const values = {
      application_id: c.applicationId,
      email: c.email,
      code_hash: c.codeHash,
      expires_at: c.expiresAt,
      attempts_left: c.attemptsLeft,
      sent_at: c.sentAt,
    };
    await this.db
      .insertInto('onboarding_contact_codes')
      .values(values)
      .onConflict((oc) =>
        oc.column('application_id').doUpdateSet({
          email: c.email,
          code_hash: c.codeHash,
          expires_at: c.expiresAt,
          attempts_left: c.attemptsLeft,
          sent_at: c.sentAt,
        }),
      )
      .execute();
  }

  /** The application's live code; `forUpdate` locks it for the rest of the transaction. */
  async findContactCode(
    applicationId: string,
    opts: { forUpdate?: boolean } = {},
  ): Promise<ContactCodeRecord | undefined> {
    let q = this.db.selectFrom('onboarding_contact_codes').selectAll().where('application_id', '=', applicationId);
    if (opts.forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return (
      r && {
        applicationId: r.application_id,
        email: r.email,
        codeHash: r.code_hash,
        expiresAt: r.expires_at,
        attemptsLeft: r.attempts_left,
        sentAt: r.sent_at,
      }
    );
  }

  async spendContactAttempt(applicationId: string): Promise<void> {
    await this.db
      .updateTable('onboarding_contact_codes')
      .set((eb) => ({ attempts_left: eb('attempts_left', '-', 1) }))
      .where('application_id', '=', applicationId)
      .execute();
  }

  async deleteContactCode(applicationId: string): Promise<void> {
    await this.db.deleteFrom('onboarding_contact_codes').where('application_id', '=', applicationId).execute();
  }
}
