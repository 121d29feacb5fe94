import type { Store } from '@petpro/kit';
import type { Kysely } from 'kysely';
import type { DB } from './db.ts';
import { ClinicsRepository } from './clinics/clinics.repository.ts';
import { SearchRepository } from './search/search.repository.ts';
import { CatalogueRepository } from './catalogue/catalogue.repository.ts';
import { StaffRepository } from './staff/staff.repository.ts';
import { InvitationsRepository } from './staff/invitations.repository.ts';
import { OnboardingRepository } from './onboarding/onboarding.repository.ts';
import { OutboxRepository } from './mail/outbox.repository.ts';
import { AvailabilityEventsRepository } from './events/availability-events.ts';

/** Every repository of the service over one connection or transaction. */
export interface Repositories {
  clinics: ClinicsRepository;
  search: SearchRepository;
  catalogue: CatalogueRepository;
  staff: StaffRepository;
  invitations: InvitationsRepository;
  onboarding: OnboardingRepository;
  outbox: OutboxRepository;
  events: AvailabilityEventsRepository;
}

/** Builds the repositories on one executor: the pool, or a transaction (the kit's Store decides which). */
export function repositoriesOver(db: Kysely<DB>): Repositories {
  return {
    clinics: new ClinicsRepository(db),
    search: new SearchRepository(db),
    catalogue: new CatalogueRepository(db),
    staff: new StaffRepository(db),
    invitations: new InvitationsRepository(db),
    onboarding: new OnboardingRepository(db),
    outbox: new OutboxRepository(db),
    events: new AvailabilityEventsRepository(db),
  };
}

/** The clinic service's store: `repos` for plain reads, `transaction(fn)` so a change and its history commit as one. */
export type ClinicStore = Store<Repositories>;
