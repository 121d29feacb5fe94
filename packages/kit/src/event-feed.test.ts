import type http from 'node:http';
import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import express from 'express';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createTestDatabase } from './testing.ts';
import { ApiRouter, createOpenApiRegistry } from './api-router.ts';
import { ServiceCredentials } from './auth.ts';
import { ServiceClient } from './client.ts';
import { MemoryRegistry } from './registry.ts';
import { closeServer, jsonBody, listen } from './http.ts';
import { errorHandler, notFoundHandler } from './errors.ts';
import { createLogger } from './log.ts';
import { appendFeedEvents, consumeFeedOnce, eventFeedRoutes, type FeedEvent } from './event-feed.ts';

const SECRET = 'event-feed-test-secret-0123456789abcdef';
const log = createLogger('test', 'silent');

function dbOf(url: string): Kysely<object> {
  return new Kysely({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 6 }) }) });
}

let producer: Kysely<object>;
let consumer: Kysely<object>;
let server: http.Server;
let url: string;

beforeAll(async () => {
  const base = inject('databaseUrl');
  producer = dbOf(await createTestDatabase(base, 'feedproducer'));
  consumer = dbOf(await createTestDatabase(base, 'feedconsumer'));
  await sql`create sequence feed_events_seq`.execute(producer);
  await sql`create table feed_events (seq bigint primary key, type text not null, payload jsonb not null,
    created_at timestamptz not null default now())`.execute(producer);
  await sql`create table feed_cursors (source text primary key, position bigint not null,
    updated_at timestamptz not null default now())`.execute(consumer);
  await sql`create table applied (seq bigint primary key, type text not null)`.execute(consumer);
  const app = express();
  app.use(jsonBody('16kb'));
  const api = new ApiRouter(createOpenApiRegistry());
  eventFeedRoutes(api, { db: producer, credentials: new ServiceCredentials(SECRET, 'clinic'), callers: ['booking'] });
  app.use(api.finish());
  app.use(notFoundHandler);
  app.use(errorHandler);
  const l = await listen(app, 0, '127.0.0.1');
  server = l.server;
  url = `http://127.0.0.1:${l.port}`;
});
afterAll(async () => {
  await closeServer(server, 100);
  await producer?.destroy();
  await consumer?.destroy();
});

function clientAs(name: 'booking' | 'user'): ServiceClient {
  return new ServiceClient({
    registry: new MemoryRegistry(),
    credentials: new ServiceCredentials(SECRET, name),
    staticUrls: { clinic: url },
  });
}

/** Applies events into `applied` (a primary key: applying one twice fails the page). */
const handle = async (events: FeedEvent[], trx: Kysely<object>) => {
  for (const e of events) await sql`insert into applied (seq, type) values (${e.seq}, ${e.type})`.execute(trx);
};

describe('event feed', () => {
  it('serves the feed only to the callers named, and refuses a bad position with 400', async () => {
    const anon = await fetch(`${url}/internal/events`);
    expect(anon.status).toBe(401);
    await expect(clientAs('user').json('clinic', { path: '/internal/events' })).rejects.toMatchObject({ status: 403 });
    const bad = await fetch(`${url}/internal/events?after=-1&limit=100000`, {
      headers: { 'x-service-token': await new ServiceCredentials(SECRET, 'booking').token() },
    });
    expect(bad.status).toBe(400);
  });

  it('never skips an event whose transaction took a lower position but committed later (the outbox gap)', async () => {
    // A slow writer takes its position first and holds its transaction open; a second writer must
    // then wait (its position would otherwise become visible before the first one's).
    let releaseSlow!: () => void;
    const slowHeld = new Promise<void>((r) => (releaseSlow = r));
    let slowAppended!: () => void;
    const appended = new Promise<void>((r) => (slowAppended = r));
    const slow = producer.transaction().execute(async (trx) => {
      await appendFeedEvents(trx, [{ type: 'slow', payload: {} }]);
      slowAppended();
      await slowHeld;
    });
    await appended;
    let fastDone = false;
    const fast = producer
      .transaction()
      .execute((trx) => appendFeedEvents(trx, [{ type: 'fast', payload: {} }]))
      .then(() => (fastDone = true));
    // While the slow one is open, a reader sees neither, and the fast one cannot have committed.
    const client = clientAs('booking');
    await new Promise((r) => setTimeout(r, 200));
    expect(fastDone).toBe(false);
    expect(await consumeFeedOnce({ db: consumer, client, source: 'clinic', log, handle })).toBe(0);
    releaseSlow();
    await Promise.all([slow, fast]);
    expect(await consumeFeedOnce({ db: consumer, client, source: 'clinic', log, handle })).toBe(2);
    const rows = await sql<{ type: string }>`select type from applied order by seq`.execute(consumer);
    expect(rows.rows.map((r) => r.type)).toEqual(['slow', 'fast']);
  });

  it('applies each event once across concurrent consumers, in order, and rolls a failed page back', async () => {
    await sql`delete from applied`.execute(consumer);
    await sql`delete from feed_cursors`.execute(consumer);
    for (let i = 0; i < 30; i++)
      await producer.transaction().execute((trx) => appendFeedEvents(trx, [{ type: `e${i}`, payload: { i } }]));
    const client = clientAs('booking');
    // A handler that fails leaves the cursor where it was: the page is applied later, not lost.
    const failing = async () => {
      throw new Error('consumer database refused');
    };
    await expect(
      consumeFeedOnce({ db: consumer, client, source: 'clinic', log, handle: failing, pageSize: 5 }),
    ).rejects.toThrow('refused');
    // Four replicas race over small pages until the feed is drained.
    const replica = async () => {
      for (let n = 0; n < 100; n++) {
        await consumeFeedOnce({ db: consumer, client, source: 'clinic', log, handle, pageSize: 5 });
        const c = await sql<{ position: string }>`select position from feed_cursors`.execute(consumer);
        const last = await sql<{ m: string }>`select max(seq) as m from feed_events`.execute(producer);
        if (c.rows[0]?.position === last.rows[0]?.m) return;
      }
    };
    await Promise.all([replica(), replica(), replica(), replica()]);
    const all = await sql<{ seq: string }>`select seq from feed_events order by seq`.execute(producer);
    const applied = await sql<{ seq: string }>`select seq from applied order by seq`.execute(consumer);
    expect(applied.rows.map((r) => r.seq)).toEqual(all.rows.map((r) => r.seq));
  });
});
