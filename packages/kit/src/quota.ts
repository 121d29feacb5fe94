import { sql, type Kysely } from 'kysely';
import { TooManyRequestsError } from './errors.ts';

/**
 * A per-key budget over a fixed window, counted in the service's own PostgreSQL (table
 * `rate_counters`: key text primary key, window_start timestamptz, count integer) so that every
 * replica shares it. One upsert per use; every attempt counts, refused or not. Hand-written because
 * the rate-limit libraries in use count in memory or Redis, and a service may run without Redis.
 */
export class WindowQuota<DB = unknown> {
  constructor(
    private readonly db: Kysely<DB>,
    private readonly opts: { limit: number; windowSeconds: number; code: string; message: string },
  ) {}

  /** Counts one use of `key`; 429 (with Retry-After) once the window's budget is spent. A limit of 0 is no limit. */
  async consume(key: string): Promise<void> {
    if (this.opts.limit <= 0) return;
    const window = `${this.opts.windowSeconds} seconds`;
    const { rows } = await sql<{ count: number; retry_after: number }>`
      insert into rate_counters as c (key, window_start, count) values (${key}, now(), 1)
      on conflict (key) do update set
        count = case when c.window_start <= now() - ${window}::interval then 1 else c.count + 1 end,
        window_start = case when c.window_start <= now() - ${window}::interval then now() else c.window_start end
      returning c.count,
                extract(epoch from c.window_start + ${window}::interval - now())::float8 as retry_after`.execute(
      this.db,
    );
    const row = rows[0]!;
    if (row.count > this.opts.limit)
      throw new TooManyRequestsError(Math.max(1, row.retry_after), this.opts.code, this.opts.message);
  }
}

/** The upload budget of one account per hour (`UPLOADS_PER_HOUR`): 429 `upload_limit_reached`. */
export function uploadQuota<DB>(db: Kysely<DB>, perHour: number): WindowQuota<DB> {
  return new WindowQuota(db, {
    limit: perHour,
    windowSeconds: 3_600,
    code: 'upload_limit_reached',
    message: `At most ${perHour} uploads an hour; try again later`,
  });
}
