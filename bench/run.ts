/**
 * Runs the benchmarks in bench/: `npm run bench` runs every `bench/*.bench.ts` in name order, one after
 * the other (never in parallel, so they do not disturb each other's timings); `npm run bench -- availability`
 * runs only those named (the file name without `.bench.ts`).
 *
 * Contract for a bench file: importing it has no side effects; it exports `async function run(): Promise<void>`
 * that prints its figures to stdout. Benchmarks are not tests: they print, they do not assert.
 */
import { readdirSync } from 'node:fs';
import { performance } from 'node:perf_hooks';
import { fileURLToPath, pathToFileURL } from 'node:url';
import path from 'node:path';

const SUFFIX = '.bench.ts';

interface BenchModule {
  run?: unknown;
}

const dir = path.dirname(fileURLToPath(import.meta.url));
const available = readdirSync(dir)
  .filter((f) => f.endsWith(SUFFIX))
  .map((f) => f.slice(0, -SUFFIX.length))
  .sort();

const requested = process.argv
  .slice(2)
  .map((arg) => (arg.endsWith(SUFFIX) ? arg.slice(0, -SUFFIX.length) : path.basename(arg)));
const unknown = requested.filter((name) => !available.includes(name));
if (unknown.length > 0) {
  console.error(`Unknown bench: ${unknown.join(', ')}. Available: ${available.join(', ') || '(none)'}`);
  process.exit(2);
}
const selected = requested.length > 0 ? available.filter((name) => requested.includes(name)) : available;

console.log(`node ${process.version}, ${process.platform}/${process.arch}`);
let failed = 0;
for (const name of selected) {
  console.log(`\n== ${name}`);
  const t0 = performance.now();
  try {
    const mod = (await import(pathToFileURL(path.join(dir, name + SUFFIX)).href)) as BenchModule;
    if (typeof mod.run !== 'function') throw new Error(`${name}${SUFFIX} does not export run()`);
    await (mod.run as () => Promise<void>)();
    console.log(`== ${name} done in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  } catch (err) {
    failed++;
    console.error(`== ${name} failed:`, err);
  }
}
// A failed bench must fail the command (CI runs it), but the others still get their turn first.
if (failed > 0) process.exitCode = 1;
