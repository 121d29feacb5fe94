import { createHash, createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import type { Readable } from 'node:stream';
import { v7 as uuidv7 } from 'uuid';
import { fileTypeFromBuffer } from 'file-type';
import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  TooManyRequestsError,
  UnsupportedMediaTypeError,
  hasPermission,
  inspectImage,
  type Logger,
  type Mailer,
  type Principal,
  type WindowQuota,
} from '@petpro/kit';
import type { ApplicationRecord, ContactCodeRecord, DocumentRecord, EventRecord } from './onboarding.repository.ts';
import type { BusinessStep, ContactStep, LocationStep, ServicesStep, StepValue } from './onboarding.schemas.ts';
import {
  allowedFrom,
  isEditable,
  missingItems,
  nextStatus,
  type Action,
  type ActorKind,
  type DocumentType,
  type Status,
  type Step,
} from './state-machine.ts';
import { formatNpwp } from './npwp.ts';
import { canReview } from '../shared/access.ts';
import type { FileStore } from '../shared/storage.ts';
import type { AuthClient } from '../shared/auth-client.ts';
import { DECISION_MAIL, type DecisionMailPayload, type OutboxDispatcher } from '../mail/outbox.service.ts';
import { templates } from '../mail/templates.ts';
import type { MailQuota } from '../mail/mail-quota.ts';
import type { ClinicStore, Repositories } from '../store.ts';

/** File types accepted as onboarding documents, judged from the bytes (never the name or the declared type). */
const DOCUMENT_MIME: Record<string, string> = { 'application/pdf': 'pdf', 'image/jpeg': 'jpg', 'image/png': 'png' };

export interface OnboardingConfig {
  documentMaxCount: number;
  codeTtlMinutes: number;
  codeMaxAttempts: number;
  codeResendSeconds: number;
  codeSecret: string;
}

export interface DocumentDto {
  id: string;
  type: string;
  fileName: string;
  contentType: string;
  sizeBytes: number;
  uploadedAt: string;
  url: string;
}

export interface EventDto {
  id: string;
  at: string;
  type: string;
  actor: { kind: ActorKind; userId: string | null };
  fromStatus: string | null;
  toStatus: string | null;
  detail: Record<string, unknown>;
}

export interface ApplicationDto {
  id: string;
  applicantUserId: string;
  status: Status;
  steps: {
    business: (Omit<BusinessStep, 'taxId'> & { taxId: string }) | null;
    contact: ContactStep | null;
    location: LocationStep | null;
    services: ServicesStep | null;
  };
  contactVerified: boolean;
  documents: DocumentDto[];
  missing: string[];
  reviewReason: string | null;
  clinicId: string | null;
  approval: { attempts: number; lastError: string | null; nextAttemptAt: string | null } | null;
  submittedAt: string | null;
  decidedAt: string | null;
  createdAt: string;
  updatedAt: string;
  history?: EventDto[];
}

export interface QueueItemDto {
  id: string;
  applicantUserId: string;
  status: Status;
  legalName: string | null;
  businessType: string | null;
  city: string | null;
  submittedAt: string | null;
  createdAt: string;
  waitingHours: number;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** True when `code` was sent to `email` and can still be used. */
function isLive(code: ContactCodeRecord | undefined, email: string, now = Date.now()): boolean {
  return !!code && code.email === email && code.attemptsLeft > 0 && code.expiresAt.getTime() > now;
}

/** True when the contact step's address is the one that was verified. */
export function contactVerified(app: ApplicationRecord): boolean {
  return !!app.contact && !!app.contactVerifiedEmail && app.contactVerifiedEmail === app.contact.email;
}

/** What the application still lacks before it can be submitted. */
export function missingFor(app: ApplicationRecord, documents: readonly { type: string }[]): string[] {
  return missingItems({
    steps: { business: !!app.business, contact: !!app.contact, location: !!app.location, services: !!app.services },
    businessType: app.business?.businessType,
    documentTypes: documents.map((d) => d.type),
    contactVerified: contactVerified(app),
  });
}

/**
 * Vendor onboarding: the applicant's steps, documents, contact verification and submission, and the
 * admin's review decisions other than approval (see approval.service.ts). Every status change runs
 * in a transaction with a row lock and writes its history event in that same transaction.
 */
export class OnboardingService {
  constructor(
    private readonly deps: {
      store: ClinicStore;
      dispatcher: OutboxDispatcher;
      files: FileStore;
      auth: AuthClient;
      mailer: Mailer;
      log: Logger;
      config: OnboardingConfig;
      uploads: { maxPixels: number; quota: Pick<WindowQuota, 'consume'> };
      mailQuota: Pick<MailQuota, 'consume'>;
    },
  ) {}

  // Access -----------------------------------------------------------------------------------------

  /** An application its applicant or a reviewer may see; 404 for anyone else (its existence is private). */
  async visible(p: Principal, id: string): Promise<ApplicationRecord> {
    const app = await this.deps.store.repos.onboarding.findById(id);
    if (!app || (app.applicantUserId !== p.userId && !canReview(p)))
      throw new NotFoundError('onboarding_not_found', 'No such application');
    return app;
  }

  /** The caller's own application, still editable (draft or changes requested); 409 otherwise. */
  private async editableOwn(p: Principal, id: string): Promise<ApplicationRecord> {
    const app = await this.deps.store.repos.onboarding.findById(id);
    if (!app || app.applicantUserId !== p.userId)
      throw new NotFoundError('onboarding_not_found', 'No such application');
    assertEditable(app);
    return app;
  }

  // DTOs -------------------------------------------------------------------------------------------

  private documentDto(d: DocumentRecord): DocumentDto {
    return {
      id: d.id,
      type: d.type,
      fileName: d.fileName,
      contentType: d.contentType,
      sizeBytes: d.sizeBytes,
      uploadedAt: d.createdAt.toISOString(),
      url: `/api/v1/vendor/onboarding/${d.applicationId}/documents/${d.id}`,
    };
  }

  /** The application as its applicant or a reviewer sees it; `withHistory` adds the transitions (admin ids only for reviewers). */
  async toDto(p: Principal | undefined, app: ApplicationRecord, withHistory = false): Promise<ApplicationDto> {
    const docs = await this.deps.store.repos.onboarding.documents(app.id);
    const dto: ApplicationDto = {
      id: app.id,
      applicantUserId: app.applicantUserId,
      status: app.status,
      steps: {
        business: app.business && { ...app.business, taxId: formatNpwp(app.business.taxId) },
        contact: app.contact,
        location: app.location,
        services: app.services,
      },
      contactVerified: contactVerified(app),
      documents: docs.map((d) => this.documentDto(d)),
      missing: isEditable(app.status) ? missingFor(app, docs) : [],
      reviewReason: app.reviewReason,
      clinicId: app.clinicId,
      approval:
        app.status === 'approving'
          ? {
              attempts: app.approvalAttempts,
              lastError: app.approvalLastError,
              nextAttemptAt: iso(app.approvalNextAttemptAt),
            }
          : null,
      submittedAt: iso(app.submittedAt),
      decidedAt: iso(app.decidedAt),
      createdAt: app.createdAt.toISOString(),
      updatedAt: app.updatedAt.toISOString(),
    };
    if (withHistory) {
      const reviewer = canReview(p);
      dto.history = (await this.deps.store.repos.onboarding.events(app.id)).map((e: EventRecord) => ({
        id: e.id,
        at: e.at.toISOString(),
        type: e.type,
        actor: { kind: e.actorKind, userId: reviewer || e.actorKind === 'applicant' ? e.actorUserId : null },
        fromStatus: e.fromStatus,
        toStatus: e.toStatus,
        detail: e.detail,
      }));
    }
    return dto;
  }

  queueItem(app: ApplicationRecord, now = new Date()): QueueItemDto {
    const since = app.submittedAt ?? app.createdAt;
    return {
      id: app.id,
      applicantUserId: app.applicantUserId,
      status: app.status,
      legalName: app.business?.legalName ?? null,
      businessType: app.business?.businessType ?? null,
      city: app.location?.city ?? null,
      submittedAt: iso(app.submittedAt),
      createdAt: app.createdAt.toISOString(),
      waitingHours: Math.round(((now.getTime() - since.getTime()) / 3_600_000) * 10) / 10,
    };
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
      if (!app || app.applicantUserId !== p.userId)
        throw new NotFoundError('onboarding_not_found', 'No such application');
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
        if (email !== app.contactVerifiedEmail) {
          await repos.onboarding.setContactVerified(id, p.userId, null);
          const current = await repos.onboarding.findContactCode(id, { forUpdate: true });
          if (!isLive(current, email)) {
            await this.assertMayMailCode(p, current, email);
            codeFor = { email, code: await this.issueCode(repos, id, email) };
          }
        }
      }
    });
    const app = (await this.deps.store.repos.onboarding.findById(id))!;
    if (codeFor) await this.mailCode(app, codeFor.email, codeFor.code);
    return app;
  }

  /** 429 `resend_too_soon` within the cooldown of the last code, 429 `mail_limit_reached` past the caps. */
  private async assertMayMailCode(p: Principal, current: ContactCodeRecord | undefined, email: string): Promise<void> {
    const wait = current ? current.sentAt.getTime() + this.deps.config.codeResendSeconds * 1000 - Date.now() : 0;
    if (wait > 0)
      throw new TooManyRequestsError(
        wait / 1000,
        'resend_too_soon',
        'A code was sent a moment ago; wait before asking for another',
      );
    await this.deps.mailQuota.consume(p.userId, email);
  }

  /** A new 6-digit code for `email`; only its keyed hash is stored. */
  private async issueCode(repos: Repositories, applicationId: string, email: string): Promise<string> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const now = new Date();
    await repos.onboarding.saveContactCode({
      applicationId,
      email,
      codeHash: this.codeHash(applicationId, email, code),
      expiresAt: new Date(now.getTime() + this.deps.config.codeTtlMinutes * 60_000),
      attemptsLeft: this.deps.config.codeMaxAttempts,
      sentAt: now,
    });
    await repos.onboarding.addEvent(applicationId, uuidv7(), {
      type: 'contact_code_sent',
      actorKind: 'system',
      actorUserId: null,
      detail: { email },
    });
    return code;
  }

  /** HMAC with a server secret: a leaked table does not let anyone try the million codes offline. */
  private codeHash(applicationId: string, email: string, code: string): string {
    return createHmac('sha256', this.deps.config.codeSecret)
      .update(`${applicationId}\n${email}\n${code}`)
      .digest('hex');
  }

  /** Mails the code in the applicant's language; a mail failure is logged (the applicant can ask for a resend). */
  private async mailCode(app: ApplicationRecord, email: string, code: string): Promise<void> {
    let lang: 'id' | 'en' = 'id';
    try {
      lang = (await this.deps.auth.getUser(app.applicantUserId))?.language ?? 'id';
    } catch (err) {
      this.deps.log.warn({ err }, 'could not read the applicant language; mailing in Bahasa Indonesia');
    }
    const mail = templates.contactCode(lang, { code, minutes: this.deps.config.codeTtlMinutes });
    try {
      await this.deps.mailer.send({ to: email, ...mail, outboxHint: `contact code ${code}` });
    } catch (err) {
      this.deps.log.error({ err, application: app.id }, 'contact verification mail failed');
    }
  }

  /** Mails a new code to the current contact address; 429 when asked again too soon. */
  async resendCode(p: Principal, id: string): Promise<void> {
    const app = await this.editableOwn(p, id);
    if (!app.contact) throw new ConflictError('contact_step_missing', 'Save the contact step first');
    if (contactVerified(app))
      throw new ConflictError('contact_already_verified', 'The contact address is already verified');
    const email = app.contact.email;
    const code = await this.deps.store.transaction(async (repos) => {
      await this.assertMayMailCode(p, await repos.onboarding.findContactCode(id, { forUpdate: true }), email);
      return this.issueCode(repos, id, email);
    });
    await this.mailCode(app, email, code);
  }

  /** Checks the mailed code: limited tries, expiry, and bound to the address it was sent to. */
  async verifyCode(p: Principal, id: string, code: string): Promise<ApplicationRecord> {
    const app = await this.editableOwn(p, id);
    if (!app.contact) throw new ConflictError('contact_step_missing', 'Save the contact step first');
    if (contactVerified(app)) return app;
    const email = app.contact.email;
    const outcome = await this.deps.store.transaction(async (repos) => {
      const current = await repos.onboarding.findContactCode(id, { forUpdate: true });
      if (!current || current.email !== email || current.attemptsLeft <= 0) return 'no_code' as const;
      if (current.expiresAt.getTime() <= Date.now()) return 'expired' as const;
      const expected = Buffer.from(current.codeHash, 'hex');
      const given = Buffer.from(this.codeHash(id, email, code), 'hex');
      if (!timingSafeEqual(expected, given)) {
        await repos.onboarding.spendContactAttempt(id);
        return current.attemptsLeft - 1;
      }
      await repos.onboarding.deleteContactCode(id);
      if (!(await repos.onboarding.setContactVerified(id, p.userId, email))) throw applicationNotFound();
      await repos.onboarding.addEvent(id, uuidv7(), {
        type: 'contact_verified',
        actorKind: 'applicant',
        actorUserId: p.userId,
        detail: { email },
      });
      return 'ok' as const;
    });
    if (outcome === 'no_code')
      throw new BadRequestError('code_invalid', 'There is no valid code for this address; ask for a new one');
    if (outcome === 'expired') throw new BadRequestError('code_expired', 'The code has expired; ask for a new one');
    if (typeof outcome === 'number') {
      throw new BadRequestError(
        'code_invalid',
        outcome > 0
          ? `The code is not right; ${outcome} tries left`
          : 'The code is not right and no tries are left; ask for a new one',
        [{ field: 'code', message: 'is not right', code: 'code_invalid' }],
      );
    }
    return (await this.deps.store.repos.onboarding.findById(id))!;
  }

  // Documents --------------------------------------------------------------------------------------

  /** Stores a document privately; 415 unless its bytes are PDF, JPEG or PNG. Applicant (or a reviewer) while editable. */
  async addDocument(
    p: Principal,
    id: string,
    type: DocumentType,
    file: { buffer: Buffer; originalName: string },
  ): Promise<DocumentDto> {
    const app = await this.visible(p, id);
    assertEditable(app);
    await this.deps.uploads.quota.consume(`upload:${p.userId}`);
    const detected = await fileTypeFromBuffer(file.buffer);
    const ext = detected && DOCUMENT_MIME[detected.mime];
    if (!detected || !ext) throw new UnsupportedMediaTypeError('Documents must be PDF, JPEG or PNG files');
    // A scanned page is kept as sent, but its header must not announce a picture too large to ever view.
    if (detected.mime !== 'application/pdf')
      await inspectImage(file.buffer, { maxPixels: this.deps.uploads.maxPixels, accepted: [detected.mime] });
    const docId = uuidv7();
    const storageKey = `documents/${id}/${docId}.${ext}`;
    const record: DocumentRecord = {
      id: docId,
      applicationId: id,
      type,
      fileName: safeFileName(file.originalName, `${type}.${ext}`),
      contentType: detected.mime,
      sizeBytes: file.buffer.length,
      sha256: createHash('sha256').update(file.buffer).digest('hex'),
      storageKey,
      uploadedBy: p.userId,
      createdAt: new Date(),
    };
    await this.deps.files.put(storageKey, file.buffer);
    try {
      await this.deps.store.transaction(async (repos) => {
        const locked = await repos.onboarding.findById(id, { forUpdate: true });
        if (!locked) throw new NotFoundError('onboarding_not_found', 'No such application');
        assertEditable(locked);
        if ((await repos.onboarding.documents(id)).length >= this.deps.config.documentMaxCount)
          throw new ConflictError(
            'too_many_documents',
            `An application can hold at most ${this.deps.config.documentMaxCount} documents`,
          );
        await repos.onboarding.addDocument(record);
        await repos.onboarding.addEvent(id, uuidv7(), {
          type: 'document_uploaded',
          actorKind: actorKindOf(p, app),
          actorUserId: p.userId,
          detail: { documentId: docId, type, sizeBytes: record.sizeBytes },
        });
      });
    } catch (err) {
      await this.deps.files.remove(storageKey);
      throw err;
    }
    return this.documentDto(record);
  }

  /** A document's bytes, for its applicant and reviewers only (404 for anyone else). */
  async openDocument(p: Principal, id: string, docId: string): Promise<{ doc: DocumentDto; stream: Readable }> {
    await this.visible(p, id);
    const doc = (await this.deps.store.repos.onboarding.documents(id)).find((d) => d.id === docId);
    const stream = doc && (await this.deps.files.open(doc.storageKey));
    if (!doc || !stream) throw new NotFoundError('document_not_found', 'No such document');
    return { doc: this.documentDto(doc), stream };
  }

  async deleteDocument(p: Principal, id: string, docId: string): Promise<void> {
    const app = await this.visible(p, id);
    assertEditable(app);
    const doc = (await this.deps.store.repos.onboarding.documents(id)).find((d) => d.id === docId);
    if (!doc) throw new NotFoundError('document_not_found', 'No such document');
    await this.deps.store.transaction(async (repos) => {
      const locked = await repos.onboarding.findById(id, { forUpdate: true });
      if (!locked) throw new NotFoundError('onboarding_not_found', 'No such application');
      assertEditable(locked);
      if (!(await repos.onboarding.deleteDocument(id, docId)))
        throw new NotFoundError('document_not_found', 'No such document');
      await repos.onboarding.addEvent(id, uuidv7(), {
        type: 'document_deleted',
        actorKind: actorKindOf(p, app),
        actorUserId: p.userId,
        detail: { documentId: docId, type: doc.type },
      });
    });
    await this.deps.files.remove(doc.storageKey);
  }

  // Transitions ------------------------------------------------------------------------------------

  /** Submits (or resubmits) a complete application; 409 `onboarding_incomplete` listing what is missing. */
  async submit(p: Principal, id: string): Promise<ApplicationRecord> {
    await this.deps.store.transaction(async (repos) => {
      const app = await repos.onboarding.findById(id, { forUpdate: true });
      if (!app || app.applicantUserId !== p.userId)
        throw new NotFoundError('onboarding_not_found', 'No such application');
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
      if (!app) throw new NotFoundError('onboarding_not_found', 'No such application');
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

/** 409 `onboarding_not_editable` unless the application is a draft or has changes requested. */
export function assertEditable(app: ApplicationRecord): void {
  if (!isEditable(app.status))
    throw new ConflictError('onboarding_not_editable', `The application is ${app.status} and cannot be changed now`, {
      status: app.status,
    });
}

/** The next status for an action, or 409 `invalid_transition` naming the statuses it is allowed from. */
export function requireTransition(from: Status, action: Action, actor: ActorKind): Status {
  const to = nextStatus(from, action, actor);
  if (!to)
    throw new ConflictError('invalid_transition', `Cannot ${action.replace('_', ' ')} an application that is ${from}`, {
      status: from,
      allowedFrom: allowedFrom(action),
    });
  return to;
}

const applicationNotFound = () => new NotFoundError('onboarding_not_found', 'No such application');

function actorKindOf(p: Principal, app: ApplicationRecord): ActorKind {
  return p.userId === app.applicantUserId ? 'applicant' : 'admin';
}

/** A display file name that is safe in a Content-Disposition header; the stored name is generated. */
export function safeFileName(name: string, fallback: string): string {
  const base = name.split(/[\\/]/).pop() ?? '';
  const cleaned = base
    .replace(/[^A-Za-z0-9._ -]/g, '_')
    .replace(/^[.\s]+/, '')
    .slice(0, 100)
    .trim();
  return cleaned || fallback;
}
