import { promises as fs } from 'node:fs';
import path from 'node:path';
import pg from 'pg';
import { Kysely, Migrator, PostgresDialect, sql, type Migration, type MigrationProvider } from 'kysely';
import type { Logger } from './log.ts';

/** A service's database handle: the pg pool and the typed query builder over it. */
export interface Database<DB> {
  pool: pg.Pool;
  db: Kysely<DB>;
  close(): Promise<void>;
  ping(): Promise<void>;
}

/**
 * Opens a pool (bounded, with timeouts) and a Kysely instance over it. `statementTimeoutMs` is set on
 * every connection: no request can hold a connection with a runaway query (0 = no limit).
 */
export function createDatabase<DB>(
  url: string,
  opts: { max?: number; appName?: string; statementTimeoutMs?: number } = {},
): Database<DB> {
  const pool = new pg.Pool({
    connectionString: url,
    max: opts.max ?? 10,
    connectionTimeoutMillis: 5_000,
    idleTimeoutMillis: 30_000,
    application_name: opts.appName ?? 'petpro',
    ...(opts.statementTimeoutMs ? { statement_timeout: opts.statementTimeoutMs } : {}),
  });
  // An idle client losing its connection must not crash the process; the pool replaces it.
  pool.on('error', () => {});
  const db = new Kysely<DB>({ dialect: new PostgresDialect({ pool }) });
  return {
    pool,
    db,
    async close() {
      await db.destroy();
    },
    async ping() {
      await sql`select 1`.execute(db);
    },
  };
}

/**
 * Creates `database` on the server of `url` when it does not exist yet (needs CREATEDB; silently skipped without it).
 */
export async function ensureDatabase(url: string): Promise<void> {
  const target = new URL(url);
  const name = decodeURIComponent(target.pathname.replace(/^\//, ''));
  if (!name) return;
  const admin = new URL(url);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  try {
    await client.connect();
    const found = await client.query('select 1 from pg_database where datname = $1', [name]);
    if (found.rowCount === 0) {
      await client.query(`create database ${pg.escapeIdentifier(name)}`).catch((err: { code?: string }) => {
        if (err.code !== '42P04') throw err; // created concurrently by another replica
      });
    }
  } finally {
    await client.end().catch(() => {});
  }
}

/**
 * Migrations are plain, ordered `.sql` files in a service's `migrations/` folder. Kysely's Migrator
 * tracks and locks them (a PostgreSQL advisory lock, so replicas starting together are safe); this
 * provider only feeds it the files.
 */
class SqlFileMigrationProvider implements MigrationProvider {
  constructor(private readonly folder: string) {}
  async getMigrations(): Promise<Record<string, Migration>> {
    const files = (await fs.readdir(this.folder)).filter((f) => f.endsWith('.sql')).sort();
    const out: Record<string, Migration> = {};
    for (const file of files) {
      const text = await fs.readFile(path.join(this.folder, file), 'utf8');
      out[file.replace(/\.sql$/, '')] = {
        up: async (db) => {
          // A migration over a big table may take longer than a request may (the pool's statement_timeout).
          await sql`set local statement_timeout = 0`.execute(db);
          await sql.raw(text).execute(db);
        },
      };
    }
    return out;
  }
}

/** Applies every pending migration in `folder`; throws (and start-up stops) when one fails. */
export async function migrate(db: Kysely<unknown>, folder: string, log?: Logger): Promise<string[]> {
  const migrator = new Migrator({ db, provider: new SqlFileMigrationProvider(folder) });
  const { error, results } = await migrator.migrateToLatest();
  const applied = (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName);
  if (applied.length) log?.info({ applied }, 'migrations applied');
  if (error) throw error instanceof Error ? error : new Error(String(error));
  return applied;
}

/** True when a pg error is a unique/exclusion violation (optionally on the named constraint). */
export function isConstraintViolation(err: unknown, constraint?: string): boolean {
  const e = err as { code?: string; constraint?: string };
  if (e?.code !== '23505' && e?.code !== '23P01') return false;
  return constraint === undefined || e.constraint === constraint;
}

/**
 * True when PostgreSQL aborted the transaction to break a deadlock (40P01). Concurrent inserts into
 * an exclusion constraint can wait on each other this way; the survivor goes on, and a retry of the
 * loser sees its row.
 */
export function isDeadlock(err: unknown): boolean {
  return (err as { code?: string })?.code === '40P01';
}
