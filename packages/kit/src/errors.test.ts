import pg from 'pg';
import { describe, expect, inject, it } from 'vitest';
import { freePort } from './embedded-db.ts';
import { isDatabaseUnavailable, toAppError } from './errors.ts';

async function errorOf(fn: () => Promise<unknown>): Promise<unknown> {
  try {
    await fn();
  } catch (err) {
    return err;
  }
  throw new Error('expected a failure');
}

describe('database unavailable → 503', () => {
  it(
    'a refused connection, ' + 'a terminated session and a pool that cannot connect are 503 database_unavailable',
    async () => {
      const nobody = `postgres://postgres@127.0.0.1:${await freePort()}/postgres`;
      const refused = await errorOf(() => new pg.Client({ connectionString: nobody }).connect());
      // What a server shutdown or restart does to an open session (57P01 admin_shutdown).
      const client = new pg.Client({ connectionString: inject('databaseUrl') });
      client.on('error', () => {});
      await client.connect();
      const admin = new pg.Client({ connectionString: inject('databaseUrl') });
      await admin.connect();
      await admin.query('select pg_terminate_backend($1)', [(client as unknown as { processID: number }).processID]);
      await admin.end();
      const terminated = await errorOf(() => client.query('select 1'));
      const pool = new pg.Pool({ connectionString: nobody, connectionTimeoutMillis: 200 });
      const poolErr = await errorOf(() => pool.query('select 1'));
      await pool.end();
      for (const err of [refused, terminated, poolErr]) {
        expect(isDatabaseUnavailable(err), String(err)).toBe(true);
        const app = toAppError(err);
        expect([app.status, app.code, app.extra.retryAfterSeconds]).toEqual([503, 'database_unavailable', 2]);
      }
    },
  );

  it('a bad query or a constraint violation is still not a 503', async () => {
    const client = new pg.Client({ connectionString: inject('databaseUrl') });
    await client.connect();
    try {
      const syntax = await errorOf(() => client.query('selec 1'));
      const unique = await errorOf(() =>
        client.query('create temp table t (id int primary key); insert into t values (1), (1)'),
      );
      for (const err of [syntax, unique]) {
        expect(isDatabaseUnavailable(err)).toBe(false);
        expect(toAppError(err).status).toBe(500);
      }
    } finally {
      await client.end();
    }
  });
});
