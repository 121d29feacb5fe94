import { v7 as uuidv7 } from 'uuid';
import { ForbiddenError, type Logger, type Principal } from '@petpro/kit';
import type { ApplicationRecord } from './onboarding.repository.ts';
import type { AuthClient } from '../shared/auth-client.ts';
import { DECISION_MAIL, backoffMs, type DecisionMailPayload, type OutboxDispatcher } from '../mail/outbox.service.ts';
import { canReview } from '../shared/access.ts';
import { applicationNotFound, requireTransition } from './onboarding.model.ts';
import type { ActorKind } from './state-machine.ts';
import type { ClinicStore } from '../store.ts';

export const VENDOR_ROLE = 'vendor';
/** How long a claimed approval is left to the instance working on it before another may retry it. */
const LEASE_MS = 60_000;

/**
 * Approval as a saga across this database and the auth service, never half-done:
 *
 * 1. `submitted → approving` (one transaction, with its history event). From here the application
 *    is committed to approval; nothing is visible to the applicant as approved yet.
 * 2. Create the clinic and its catalogue from the application, in one transaction that also stores
 *    `clinicId`. Idempotent: skipped when `clinicId` is set, and `clinics.onboarding_id` is unique.
 * 3. Ask the auth service to grant `vendor` (idempotent PUT).
 * 4. `approving → approved` with `decidedAt`, the history event and the decision mail in the outbox,
 *    in one transaction.
 *
 * Each step is idempotent, so the whole saga can be re-run from the top after any failure. When
 * step 3 fails (auth down, circuit open) the application stays `approving` with the error and a
 * next-attempt time; the background worker re-runs it with exponential backoff, and an admin's
 * repeated approve re-runs it at once. Nothing is compensated: approval only moves forward.
 */
export class ApprovalService {
  constructor(
    private readonly deps: {
      store: ClinicStore;
      dispatcher: OutboxDispatcher;
      auth: AuthClient;
      log: Logger;
      retryBaseMs: number;
      retryMaxMs: number;
    },
  ) {}

  /** Starts (or re-runs) the approval; resolves with the application, `approved` or still `approving`. */
  async approve(p: Principal, id: string): Promise<ApplicationRecord> {
    if (!canReview(p)) throw new ForbiddenError('forbidden', 'Only reviewers can decide on applications');
    await this.deps.store.transaction(async (repos) => {
      const app = await repos.onboarding.findById(id, { forUpdate: true });
      if (!app) throw applicationNotFound();
      const to = requireTransition(app.status, 'approve', 'admin');
      // The lease keeps the background worker off while this request runs the saga itself.
      const lease = new Date(Date.now() + LEASE_MS);
      if (app.status === 'submitted') {
        await repos.onboarding.transition(id, { anyApplicant: true }, ['submitted'], to, {
          reviewedBy: p.userId,
          reviewReason: null,
          approvalNextAttemptAt: lease,
          resetApproval: true,
        });
        await repos.onboarding.addEvent(id, uuidv7(), {
          type: 'approval_started',
          actorKind: 'admin',
          actorUserId: p.userId,
          fromStatus: 'submitted',
          toStatus: to,
        });
      } else {
        await repos.onboarding.transition(id, { anyApplicant: true }, ['approving'], to, {
          approvalNextAttemptAt: lease,
        });
      }
    });
    return this.advance(id, { kind: 'admin', userId: p.userId });
  }

  /** Runs the remaining saga steps for an application in `approving`; safe to call repeatedly and concurrently. */
  async advance(id: string, actor: { kind: ActorKind; userId: string | null }): Promise<ApplicationRecord> {
    const app = await this.ensureClinic(id, actor);
    if (app.status !== 'approving') return app;
    try {
      await this.deps.auth.grantRole(app.applicantUserId, VENDOR_ROLE);
    } catch (err) {
      const next = new Date(Date.now() + backoffMs(app.approvalAttempts, this.deps.retryBaseMs, this.deps.retryMaxMs));
      const message = (err as Error).message ?? String(err);
      this.deps.log.warn(
        { err, application: id, attempts: app.approvalAttempts + 1, next },
        'vendor role grant failed; approval will be retried',
      );
      await this.deps.store.repos.onboarding.approvalFailed(id, message, next);
      return (await this.deps.store.repos.onboarding.findById(id))!;
    }
    await this.deps.store.transaction(async (repos) => {
      const current = await repos.onboarding.findById(id, { forUpdate: true });
      if (current?.status !== 'approving') return;
      const to = requireTransition(current.status, 'complete_approval', actor.kind === 'admin' ? 'admin' : 'system');
      await repos.onboarding.transition(id, { anyApplicant: true }, ['approving'], to, {
        decidedAt: new Date(),
        approvalNextAttemptAt: null,
      });
      await repos.onboarding.addEvent(id, uuidv7(), {
        type: 'approved',
        actorKind: actor.kind,
        actorUserId: actor.userId,
        fromStatus: 'approving',
        toStatus: to,
        detail: { clinicId: current.clinicId, attempts: current.approvalAttempts + 1 },
      });
      const payload: DecisionMailPayload = {
        applicationId: id,
        applicantUserId: current.applicantUserId,
        decision: 'approved',
        reason: null,
        business: current.business?.legalName ?? '',
      };
      await repos.outbox.enqueue(uuidv7(), DECISION_MAIL, { ...payload });
    });
    void this.deps.dispatcher.dispatch().catch((err: unknown) => this.deps.log.error({ err }, 'mail dispatch failed'));
    return (await this.deps.store.repos.onboarding.findById(id))!;
  }

  /** Step 2: the clinic (unpublished) and its catalogue from the application, created exactly once. */
  private async ensureClinic(
    id: string,
    actor: { kind: ActorKind; userId: string | null },
  ): Promise<ApplicationRecord> {
    return this.deps.store.transaction(async (repos) => {
      const app = await repos.onboarding.findById(id, { forUpdate: true });
      if (!app) throw applicationNotFound();
      if (app.status !== 'approving' || app.clinicId) return app;
      const existing = await repos.clinics.findByOnboardingId(id);
      let clinicId = existing?.id;
      if (!clinicId) {
        clinicId = uuidv7();
        const loc = app.location;
        await repos.clinics.insert({
          id: clinicId,
          ownerUserId: app.applicantUserId,
          onboardingId: app.id,
          name: app.business?.legalName ?? 'Clinic',
          description: '',
          phone: app.contact?.phone ?? null,
          email: app.contact?.email ?? null,
          address: loc?.address ?? null,
          city: loc?.city ?? null,
          province: loc?.province ?? null,
          location: loc?.location ?? null,
          timeZone: loc?.timeZone ?? 'Asia/Jakarta',
          published: false,
        });
        for (const s of app.services?.services ?? []) {
          await repos.catalogue.insert(clinicId, uuidv7(), {
            name: s.name,
            category: s.category,
            description: '',
            price: s.price,
            durationMinutes: s.durationMinutes,
            bufferMinutes: 0,
            species: [],
            active: true,
          });
        }
        await repos.clinics.refreshDerived(clinicId);
      }
      await repos.onboarding.setClinicId(id, clinicId);
      await repos.onboarding.addEvent(id, uuidv7(), {
        type: 'clinic_created',
        actorKind: actor.kind,
        actorUserId: actor.userId,
        detail: { clinicId },
      });
      return (await repos.onboarding.findById(id))!;
    });
  }

  /** One pass of the background retry: advances every approval whose next attempt is due. */
  async retryDue(): Promise<number> {
    const ids = await this.deps.store.repos.onboarding.claimDueApprovals(10, LEASE_MS);
    for (const id of ids) {
      try {
        await this.advance(id, { kind: 'system', userId: null });
      } catch (err) {
        this.deps.log.error({ err, application: id }, 'approval retry failed');
      }
    }
    return ids.length;
  }
}
