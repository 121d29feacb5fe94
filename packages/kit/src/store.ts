import type { Kysely } from 'kysely';

/**
 * A service's repositories and its unit of work. `repos` run on the pool (plain reads, single
 * statements); `transaction(fn)` hands `fn` the same repositories bound to one transaction, which
 * commits when `fn` resolves and rolls back when it throws. Services open transactions, never
 * repositories: a repository runs on whatever executor it was built with, so it cannot step outside
 * the transaction it was handed (an optional `db = this.db` parameter, forgotten once, silently did).
 */
export interface Store<R> {
  readonly repos: R;
  transaction<T>(fn: (repos: R) => Promise<T>): Promise<T>;
}

/** The store over `db`; `repositoriesOver` builds every repository of the service on one executor. */
export function createStore<DB, R>(db: Kysely<DB>, repositoriesOver: (db: Kysely<DB>) => R): Store<R> {
  return {
    repos: repositoriesOver(db),
    transaction: (fn) => db.transaction().execute((trx) => fn(repositoriesOver(trx))),
  };
}
