import type { ApplicationRecord, DocumentRecord, EventRecord } from './onboarding.repository.ts';
import type { ApplicationView, DocumentView, EventView, QueueItemView } from './onboarding.schemas.ts';
import { contactVerified, missingFor } from './onboarding.model.ts';
import { isEditable } from './state-machine.ts';
import { formatNpwp } from './npwp.ts';

/** An application with what its view shows besides the record. */
export interface ApplicationDetails {
  app: ApplicationRecord;
  documents: DocumentRecord[];
  /** The transitions, when the view includes them. */
  events?: EventRecord[];
  /** Reviewers see the admins' ids in the history; applicants only their own. */
  reviewer: boolean;
}

const iso = (d: Date | null) => (d ? d.toISOString() : null);

/** A stored document; its bytes are at `url`, for its applicant and reviewers only. */
export function toDocumentView(d: DocumentRecord): DocumentView {
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

function toEventView(e: EventRecord, reviewer: boolean): EventView {
  return {
    id: e.id,
    at: e.at.toISOString(),
    type: e.type,
    actor: { kind: e.actorKind, userId: reviewer || e.actorKind === 'applicant' ? e.actorUserId : null },
    fromStatus: e.fromStatus,
    toStatus: e.toStatus,
    detail: e.detail,
  };
}

/** The application as its applicant or a reviewer sees it, with its history when `events` are given. */
export function toApplicationView({ app, documents, events, reviewer }: ApplicationDetails): ApplicationView {
  return {
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
    documents: documents.map(toDocumentView),
    missing: isEditable(app.status) ? missingFor(app, documents) : [],
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
    ...(events ? { history: events.map((e) => toEventView(e, reviewer)) } : {}),
  };
}

/** One line of the review queue; `waitingHours` since submission (else creation), to a tenth. */
export function toQueueItemView(app: ApplicationRecord, now = new Date()): QueueItemView {
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
