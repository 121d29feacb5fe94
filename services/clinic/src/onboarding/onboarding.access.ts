import type { Principal } from '@petpro/kit';
import { canReview } from '../shared/access.ts';
import type { ClinicStore } from '../store.ts';
import type { ApplicationRecord } from './onboarding.repository.ts';
import { applicationNotFound, assertEditable } from './onboarding.model.ts';

/** Who may see or change an application; shared by the onboarding, contact verification and documents services. */
export class OnboardingAccess {
  constructor(private readonly store: ClinicStore) {}

  /** An application its applicant or a reviewer may see; 404 for anyone else (its existence is private). */
  async visible(p: Principal, id: string): Promise<ApplicationRecord> {
    const app = await this.store.repos.onboarding.findById(id);
    if (!app || (app.applicantUserId !== p.userId && !canReview(p))) throw applicationNotFound();
    return app;
  }

  /** The caller's own application, still editable (draft or changes requested); 409 otherwise. */
  async editableOwn(p: Principal, id: string): Promise<ApplicationRecord> {
    const app = await this.store.repos.onboarding.findById(id);
    if (!app || app.applicantUserId !== p.userId) throw applicationNotFound();
    assertEditable(app);
    return app;
  }
}
