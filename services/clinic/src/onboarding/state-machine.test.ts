import { describe, expect, it } from 'vitest';
import {
  ACTIONS,
  STATUSES,
  isEditable,
  missingItems,
  nextStatus,
  requiredDocuments,
  type Action,
  type ActorKind,
  type Status,
} from './state-machine.ts';

describe('onboarding transitions', () => {
  it('follows draft → submitted → approving → approved', () => {
    expect(nextStatus('draft', 'submit', 'applicant')).toBe('submitted');
    expect(nextStatus('submitted', 'approve', 'admin')).toBe('approving');
    expect(nextStatus('approving', 'complete_approval', 'system')).toBe('approved');
  });

  it('sends back for changes and takes a resubmission', () => {
    expect(nextStatus('submitted', 'request_changes', 'admin')).toBe('changes_requested');
    expect(nextStatus('changes_requested', 'submit', 'applicant')).toBe('submitted');
    expect(nextStatus('submitted', 'reject', 'admin')).toBe('rejected');
  });

  it('lets an approval be retried while it is approving', () => {
    expect(nextStatus('approving', 'approve', 'admin')).toBe('approving');
  });

  it('allows nothing from approved or rejected, and nothing out of turn', () => {
    const all: Array<[Status, Action, ActorKind]> = [];
    for (const s of STATUSES)
      for (const a of ACTIONS) for (const k of ['applicant', 'admin', 'system'] as const) all.push([s, a, k]);
    const allowed = all.filter(([s, a, k]) => nextStatus(s, a, k) !== undefined).map((t) => t.join(' '));
    expect(allowed.sort()).toEqual(
      [
        'approving approve admin',
        'approving complete_approval admin',
        'approving complete_approval system',
        'changes_requested submit applicant',
        'draft submit applicant',
        'submitted approve admin',
        'submitted reject admin',
        'submitted request_changes admin',
      ].sort(),
    );
  });

  it('is editable only as a draft or with changes requested', () => {
    expect(STATUSES.filter(isEditable)).toEqual(['draft', 'changes_requested']);
  });
});

describe('completeness', () => {
  it('names every missing step, document and the contact verification', () => {
    expect(missingItems({ steps: {}, documentTypes: [], contactVerified: false })).toEqual([
      'step:business',
      'step:contact',
      'step:location',
      'step:services',
      'document:business_licence',
      'document:tax_registration',
      'contact_verification',
    ]);
  });

  it('needs a vet licence only for clinics', () => {
    const base = {
      steps: { business: true, contact: true, location: true, services: true },
      documentTypes: ['business_licence', 'tax_registration'],
      contactVerified: true,
    };
    expect(missingItems({ ...base, businessType: 'grooming' })).toEqual([]);
    expect(missingItems({ ...base, businessType: 'clinic' })).toEqual(['document:vet_licence']);
    expect(requiredDocuments('clinic')).toContain('vet_licence');
  });
});
