import type { Store } from '@petpro/kit';
import type { Kysely } from 'kysely';
import type { DB } from './db.ts';
import { ProfilesRepository } from './profiles/profiles.repository.ts';
import { ImagesRepository } from './media/images.repository.ts';
import { PetsRepository } from './pets/pets.repository.ts';
import { MedicalRecordsRepository } from './medical-records/medical-records.repository.ts';
import { PreferencesRepository } from './preferences/preferences.repository.ts';
import { FavouritesRepository } from './favourites/favourites.repository.ts';
import { PushSubscriptionsRepository } from './push/push.repository.ts';
import { CareEventsRepository } from './events/care-events.ts';

/** Every repository of the service over one connection or transaction. */
export interface Repositories {
  profiles: ProfilesRepository;
  images: ImagesRepository;
  pets: PetsRepository;
  medicalRecords: MedicalRecordsRepository;
  preferences: PreferencesRepository;
  favourites: FavouritesRepository;
  pushSubscriptions: PushSubscriptionsRepository;
  /** The care events feed (booking's care reminders follow it); written only inside a change's transaction. */
  events: CareEventsRepository;
}

/** Builds the repositories on one executor: the pool, or a transaction (the kit's Store decides which). */
export function repositoriesOver(db: Kysely<DB>): Repositories {
  return {
    profiles: new ProfilesRepository(db),
    images: new ImagesRepository(db),
    pets: new PetsRepository(db),
    medicalRecords: new MedicalRecordsRepository(db),
    preferences: new PreferencesRepository(db),
    favourites: new FavouritesRepository(db),
    pushSubscriptions: new PushSubscriptionsRepository(db),
    events: new CareEventsRepository(db),
  };
}

/** The user service's store: `repos` for plain reads, `transaction(fn)` for a read-check-write that must hold. */
export type UserStore = Store<Repositories>;
