/**
 * The real launcher (`scripts/start.ts`) as a child process, for whole-platform tests and benchmarks
 * that need real processes: its output, the pid and port it reports for each child, readiness of
 * every gateway, and a clean stop.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import path from 'node:path';
import { freePort } from '@petpro/kit/embedded-db';
import { eventually } from '@petpro/kit/testing';
import { request } from '../services/gateway/test/harness.ts';

const ROOT = path.resolve(import.meta.dirname, '..');

/** `n` consecutive free ports (the launcher puts gateways on consecutive ports from GATEWAY_PORT). */
export async function consecutiveFreePorts(n: number): Promise<number> {
  for (;;) {
    const first = await freePort();
    let ok = first + n - 1 <= 65_535;
    for (let i = 1; ok && i < n; i++) ok = (await freePort(first + i)) === first + i;
    if (ok) return first;
  }
}

export interface LauncherOptions {
  /** Launcher arguments, e.g. ['--scale', 'gateway=2,booking=2']. */
  args?: string[];
  /** Number of gateways the arguments ask for (default 1). */
  gateways?: number;
  /** Environment on top of PATH and HOME; every port is picked free unless given. */
  env: Record<string, string>;
}

/** Starts the launcher with free ports for every process; resolves once it is spawned (see `ready`). */
export async function startLauncher(opts: LauncherOptions) {
  const count = opts.gateways ?? 1;
  const first = opts.env.GATEWAY_PORT ? Number(opts.env.GATEWAY_PORT) : await consecutiveFreePorts(count);
  const env: Record<string, string> = {
    PATH: process.env.PATH ?? '',
    HOME: process.env.HOME ?? '',
    GATEWAY_INTERNAL_PORT: String(await freePort()),
    AUTH_PORT: String(await freePort()),
    USER_PORT: String(await freePort()),
    CLINIC_PORT: String(await freePort()),
    BOOKING_PORT: String(await freePort()),
    LOG_FORMAT: 'json',
    ...opts.env,
    GATEWAY_PORT: String(first),
  };
  const gateways = Array.from({ length: count }, (_, i) => `http://127.0.0.1:${first + i}`);
  const startedAt = Date.now();
  const proc: ChildProcess = spawn(process.execPath, ['--import', 'tsx', 'scripts/start.ts', ...(opts.args ?? [])], {
    cwd: ROOT,
    env,
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  let output = '';
  proc.stdout!.on('data', (d: Buffer) => (output += d.toString()));
  proc.stderr!.on('data', (d: Buffer) => (output += d.toString()));

  const exited = (timeoutMs: number) =>
    new Promise<number | null>((resolve, reject) => {
      if (proc.exitCode !== null) return resolve(proc.exitCode);
      const t = setTimeout(() => reject(new Error(`launcher still running after ${timeoutMs} ms`)), timeoutMs);
      proc.once('exit', (code) => {
        clearTimeout(t);
        resolve(code);
      });
    });

  /**
   * A gateway's readiness (every upstream healthy; `booking` replicas healthy when given), from an address of its own.
   */
  const isReady = async (url: string, bookingReplicas?: number) => {
    const r = await request(url, '/readyz', { from: '127.9.9.9' }).catch(() => undefined);
    const upstreams = r?.body.upstreams as Record<string, { healthy: number }> | undefined;
    return r?.status === 200 && (bookingReplicas === undefined || upstreams?.booking?.healthy === bookingReplicas);
  };

  return {
    proc,
    env,
    gateways,
    startedAt,
    output: () => output,
    /** The latest pid and port the launcher reported for a child (`auth`, `booking#1`, `gateway#2`…). */
    child(label: string): { pid: number; port: number } {
      const all = [...output.matchAll(/(\S+) started \(pid (\d+), port (\d+)\)/g)].filter((m) => m[1] === label);
      const last = all.at(-1);
      if (!last) throw new Error(`the launcher reported no ${label}; output: ${output.slice(-2000)}`);
      return { pid: Number(last[2]), port: Number(last[3]) };
    },
    isReady,
    /** Waits until every gateway is ready (and sees `bookingReplicas` healthy booking instances). */
    async ready(timeoutMs = 90_000, bookingReplicas?: number): Promise<void> {
      const died = new Promise<never>((_, reject) => {
        if (proc.exitCode !== null) reject(new Error(`the launcher exited (code ${proc.exitCode})`));
        proc.once('exit', (code) => reject(new Error(`the launcher exited (code ${code})`)));
      });
      const allReady = eventually(
        async () => {
          for (const g of gateways) if (!(await isReady(g, bookingReplicas))) return false;
          return true;
        },
        timeoutMs,
        100,
      );
      await Promise.race([allReady, died]).catch((err) => {
        throw new Error(`${(err as Error).message}; launcher output: ${output.slice(-3000)}`);
      });
      died.catch(() => {});
      allReady.catch(() => {});
    },
    exited,
    /** SIGTERM (Ctrl-C) and wait; SIGKILL if it does not stop in time. */
    async stop(timeoutMs = 15_000): Promise<number | null> {
      if (proc.exitCode !== null) return proc.exitCode;
      proc.kill('SIGTERM');
      return exited(timeoutMs).catch(() => {
        proc.kill('SIGKILL');
        return null;
      });
    },
  };
}
export type Launcher = Awaited<ReturnType<typeof startLauncher>>;
