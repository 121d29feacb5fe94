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
        count = case when throttle_counters.window_start <= now() - make_interval(secs => ${windowSeconds})
                     then 1 else throttle_counters.count + 1 end,
        window_start = case when throttle_counters.window_start <= now() - make_interval(secs => ${windowSeconds})
                            then now() else throttle_counters.window_start end
      returning count, window_start`.execute(this.db);
    const row = r.rows[0]!;
    return { count: row.count, resetAt: new Date(row.window_start.getTime() + windowSeconds * 1000) };
  }

  /**
   * The account's failure counters, its row created when missing and locked until the transaction
   * ends (run it in a `store.transaction`, then `setFailures`): parallel attempts wait for the decision.
   */
  async lockFailures(
    accountKey: string,
  ): Promise<{ failures: number; hourFailures: number; windowStart: Date; lockedUntil: Date | null }> {
    const r = await sql<{ failures: number; hour_failures: number; window_start: Date; locked_until: Date | null }>`
      insert into login_failures (account_key, failures, window_start, hour_failures, locked_until, updated_at)
      values (${accountKey}, 0, now(), 0, null, now())
      on conflict (account_key) do update set updated_at = now()
      returning failures, hour_failures, window_start, locked_until`.execute(this.db);
    const row = r.rows[0]!;
    return {
      failures: row.failures,
      hourFailures: row.hour_failures,
      windowStart: row.window_start,
      lockedUntil: row.locked_until,
    };
  }

  async setFailures(
    accountKey: string,
    v: { failures: number; hourFailures: number; windowStart: Date; lockedUntil: Date | null },
  ): Promise<void> {
    await this.db
      .updateTable('login_failures')
      .set({
        failures: v.failures,
        hour_failures: v.hourFailures,
        window_start: v.windowStart,
        locked_until: v.lockedUntil,
      })
      .where('account_key', '=', accountKey)
      .execute();
  }

  async clearFailures(accountKey: string): Promise<void> {
    await this.db.deleteFrom('login_failures').where('account_key', '=', accountKey).execute();
  }

  /** Drops counters whose window ended long ago (housekeeping). */
  async purgeExpired(): Promise<void> {
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
