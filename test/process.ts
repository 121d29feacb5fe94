/** Runs a process of the repository the way a deployment would, for tests of start-up behaviour. */
import { spawn } from 'node:child_process';
import path from 'node:path';

const ROOT = path.resolve(import.meta.dirname, '..');

/**
 * Runs a script of the repository (the launcher, a service's main) with only `env` (and PATH, HOME)
 * and with `args`, and returns its exit code and stderr; killed after a minute. Asynchronous on purpose: a blocking
 * spawnSync starves the test worker's RPC with vitest.
 */
export function runScript(
  script: string,
  env: Record<string, string>,
  args: string[] = [],
): Promise<{ code: number | null; stderr: string }> {
  return new Promise((resolve) => {
    const child = spawn(process.execPath, ['--import', 'tsx', script, ...args], {
      cwd: ROOT,
      env: { PATH: process.env.PATH, HOME: process.env.HOME, ...env },
      stdio: ['ignore', 'ignore', 'pipe'],
    });
    let stderr = '';
    child.stderr.on('data', (d: Buffer) => (stderr += d.toString()));
    const kill = setTimeout(() => child.kill('SIGKILL'), 60_000);
    child.on('exit', (code) => {
      clearTimeout(kill);
      resolve({ code, stderr: stderr.trim() });
    });
  });
}
