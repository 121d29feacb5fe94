import { v7 as uuidv7 } from 'uuid';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  decodeCursor,
  hasPermission,
  toPage,
  type Logger,
  type Principal,
} from '@petpro/kit';
import type { ApplicationRecord } from './onboarding.repository.ts';
import type { ContactStep, StepValue } from './onboarding.schemas.ts';
import type { Status, Step } from './state-machine.ts';
import type { ApplicationDetails } from './onboarding.view.ts';
import type { OnboardingAccess } from './onboarding.access.ts';
import type { ContactVerificationService } from './contact-verification.service.ts';
import { applicationNotFound, assertEditable, missingFor, requireTransition } from './onboarding.model.ts';
import { canReview } from '../shared/access.ts';
import { DECISION_MAIL, type DecisionMailPayload, type OutboxDispatcher } from '../mail/outbox.service.ts';
import type { ClinicStore } from '../store.ts';

/** The review queue's default: what waits for a reviewer. */
const WAITING: Status[] = ['submitted', 'approving'];

/**
 * Vendor onboarding: the applicant's draft, steps and submission, the review queue, and the admin's
 * decisions other than approval (approval.service.ts). Contact verification and documents are
 * contact-verification.service.ts and documents.service.ts. Every status change runs in a
 * transaction with a row lock and writes its history event in that same transaction.
 */
export class OnboardingService {
  constructor(
    private readonly deps: {
      store: ClinicStore;
      access: OnboardingAccess;
      contactVerification: ContactVerificationService;
      dispatcher: OutboxDispatcher;
      log: Logger;
    },
  ) {}

  /** An application its applicant or a reviewer may see; 404 for anyone else. */
  visible(p: Principal, id: string): Promise<ApplicationRecord> {
    return this.deps.access.visible(p, id);
  }

  /** What the application's view needs: its documents, and its history when `withHistory`. */
  async detailsOf(p: Principal | undefined, app: ApplicationRecord, withHistory = false): Promise<ApplicationDetails> {
    const documents = await this.deps.store.repos.onboarding.documents(app.id);
    const events = withHistory ? await this.deps.store.repos.onboarding.events(app.id) : undefined;
    return { app, documents, events, reviewer: canReview(p) };
  }

  /** A page of the review queue, oldest waiting first (since submission, else creation), filtered by status and age. */
  async queuePage(q: {
    status?: string[];
    olderThanHours?: number;
    newerThanHours?: number;
    limit: number;
    cursor?: string;
  }): Promise<{ items: ApplicationRecord[]; nextCursor: string | null }> {
    const now = Date.now();
    const after = q.cursor ? decodeCursor(q.cursor, { w: 'instant', id: 'uuid' }) : undefined;
    const rows = await this.deps.store.repos.onboarding.queuePage({
      statuses: q.status ?? WAITING,
      olderThan: q.olderThanHours === undefined ? undefined : new Date(now - q.olderThanHours * 3_600_000),
      newerThan: q.newerThanHours === undefined ? undefined : new Date(now - q.newerThanHours * 3_600_000),
      after: after && { waitingSince: after.w, id: after.id },
      limit: q.limit,
    });
    // Microsecond timestamps would lose precision in a JS Date; the cursor keeps the ISO text of the
    // millisecond and the id breaks ties.
    return toPage(rows, q.limit, (last) => ({ w: (last.submittedAt ?? last.createdAt).toISOString(), id: last.id }));
  }

  // Applicant --------------------------------------------------------------------------------------

  /** Starts a draft; 409 when the caller already has an application in progress. */
  async start(p: Principal): Promise<ApplicationRecord> {
    if (!hasPermission(p, 'onboarding:apply'))
      throw new ForbiddenError('forbidden', 'This needs the permission onboarding:apply');
    return this.deps.store.transaction(async (repos) => {
      await repos.onboarding.lockApplicant(p.userId);
      const open = await repos.onboarding.findOpenByApplicant(p.userId);
      if (open)
        throw new ConflictError('onboarding_in_progress', 'You already have an application in progress', {
          applicationId: open.id,
          status: open.status,
        });
      const app = await repos.onboarding.create(uuidv7(), p.userId);
      await repos.onboarding.addEvent(app.id, uuidv7(), {
        type: 'created',
        actorKind: 'applicant',
        actorUserId: p.userId,
        toStatus: 'draft',
      });
      return app;
    });
  }

  async latest(p: Principal): Promise<ApplicationRecord> {
    const app = await this.deps.store.repos.onboarding.findLatestByApplicant(p.userId);
    if (!app) throw new NotFoundError('onboarding_not_found', 'You have not started an application');
    return app;
  }

  /**
   * Saves one step (already validated by its schema). Saving the contact step mails a code only when
   * the address is not verified and has no live code; such a save is held to the resend cooldown and
   * to the mail caps (429, nothing saved), so re-saving is not a way to mail an address without end.
   */
  async saveStep(p: Principal, id: string, step: Step, value: StepValue): Promise<ApplicationRecord> {
    let codeFor: { email: string; code: string } | undefined;
    await this.deps.store.transaction(async (repos) => {
      const app = await repos.onboarding.findById(id, { forUpdate: true });
      if (!app || app.applicantUserId !== p.userId) throw applicationNotFound();
      assertEditable(app);
      if (!(await repos.onboarding.saveStep(id, p.userId, step, value))) throw applicationNotFound();
      await repos.onboarding.addEvent(id, uuidv7(), {
        type: 'step_saved',
        actorKind: 'applicant',
        actorUserId: p.userId,
        detail: { step },
      });
      if (step === 'contact') {
        const email = (value as ContactStep).email;
        const code = await this.deps.contactVerification.codeForSavedContact(repos, p, app, email);
        if (code) codeFor = { email, code };
      }
    });
    const app = (await this.deps.store.repos.onboarding.findById(id))!;
    if (codeFor) await this.deps.contactVerification.mailCode(app, codeFor.email, codeFor.code);
    return app;
  }

  // Transitions ------------------------------------------------------------------------------------

  /** Submits (or resubmits) a complete application; 409 `onboarding_incomplete` listing what is missing. */
  async submit(p: Principal, id: string): Promise<ApplicationRecord> {
    await this.deps.store.transaction(async (repos) => {
      const app = await repos.onboarding.findById(id, { forUpdate: true });
      if (!app || app.applicantUserId !== p.userId) throw applicationNotFound();
      const to = requireTransition(app.status, 'submit', 'applicant');
      const missing = missingFor(app, await repos.onboarding.documents(id));
      if (missing.length) {
        throw new ConflictError('onboarding_incomplete', `The application is not complete: ${missing.join(', ')}`, {
          missing,
          errors: missing.map((m) => ({ field: m, message: 'is missing', code: 'missing' })),
        });
      }
      if (
        !(await repos.onboarding.transition(id, { applicantUserId: p.userId }, [app.status], to, {
          submittedAt: new Date(),
        }))
      )
        throw applicationNotFound();
      await repos.onboarding.addEvent(id, uuidv7(), {
        type: app.status === 'changes_requested' ? 'resubmitted' : 'submitted',
        actorKind: 'applicant',
        actorUserId: p.userId,
        fromStatus: app.status,
        toStatus: to,
      });
    });
    return (await this.deps.store.repos.onboarding.findById(id))!;
  }

  /** Rejects (final) or asks for changes (back to editable); both need a reason, which is mailed to the applicant. */
  async decide(
    p: Principal,
    id: string,
    action: 'reject' | 'request_changes',
    reason: string | undefined,
  ): Promise<ApplicationRecord> {
    if (!canReview(p)) throw new ForbiddenError('forbidden', 'Only reviewers can decide on applications');
    if (!reason)
      throw new BadRequestError('reason_required', 'Give a reason; the applicant will read it', [
        { field: 'reason', message: 'is required', code: 'reason_required' },
      ]);
    await this.deps.store.transaction(async (repos) => {
      const app = await repos.onboarding.findById(id, { forUpdate: true });
      if (!app) throw applicationNotFound();
      const to = requireTransition(app.status, action, 'admin');
      await repos.onboarding.transition(id, { anyApplicant: true }, [app.status], to, {
        reviewReason: reason,
        reviewedBy: p.userId,
        decidedAt: to === 'rejected' ? new Date() : null,
      });
      await repos.onboarding.addEvent(id, uuidv7(), {
        type: to,
        actorKind: 'admin',
        actorUserId: p.userId,
        fromStatus: app.status,
        toStatus: to,
        detail: { reason },
      });
      const payload: DecisionMailPayload = {
        applicationId: id,
        applicantUserId: app.applicantUserId,
        decision: to === 'rejected' ? 'rejected' : 'changes_requested',
        reason,
        business: app.business?.legalName ?? '',
      };
      await repos.outbox.enqueue(uuidv7(), DECISION_MAIL, { ...payload });
    });
    void this.deps.dispatcher.dispatch().catch((err: unknown) => this.deps.log.error({ err }, 'mail dispatch failed'));
    return (await this.deps.store.repos.onboarding.findById(id))!;
  }
}
