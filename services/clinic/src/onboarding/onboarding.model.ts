import { ConflictError, NotFoundError, type Principal } from '@petpro/kit';
import type { ApplicationRecord } from './onboarding.repository.ts';
import {
  allowedFrom,
  isEditable,
  missingItems,
  nextStatus,
  type Action,
  type ActorKind,
  type Status,
} from './state-machine.ts';

/** Rules on an application record shared by the onboarding services (the status machine itself is state-machine.ts). */

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

export const applicationNotFound = () => new NotFoundError('onboarding_not_found', 'No such application');

/** Who acts on an application in its history: its applicant, or else a reviewer. */
export function actorKindOf(p: Principal, app: ApplicationRecord): ActorKind {
  return p.userId === app.applicantUserId ? 'applicant' : 'admin';
}
