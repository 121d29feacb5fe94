/**
 * Events one service publishes for others, delivered through the producer's own database (an outbox
 * read over HTTP), never a fire-and-forget call: the change and its event commit together, and the
 * consumer takes each event exactly once, in order, even across its replicas and restarts.
 *
 * - Producer: `appendFeedEvents(trx, events)` inside the transaction of the change; `eventFeedRoutes`
 *   serves `GET /internal/events?after=&limit=` to the services named; `purgeFeedEvents` keeps it small.
 * - Consumer: `startFeedConsumer(...)` polls the producer with `runEvery`, hands each page to `handle`
 *   in a transaction of the consumer's database, and stores its cursor in that same transaction.
 *
 * Each side puts its table in a migration of its own (names fixed so the SQL here can use them):
 *
 * ```sql
 * -- producer
 * create sequence feed_events_seq;
 * create table feed_events (
 *   seq bigint primary key, type text not null, payload jsonb not null,
 *   created_at timestamptz not null default now()
 * );
 * -- consumer
 * create table feed_cursors (source text primary key, position bigint not null,
 *   updated_at timestamptz not null default now());
 * ```
 *
 * Written here rather than taken from a library: what is needed is a few statements on the services'
 * own PostgreSQL and the kit's authenticated client; queue libraries bring a broker or their own
 * schema and none reads another service's outbox over its internal HTTP API.
 */
import type { RequestHandler } from 'express';
import { sql, type Kysely, type QueryExecutorProvider } from 'kysely';
import { z } from 'zod';
import type { ApiRouter } from './api-router.ts';
import type { ServiceCaller, ServiceCredentials } from './auth.ts';
import { runEvery } from './background.ts';
import type { ServiceClient } from './client.ts';
import type { Logger } from './log.ts';

/** The feed's path on the producer's internal router. */
export const EVENT_FEED_PATH = '/internal/events';
/** Most events per page. */
export const EVENT_FEED_MAX_PAGE = 500;

/** One event as the feed serves it. */
export const FeedEventSchema = z.object({
  seq: z.number().int().positive(),
  type: z.string(),
  payload: z.record(z.string(), z.unknown()),
  createdAt: z.string(),
});
export type FeedEvent = z.output<typeof FeedEventSchema>;

/** One page of the feed: events after the asked position, in order; `last` is the newest position (for lag). */
export const FeedPageSchema = z.object({ items: z.array(FeedEventSchema), last: z.number().int().nonnegative() });
export type FeedPage = z.output<typeof FeedPageSchema>;

export const FeedQuery = z.object({
  after: z.coerce.number().int().nonnegative().max(Number.MAX_SAFE_INTEGER).default(0),
  limit: z.coerce.number().int().min(1).max(EVENT_FEED_MAX_PAGE).default(100),
});

/** Any Kysely instance or transaction, whatever its tables (the feed's SQL names its own). */
type Executor = QueryExecutorProvider;

/** An event to publish: a type (`clinic.hours.changed`) and a JSON payload. */
export interface NewFeedEvent {
  type: string;
  payload: Record<string, unknown>;
}

/**
 * Serialises the writers of one ordered log until they commit, so that positions become visible in
 * order. Without it a transaction that took position 5 could commit after another took 6 and was
 * already read past: a reader would skip 5 for ever (the classic outbox gap). Taken just before the
 * insert, which is the last statement of the change, it is held only for the commit. Chosen over
 * reading up to the oldest running transaction (`pg_snapshot_xmin`) because positions stay plain
 * increasing numbers a client can resume from, and readers need nothing but `seq > after`.
 */
export async function lockLogOrder(trx: Executor, log: string): Promise<void> {
  await sql`select pg_advisory_xact_lock(hashtext(${`petpro-log:${log}`}))`.execute(trx);
}

/** Appends events to the producer's feed; call with the transaction of the change they describe. */
export async function appendFeedEvents(trx: Executor, events: readonly NewFeedEvent[]): Promise<void> {
  if (!events.length) return;
  await lockLogOrder(trx, 'feed_events');
  for (const e of events)
    await sql`insert into feed_events (seq, type, payload)
      values (nextval('feed_events_seq'), ${e.type}, ${JSON.stringify(e.payload)}::jsonb)`.execute(trx);
}

/** Events after a position, oldest first. */
export async function readFeedEvents(db: Executor, after: number, limit: number): Promise<FeedPage> {
  const rows = await sql<{ seq: string; type: string; payload: Record<string, unknown>; created_at: Date }>`
    select seq, type, payload, created_at from feed_events where seq > ${after} order by seq limit ${limit}`.execute(
    db,
  );
  const last = await sql<{ last: string | null }>`select max(seq) as last from feed_events`.execute(db);
  return {
    items: rows.rows.map((r) => ({
      seq: Number(r.seq),
      type: r.type,
      payload: r.payload,
      createdAt: r.created_at.toISOString(),
    })),
    last: Number(last.rows[0]?.last ?? 0),
  };
}

/** Drops events older than `keepMs` (consumers further behind than that start again from what is left). */
export async function purgeFeedEvents(db: Executor, keepMs: number): Promise<void> {
  await sql`delete from feed_events where created_at < now() - make_interval(secs => ${keepMs / 1000})`.execute(db);
}

/** `GET /internal/events` on a producer's internal router, for the services named only. */
export function eventFeedRoutes(
  api: ApiRouter,
  deps: { db: Executor; credentials: ServiceCredentials; callers: [ServiceCaller, ...ServiceCaller[]] },
): void {
  const only: RequestHandler = deps.credentials.require(...deps.callers);
  api.endpoint(
    {
      method: 'get',
      path: EVENT_FEED_PATH,
      summary: 'Events of this service after a position (service credential; named callers only)',
      tags: ['internal'],
      query: FeedQuery,
      responses: { 200: { description: 'Events in order', schema: FeedPageSchema } },
    },
    only,
    async (req, reply) => reply(200, await readFeedEvents(deps.db, req.valid.query.after, req.valid.query.limit)),
  );
}

export interface FeedConsumerOptions<DB> {
  /** The consumer's database (holds `feed_cursors`). */
  db: Kysely<DB>;
  client: ServiceClient;
  /** The producing service (its name in the registry, and the cursor's key). */
  source: string;
  log: Logger;
  /** Applies a page of events in the consumer's transaction `trx`; throwing rolls the page back (retried next pass). */
  handle: (events: FeedEvent[], trx: Kysely<DB>) => Promise<void>;
  intervalMs?: number;
  pageSize?: number;
  /** Called after a page committed (say, to nudge readers of what `handle` wrote). */
  afterCommit?: (count: number) => void;
}

/**
 * Reads one page of a producer's feed and applies it; returns how many events were applied. The
 * cursor row is locked (`for update skip locked`) for the pass, so with several replicas exactly one
 * applies a page and the others skip; the cursor moves in the transaction that applied the events, so
 * a crash replays the page instead of losing it, and a page is never applied twice.
 */
export async function consumeFeedOnce<DB>(opts: FeedConsumerOptions<DB>): Promise<number> {
  const db = opts.db;
  await sql`insert into feed_cursors (source, position) values (${opts.source}, 0) on conflict do nothing`.execute(db);
  return db.transaction().execute(async (trx) => {
    const row = await sql<{ position: string }>`
      select position from feed_cursors where source = ${opts.source} for update skip locked`.execute(trx);
    if (!row.rows.length) return 0;
    const after = Number(row.rows[0]!.position);
    const body = await opts.client.json<unknown>(opts.source, {
      path: `${EVENT_FEED_PATH}?after=${after}&limit=${opts.pageSize ?? 200}`,
      timeoutMs: 5_000,
    });
    const page = FeedPageSchema.parse(body);
    if (!page.items.length) return 0;
    await opts.handle(page.items, trx);
    const position = page.items[page.items.length - 1]!.seq;
    await sql`update feed_cursors set position = ${position}, updated_at = now() where source = ${opts.source}`.execute(
      trx,
    );
    return page.items.length;
  });
}

/**
 * Follows a producer's feed in the background (every `intervalMs`, 1 s by default; a full page is
 * followed at once by the next). Returns the stop function, to push onto `ctx.onClose`.
 */
export function startFeedConsumer<DB>(opts: FeedConsumerOptions<DB>): () => Promise<void> {
  const pageSize = opts.pageSize ?? 200;
  return runEvery(
    opts.intervalMs ?? 1_000,
    async () => {
      for (let i = 0; i < 20; i++) {
        const count = await consumeFeedOnce(opts);
        if (count) opts.afterCommit?.(count);
        if (count < pageSize) return;
      }
    },
    { log: opts.log, failure: `reading the ${opts.source} event feed failed` },
  );
}
