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

  /**
   * The stored document under a row lock held until the transaction ends (only inside
   * `store.transaction`); the row is made first when missing, so two concurrent changes apply one after
   * the other.
   */
  async findForUpdate(userId: string): Promise<unknown> {
    await this.db
      .insertInto('preferences')
      .values({ user_id: userId, data: '{}' })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .execute();
    const row = await this.db
      .selectFrom('preferences')
      .select('data')
      .where('user_id', '=', userId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    return row.data;
  }

  async save(userId: string, data: unknown): Promise<void> {
    await this.db
      .updateTable('preferences')
      .set({ data: JSON.stringify(data), updated_at: new Date() })
      .where('user_id', '=', userId)
      .execute();
  }
}
