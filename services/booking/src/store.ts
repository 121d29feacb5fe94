import { withTransaction } from '@petpro/kit';
import type { Kysely } from 'kysely';
import type { DB } from './db.ts';
import { SchedulesRepository } from './schedules/schedules.repository.ts';
import { BookingsRepository } from './bookings/bookings.repository.ts';
import { IdempotencyRepository } from './bookings/idempotency.repository.ts';
import { OutboxRepository } from './outbox/outbox.repository.ts';

/** Every repository of the service over one connection or transaction. */
export interface Repositories {
  schedules: SchedulesRepository;
  bookings: BookingsRepository;
  idempotency: IdempotencyRepository;
  outbox: OutboxRepository;
}

function repositoriesOver(db: Kysely<DB>): Repositories {
  return {
    schedules: new SchedulesRepository(db),
    bookings: new BookingsRepository(db),
    idempotency: new IdempotencyRepository(db),
    outbox: new OutboxRepository(db),
  };
}

/**
 * Repositories for plain reads, and a unit of work: `transaction` hands out the same repositories
 * bound to one transaction, so a change and its outbox event commit together or not at all.
 */
export class Store {
  readonly repos: Repositories;

  constructor(private readonly db: Kysely<DB>) {
    this.repos = repositoriesOver(db);
  }

  transaction<T>(fn: (repos: Repositories) => Promise<T>): Promise<T> {
    return withTransaction(this.db, (trx) => fn(repositoriesOver(trx)));
  }
}
