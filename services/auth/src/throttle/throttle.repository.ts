import { sql, type Kysely } from 'kysely';
import type { DB } from '../db.ts';

/** The only SQL for counters and login lockouts (shared by every auth replica through the database). */
export class ThrottleRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Counts one hit on `key` in a fixed window; returns the count and when the window ends. */
  async hit(key: string, windowSeconds: number): Promise<{ count: number; resetAt: Date }> {
    const r = await sql<{ count: number; window_start: Date }>`
      insert into throttle_counters (key, window_start, count) values (${key}, now(), 1)
      on conflict (key) do update set
        count = case when throttle_counters.window_start <= now() - make_interval(secs => ${windowSeconds}) then 1 else throttle_counters.count + 1 end,
        window_start = case when throttle_counters.window_start <= now() - make_interval(secs => ${windowSeconds}) then now() else throttle_counters.window_start end
      returning count, window_start`.execute(this.db);
    const row = r.rows[0]!;
    return { count: row.count, resetAt: new Date(row.window_start.getTime() + windowSeconds * 1000) };
  }

  /**
   * Records a login attempt BEFORE its password is checked, atomically (the row stays locked until
   * the decision is written), so that parallel guesses cannot all pass a lock check before the
   * first failure lands. A locked account records nothing and answers `{ locked: until }`. Otherwise
   * the attempt counts as a failure (cleared again when the password proves right): from the
   * `lockAfter`-th consecutive one the account is locked for base·2^(n−lockAfter) seconds (at most an
   * hour), and at 100 within an hour for the rest of that hour, so no account sees more than 100
   * failed tries an hour.
   */
  async recordAttempt(
    accountKey: string,
    lockAfter: number,
    baseSeconds: number,
  ): Promise<{ locked: Date } | { failures: number; lockedUntil: Date | null }> {
    return this.db.transaction().execute(async (trx) => {
      const r = await sql<{ failures: number; hour_failures: number; window_start: Date; locked_until: Date | null }>`
        insert into login_failures (account_key, failures, window_start, hour_failures, locked_until, updated_at)
        values (${accountKey}, 0, now(), 0, null, now())
        on conflict (account_key) do update set updated_at = now()
        returning failures, hour_failures, window_start, locked_until`.execute(trx);
      const row = r.rows[0]!;
      const now = Date.now();
      if (row.locked_until && row.locked_until.getTime() > now) return { locked: row.locked_until };
      const newWindow = row.window_start.getTime() <= now - 3_600_000;
      const windowStart = newWindow ? new Date(now) : row.window_start;
      const hourFailures = newWindow ? 1 : row.hour_failures + 1;
      const failures = row.failures + 1;
      let lockedUntil: Date | null = null;
      if (failures >= lockAfter)
        lockedUntil = new Date(now + Math.min(3600, baseSeconds * 2 ** (failures - lockAfter)) * 1000);
      if (hourFailures >= 100) {
        const endOfHour = new Date(windowStart.getTime() + 3_600_000);
        if (!lockedUntil || endOfHour > lockedUntil) lockedUntil = endOfHour;
      }
      await trx
        .updateTable('login_failures')
        .set({ failures, hour_failures: hourFailures, window_start: windowStart, locked_until: lockedUntil })
        .where('account_key', '=', accountKey)
        .execute();
      return { failures, lockedUntil };
    });
  }

  async clearFailures(accountKey: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('account_key', '=', accountKey).execute();
  }

  /** Drops counters whose window ended long ago (housekeeping). */
  async purge(): Promise<void> {
    await this.db
      .deleteFrom('throttle_counters')
      .where('window_start', '<', new Date(Date.now() - 86_400_000))
      .execute();
    await this.db
      .deleteFrom('login_failures')
      .where('updated_at', '<', new Date(Date.now() - 86_400_000))
      .where((eb) => eb.or([eb('locked_until', 'is', null), eb('locked_until', '<', new Date())]))
      .execute();
  }
}
