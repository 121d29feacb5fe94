import type { Store } from '@petpro/kit';
import type { Kysely } from 'kysely';
import type { DB } from './db.ts';
import { SchedulesRepository } from './schedules/schedules.repository.ts';
import { BookingsRepository } from './bookings/bookings.repository.ts';
import { IdempotencyRepository } from './bookings/idempotency.repository.ts';
import { OutboxRepository } from './outbox/outbox.repository.ts';
import { NotificationsRepository } from './notifications/notifications.repository.ts';
import { RealtimeRepository } from './realtime/realtime.repository.ts';
import { RemindersRepository } from './reminders/reminders.repository.ts';

/** Every repository of the service over one connection or transaction. */
export interface Repositories {
  schedules: SchedulesRepository;
  bookings: BookingsRepository;
  idempotency: IdempotencyRepository;
  outbox: OutboxRepository;
  notifications: NotificationsRepository;
  realtime: RealtimeRepository;
  reminders: RemindersRepository;
}

/** Builds the repositories on one executor: the pool, or a transaction (the kit's Store decides which). */
export function repositoriesOver(db: Kysely<DB>): Repositories {
  return {
    schedules: new SchedulesRepository(db),
    bookings: new BookingsRepository(db),
    idempotency: new IdempotencyRepository(db),
    outbox: new OutboxRepository(db),
    notifications: new NotificationsRepository(db),
    realtime: new RealtimeRepository(db),
    reminders: new RemindersRepository(db),
  };
}

/**
 * The booking service's store: `repos` for plain reads, `transaction(fn)` so a change and its outbox event commit
 * together.
 */
export type BookingStore = Store<Repositories>;
