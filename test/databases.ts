/** Direct reads of a service's own database, for assertions only (the service owns its tables). */
import pg from 'pg';
import type { Platform, ServiceKey } from './platform.ts';

/** Runs one query against the database of `service`. */
export async function serviceDb<T extends pg.QueryResultRow = Record<string, unknown>>(
  p: Pick<Platform, 'dbUrls'>,
  service: ServiceKey,
  text: string,
  values: unknown[] = [],
): Promise<T[]> {
  const client = new pg.Client({ connectionString: p.dbUrls[service] });
  await client.connect();
  try {
    return (await client.query<T>(text, values)).rows;
  } finally {
    await client.end();
  }
}
