import type {} from 'vitest';
import path from 'node:path';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import type { TestProject } from 'vitest/node';
import { startEmbeddedPostgres, type EmbeddedDatabase } from '@petpro/kit/embedded-db';
import { dropTestDatabases } from '@petpro/kit/testing';
import { randomBytes } from 'node:crypto';

declare module 'vitest' {
  export interface ProvidedContext {
    databaseUrl: string;
  }
}

let embedded: EmbeddedDatabase | undefined;
let dir: string | undefined;
let serverUrl: string | undefined;
const run = `r${Date.now().toString(36)}${randomBytes(2).toString('hex')}`;

/** One real PostgreSQL for the whole run: TEST_DATABASE_URL when given, else an embedded one in a temp folder. */
export async function setup(project: TestProject): Promise<void> {
  // Forked test workers inherit this, and name their databases after it.
  process.env.PETPRO_TEST_RUN = run;
  let url = process.env.TEST_DATABASE_URL;
  if (!url) {
    dir = mkdtempSync(path.join(os.tmpdir(), 'petpro-test-'));
    embedded = await startEmbeddedPostgres({ dir });
    url = embedded.url;
  }
  serverUrl = url;
  project.provide('databaseUrl', url);
}

export async function teardown(): Promise<void> {
  // On a shared server (TEST_DATABASE_URL), leave nothing behind; an embedded one is deleted whole.
  if (!embedded && serverUrl) await dropTestDatabases(serverUrl, run).catch(() => {});
  await embedded?.stop();
  if (dir) rmSync(dir, { recursive: true, force: true });
}
