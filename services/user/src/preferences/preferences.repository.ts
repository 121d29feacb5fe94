import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';

/** The only SQL for preferences: one JSON document per user. */
export class PreferencesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** The stored document, or undefined when the user never saved any. */
  async find(userId: string): Promise<unknown> {
    const r = await this.db.selectFrom('preferences').select('data').where('user_id', '=', userId).executeTakeFirst();
    return r?.data;
  }

  /** Reads the stored document under a row lock, lets `change` compute the new one and stores it. */
  async change<T>(userId: string, change: (current: unknown) => T): Promise<T> {
    return this.db.transaction().execute(async (trx) => {
      // Make sure a row exists to lock, so that two concurrent changes apply one after the other.
      await trx
        .insertInto('preferences')
        .values({ user_id: userId, data: '{}' })
        .onConflict((oc) => oc.column('user_id').doNothing())
        .execute();
      const row = await trx
        .selectFrom('preferences')
        .select('data')
        .where('user_id', '=', userId)
        .forUpdate()
        .executeTakeFirstOrThrow();
      const next = change(row.data);
      await trx
        .updateTable('preferences')
        .set({ data: JSON.stringify(next), updated_at: new Date() })
        .where('user_id', '=', userId)
        .execute();
      return next;
    });
  }
}
