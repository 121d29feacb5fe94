import { afterAll, beforeAll, describe, expect, it, inject } from 'vitest';
import { Kysely, PostgresDialect, sql } from 'kysely';
import pg from 'pg';
import { createTestDatabase } from './testing.ts';
import { createStore } from './store.ts';

interface DB {
  notes: { id: number; text: string };
  audit: { note_id: number };
}

/** Rows in a table, as the executor a repository was built with sees them. */
async function countRows(db: Kysely<DB>, table: keyof DB): Promise<number> {
  const r = await db
    .selectFrom(table)
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

class NotesRepository {
  constructor(private readonly db: Kysely<DB>) {}
  async insert(id: number, text: string): Promise<void> {
    await this.db.insertInto('notes').values({ id, text }).execute();
  }
  count = () => countRows(this.db, 'notes');
}

class AuditRepository {
  constructor(private readonly db: Kysely<DB>) {}
  async record(noteId: number): Promise<void> {
    await this.db.insertInto('audit').values({ note_id: noteId }).execute();
  }
  count = () => countRows(this.db, 'audit');
}

const repositoriesOver = (db: Kysely<DB>) => ({ notes: new NotesRepository(db), audit: new AuditRepository(db) });

let db: Kysely<DB>;
beforeAll(async () => {
  const url = await createTestDatabase(inject('databaseUrl'), 'kitstore');
  db = new Kysely<DB>({ dialect: new PostgresDialect({ pool: new pg.Pool({ connectionString: url, max: 3 }) }) });
  await sql`create table notes (id int primary key, text text not null)`.execute(db);
  await sql`create table audit (note_id int not null)`.execute(db);
});
afterAll(async () => {
  await db?.destroy();
});

describe('Store', () => {
  it('commits every repository’s writes of a transaction together, and none of them when it throws', async () => {
    const store = createStore(db, repositoriesOver);
    await store.transaction(async (repos) => {
      await repos.notes.insert(1, 'first');
      await repos.audit.record(1);
      // Inside, the transaction sees its own writes; the pool does not see them before the commit.
      expect([await repos.notes.count(), await store.repos.notes.count()]).toEqual([1, 0]);
    });
    expect([await store.repos.notes.count(), await store.repos.audit.count()]).toEqual([1, 1]);

    await expect(
      store.transaction(async (repos) => {
        await repos.notes.insert(2, 'second');
        await repos.audit.record(2);
        throw new Error('a rule refused it');
      }),
    ).rejects.toThrow('a rule refused it');
    expect([await store.repos.notes.count(), await store.repos.audit.count()]).toEqual([1, 1]);

    // A failing statement (duplicate key) rolls back what the transaction wrote before it.
    await expect(
      store.transaction(async (repos) => {
        await repos.audit.record(3);
        await repos.notes.insert(1, 'duplicate');
      }),
    ).rejects.toMatchObject({ code: '23505' });
    expect(await store.repos.audit.count()).toBe(1);
  });
});
