/**
 * Writes the gateway's merged OpenAPI document, keys sorted so two snapshots diff line by line:
 *
 *   npm exec -- node --import tsx scripts/openapi-snapshot.ts /tmp/before.json
 *   (change the code)
 *   npm exec -- node --import tsx scripts/openapi-snapshot.ts /tmp/after.json && diff /tmp/before.json /tmp/after.json
 *
 * A refactoring must leave the diff empty but for what it meant to change. It starts the whole platform
 * in-process (test/platform.ts) on TEST_DATABASE_URL (a server URL) when set, else on an embedded
 * PostgreSQL in a temporary folder, and removes what it created.
 */
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { randomBytes } from 'node:crypto';
import { startEmbeddedPostgres } from '@petpro/kit/embedded-db';
import { dropTestDatabases } from '@petpro/kit/testing';

/** The same JSON with every object's keys in order, so the file does not depend on registration order. */
function sorted(value: unknown): unknown {
  if (Array.isArray(value)) return value.map(sorted);
  if (value === null || typeof value !== 'object') return value;
  return Object.fromEntries(
    Object.entries(value)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0))
      .map(([k, v]) => [k, sorted(v)]),
  );
}

const out = process.argv[2];
if (!out) {
  console.error('usage: scripts/openapi-snapshot.ts <file.json>');
  process.exit(2);
}
const run = `snap${randomBytes(3).toString('hex')}`;
// test/platform.ts names its databases after the run, so they can be dropped together.
process.env.PETPRO_TEST_RUN = run;
const dir = process.env.TEST_DATABASE_URL ? undefined : mkdtempSync(path.join(os.tmpdir(), 'petpro-openapi-'));
const embedded = dir ? await startEmbeddedPostgres({ dir }) : undefined;
const server = embedded?.url ?? (process.env.TEST_DATABASE_URL as string);
const { startPlatform } = await import('../test/platform.ts');
const platform = await startPlatform({ databaseUrl: server });
try {
  const res = await fetch(`${platform.url}/openapi.json`);
  if (!res.ok) throw new Error(`GET /openapi.json answered ${res.status}`);
  writeFileSync(out, `${JSON.stringify(sorted(await res.json()), null, 2)}\n`);
  console.log(`OpenAPI document written to ${out}`);
} finally {
  await platform.stop();
  if (embedded) {
    await embedded.stop();
    rmSync(dir!, { recursive: true, force: true });
  } else await dropTestDatabases(server, run);
}
process.exit(0);
