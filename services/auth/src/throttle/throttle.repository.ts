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

  async lockedUntil(accountKey: string): Promise<Date | undefined> {
    const r = await this.db
      .selectFrom('login_failures')
      .select('locked_until')
      .where('account_key', '=', accountKey)
      .executeTakeFirst();
    return r?.locked_until && r.locked_until > new Date() ? r.locked_until : undefined;
  }

  /**
   * Records a failed login. From the `lockAfter`-th consecutive failure the account is locked for
   * base·2^(n−lockAfter) seconds (at most an hour); at 100 failures within an hour it is locked for
   * the rest of that hour, so no account ever sees more than 100 failed tries an hour.
   */
  async recordFailure(
    accountKey: string,
    lockAfter: number,
    baseSeconds: number,
  ): Promise<{ failures: number; lockedUntil: Date | null }> {
    const r = await sql<{ failures: number; locked_until: Date | null }>`
      insert into login_failures (account_key, failures, window_start, hour_failures, locked_until, updated_at)
      values (${accountKey}, 1, now(), 1, null, now())
      on conflict (account_key) do update set
        failures = login_failures.failures + 1,
        hour_failures = case when login_failures.window_start <= now() - interval '1 hour' then 1 else login_failures.hour_failures + 1 end,
        window_start = case when login_failures.window_start <= now() - interval '1 hour' then now() else login_failures.window_start end,
        updated_at = now()
      returning failures, hour_failures, window_start, locked_until`.execute(this.db);
    const row = r.rows[0] as unknown as { failures: number; hour_failures: number; window_start: Date };
    let lockedUntil: Date | null = null;
    if (row.failures >= lockAfter) {
      const seconds = Math.min(3600, baseSeconds * 2 ** (row.failures - lockAfter));
      lockedUntil = new Date(Date.now() + seconds * 1000);
    }
    if (row.hour_failures >= 100) {
      const endOfHour = new Date(row.window_start.getTime() + 3_600_000);
      if (!lockedUntil || endOfHour > lockedUntil) lockedUntil = endOfHour;
    }
    if (lockedUntil)
      await this.db
        .updateTable('login_failures')
        .set({ locked_until: lockedUntil })
        .where('account_key', '=', accountKey)
        .execute();
    return { failures: row.failures, lockedUntil };
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
