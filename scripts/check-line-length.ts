/**
 * Fails when a tracked source line is longer than 120 characters (`npm run lint` runs it). Biome
 * formats code to that width but leaves long comments, strings and template literals alone; this
 * catches those. Migrations are left out: an applied migration is never edited, so its text is
 * history, not code being written (CONTRIBUTING.md).
 */
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const MAX = 120;
const files = execFileSync('git', ['ls-files', '-z', '--cached', '--others', '--exclude-standard'], {
  encoding: 'utf8',
})
  .split('\0')
  .filter((f) => /\.(ts|js|mjs|json|ya?ml|sh)$/.test(f) || f === '.ci/run')
  .filter((f) => !f.includes('/migrations/') && !f.endsWith('package-lock.json'));

let long = 0;
for (const file of files) {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch {
    continue; // deleted in the work tree
  }
  text.split('\n').forEach((line, i) => {
    if ([...line].length > MAX) {
      long++;
      console.log(`${file}:${i + 1}: ${[...line].length} characters (at most ${MAX})`);
    }
  });
}
if (long) {
  console.log(`${long} line(s) over ${MAX} characters`);
  process.exit(1);
}
