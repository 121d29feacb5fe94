import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';

/** One favourite vendor of a user. */
export interface FavouriteRecord {
  clinicId: string;
  createdAt: Date;
}

/** The only SQL for favourites. */
export class FavouritesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Adds a favourite; `created` is false when it was already there (its original time is kept). */
  async add(userId: string, clinicId: string): Promise<{ favourite: FavouriteRecord; created: boolean }> {
    // Written with the app's clock (millisecond precision) so that cursors made from it compare exactly.
    const inserted = await this.db
      .insertInto('favourites')
      .values({ user_id: userId, clinic_id: clinicId, created_at: new Date() })
      .onConflict((oc) => oc.columns(['user_id', 'clinic_id']).doNothing())
      .returning(['clinic_id', 'created_at'])
      .executeTakeFirst();
    if (inserted) return { favourite: { clinicId: inserted.clinic_id, createdAt: inserted.created_at }, created: true };
    const found = await this.db
      .selectFrom('favourites')
      .select(['clinic_id', 'created_at'])
      .where('user_id', '=', userId)
      .where('clinic_id', '=', clinicId)
      .executeTakeFirstOrThrow();
    return { favourite: { clinicId: found.clinic_id, createdAt: found.created_at }, created: false };
  }

  async find(userId: string, clinicId: string): Promise<FavouriteRecord | undefined> {
    const r = await this.db
      .selectFrom('favourites')
      .select(['clinic_id', 'created_at'])
      .where('user_id', '=', userId)
      .where('clinic_id', '=', clinicId)
      .executeTakeFirst();
    return r && { clinicId: r.clinic_id, createdAt: r.created_at };
  }

  async remove(userId: string, clinicId: string): Promise<boolean> {
    const r = await this.db
      .deleteFrom('favourites')
      .where('user_id', '=', userId)
      .where('clinic_id', '=', clinicId)
      .executeTakeFirst();
    return Number(r.numDeletedRows) > 0;
  }

  async count(userId: string): Promise<number> {
    const r = await this.db
      .selectFrom('favourites')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('user_id', '=', userId)
      .executeTakeFirstOrThrow();
    return Number(r.n);
  }

  /** Newest first, after the (createdAt, clinicId) of the previous page's last item. */
  async listPage(
    userId: string,
    opts: { limit: number; after?: { createdAt: Date; clinicId: string } },
  ): Promise<FavouriteRecord[]> {
    let q = this.db.selectFrom('favourites').select(['clinic_id', 'created_at']).where('user_id', '=', userId);
    if (opts.after) {
      const after = opts.after;
      q = q.where((eb) => eb(eb.refTuple('created_at', 'clinic_id'), '<', eb.tuple(after.createdAt, after.clinicId)));
    }
    const rows = await q.orderBy('created_at', 'desc').orderBy('clinic_id', 'desc').limit(opts.limit).execute();
    return rows.map((r) => ({ clinicId: r.clinic_id, createdAt: r.created_at }));
  }
}
