/**
 * What the launcher runs: which processes, and how many replicas of each. Pure, so that the rules
 * (names, counts, the Redis requirement, gateway ports) are unit-tested without starting anything.
 */
import { ConfigError, splitList } from '@petpro/kit/config';

export const PROCESSES = ['gateway', 'auth', 'user', 'clinic', 'booking'] as const;
export type ProcessName = (typeof PROCESSES)[number];

/** More replicas than this on one machine is a typo, not a plan. */
export const MAX_REPLICAS = 32;

const isProcess = (s: string): s is ProcessName => (PROCESSES as readonly string[]).includes(s);

/**
 * Parses `gateway=2,booking=2` (the `--scale` flag and PETPRO_SCALE): every named process with its
 * replica count. `source` names the flag or variable in the error message.
 */
export function parseScale(spec: string, source: string): Partial<Record<ProcessName, number>> {
  const out: Partial<Record<ProcessName, number>> = {};
  for (const part of splitList(spec)) {
    const m = /^([a-z]+)=(\d+)$/.exec(part);
    if (!m) throw new ConfigError(`Configuration error: ${source} must look like gateway=2,booking=2 (got "${spec}")`);
    const [, name, count] = m as unknown as [string, string, string];
    if (!isProcess(name))
      throw new ConfigError(
        `Configuration error: ${source} names an unknown process "${name}": choose from ${PROCESSES.join(', ')}`,
      );
    const n = Number(count);
    if (n < 1 || n > MAX_REPLICAS)
      throw new ConfigError(`Configuration error: ${source} ${name} must be 1..${MAX_REPLICAS} replicas (got ${n})`);
    out[name] = n;
  }
  return out;
}

export interface LaunchPlan {
  /** Replicas per process to start, in start order (gateway first); absent processes are not started. */
  replicas: Partial<Record<ProcessName, number>>;
  /** True when any process runs more than once (which needs Redis). */
  scaled: boolean;
}

/**
 * The launcher's command line and environment → the plan. Positional names choose processes
 * (default: all); `--scale a=n,b=m` (or `--scale=…`) sets counts and adds the processes it names;
 * PETPRO_SCALE is the same as an environment variable, and the flag wins for a process both name.
 */
export function planLaunch(argv: string[], env: { PETPRO_SCALE?: string; REDIS_URL?: string }): LaunchPlan {
  const names: string[] = [];
  let flag: Partial<Record<ProcessName, number>> = {};
  for (let i = 0; i < argv.length; i++) {
    const a = argv[i]!;
    if (a === '--') continue;
    if (a === '--scale' || a.startsWith('--scale=')) {
      const spec = a === '--scale' ? argv[++i] : a.slice('--scale='.length);
      if (spec === undefined || spec.startsWith('--'))
        throw new ConfigError('Configuration error: --scale needs a value such as gateway=2,booking=2');
      flag = { ...flag, ...parseScale(spec, '--scale') };
    } else if (a.startsWith('-')) {
      throw new ConfigError(`Configuration error: unknown option ${a} (the launcher takes process names and --scale)`);
    } else {
      names.push(a);
    }
  }
  const unknown = names.filter((n) => !isProcess(n));
  if (unknown.length)
    throw new ConfigError(
      `Configuration error: unknown process name ${unknown.join(', ')}: choose from ${PROCESSES.join(', ')}`,
    );
  const fromEnv = env.PETPRO_SCALE ? parseScale(env.PETPRO_SCALE, 'PETPRO_SCALE') : {};
  const counts = { ...fromEnv, ...flag };
  const selected = new Set<ProcessName>(names.length ? [...(names as ProcessName[]), ...keys(flag)] : PROCESSES);
  const replicas: Partial<Record<ProcessName, number>> = {};
  for (const p of PROCESSES) if (selected.has(p)) replicas[p] = counts[p] ?? 1;
  const many = keys(replicas).filter((p) => replicas[p]! > 1);
  if (many.length && !env.REDIS_URL) {
    const what = many.map((p) => `${p}=${replicas[p]}`).join(',');
    throw new ConfigError(
      `Configuration error: REDIS_URL is required to run replicas (${what}): they share the service registry, rate ` +
        `limits and IP blocks through Redis (e.g. REDIS_URL=redis://127.0.0.1:6379)`,
    );
  }
  return { replicas, scaled: many.length > 0 };
}

/** Gateway ports: consecutive from the first (0 = let the caller pick free ones). */
export function gatewayPorts(first: number, count: number): number[] {
  if (first === 0) return Array.from({ length: count }, () => 0);
  if (first + count - 1 > 65_535)
    throw new ConfigError(
      `Configuration error: GATEWAY_PORT ${first} leaves no room for ${count} gateways on consecutive ports`,
    );
  return Array.from({ length: count }, (_, i) => first + i);
}

function keys<T extends string>(o: Partial<Record<T, unknown>>): T[] {
  return Object.keys(o) as T[];
}
