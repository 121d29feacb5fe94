/**
 * The onboarding state machine, pure: which transitions exist, who may take them, and what an
 * application still lacks before it can be submitted.
 *
 *   draft ──submit──▶ submitted ──approve──▶ approving ──(clinic + vendor role)──▶ approved
 *                        │  ▲                    │  ▲
 *                        │  └─────resubmit───┐   └──┘ retry until the auth service answers
 *                        ├──request_changes──▶ changes_requested
 *                        └──reject──▶ rejected
 */
export const STATUSES = ['draft', 'submitted', 'changes_requested', 'approving', 'approved', 'rejected'] as const;
export type Status = (typeof STATUSES)[number];

export const ACTIONS = ['submit', 'approve', 'complete_approval', 'reject', 'request_changes'] as const;
export type Action = (typeof ACTIONS)[number];

export type ActorKind = 'applicant' | 'admin' | 'system';

interface Transition {
  from: readonly Status[];
  to: Status;
  by: readonly ActorKind[];
}

const TRANSITIONS: Record<Action, Transition> = {
  submit: { from: ['draft', 'changes_requested'], to: 'submitted', by: ['applicant'] },
  // `approving` → `approving` is the retry of an approval whose saga has not finished.
  approve: { from: ['submitted', 'approving'], to: 'approving', by: ['admin'] },
  complete_approval: { from: ['approving'], to: 'approved', by: ['admin', 'system'] },
  reject: { from: ['submitted'], to: 'rejected', by: ['admin'] },
  request_changes: { from: ['submitted'], to: 'changes_requested', by: ['admin'] },
};

/** The status after `action`, or undefined when the action is not allowed from `from` for that actor. */
export function nextStatus(from: Status, action: Action, actor: ActorKind): Status | undefined {
  const t = TRANSITIONS[action];
  return t.from.includes(from) && t.by.includes(actor) ? t.to : undefined;
}

/** The statuses from which `action` is possible (for error messages). */
export function allowedFrom(action: Action): readonly Status[] {
  return TRANSITIONS[action].from;
}

/** Whether the applicant may still change steps and documents. */
export function isEditable(status: Status): boolean {
  return status === 'draft' || status === 'changes_requested';
}

export const STEPS = ['business', 'contact', 'location', 'services'] as const;
export type Step = (typeof STEPS)[number];

export const DOCUMENT_TYPES = ['business_licence', 'tax_registration', 'vet_licence'] as const;
export type DocumentType = (typeof DOCUMENT_TYPES)[number];

export const BUSINESS_TYPES = ['clinic', 'grooming', 'boarding', 'petshop', 'other'] as const;
export type BusinessType = (typeof BUSINESS_TYPES)[number];

/** Documents an application needs: a vet practice licence only for veterinary clinics. */
export function requiredDocuments(businessType: BusinessType | undefined): DocumentType[] {
  return businessType === 'clinic'
    ? ['business_licence', 'tax_registration', 'vet_licence']
    : ['business_licence', 'tax_registration'];
}

export interface CompletenessInput {
  steps: Partial<Record<Step, boolean>>;
  businessType?: BusinessType;
  documentTypes: readonly string[];
  contactVerified: boolean;
}

/**
 * What is still missing before submission, as stable strings: `step:business`, `document:vet_licence`,
 * `contact_verification`. Empty when the application is complete.
 */
export function missingItems(input: CompletenessInput): string[] {
  const missing: string[] = [];
  for (const step of STEPS) if (!input.steps[step]) missing.push(`step:${step}`);
  const have = new Set(input.documentTypes);
  for (const doc of requiredDocuments(input.businessType)) if (!have.has(doc)) missing.push(`document:${doc}`);
  if (!input.contactVerified) missing.push('contact_verification');
  return missing;
}
