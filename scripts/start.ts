/**
 * `npm start`: runs the whole platform on one machine. Without DATABASE_URL it starts an embedded
 * PostgreSQL with its data under PETPRO_DATA_DIR; it starts the gateway and the four services as
 * child processes, restarts a child that crashes (with backoff), prints where to go, and stops
 * everything on Ctrl-C or SIGTERM. `npm start -- auth` (or several names) runs only those processes;
 * `npm start -- --scale gateway=2,booking=2` (or PETPRO_SCALE) runs replicas, which share Redis.
 */
import { spawn, type ChildProcess } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { existsSync, promises as fs } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import pg from 'pg';
import webpush from 'web-push';
import { z } from 'zod';
import {
  ConfigError,
  DEFAULT_PORTS,
  type SERVICE_NAMES,
  baseEnv,
  parseConfig,
  intVar,
  msVar,
  portVar,
  urlVar,
} from '@petpro/kit/config';
import { freePort } from '@petpro/kit/embedded-db';
import { type ProcessName, gatewayPorts, planLaunch } from './scale.ts';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');

const launcherEnv = {
  ...baseEnv,
  AUTH_PORT: portVar().default(DEFAULT_PORTS.auth),
  USER_PORT: portVar().default(DEFAULT_PORTS.user),
  CLINIC_PORT: portVar().default(DEFAULT_PORTS.clinic),
  BOOKING_PORT: portVar().default(DEFAULT_PORTS.booking),
  AUTH_DATABASE_URL: urlVar('postgres', 'postgresql').optional(),
  USER_DATABASE_URL: urlVar('postgres', 'postgresql').optional(),
  CLINIC_DATABASE_URL: urlVar('postgres', 'postgresql').optional(),
  BOOKING_DATABASE_URL: urlVar('postgres', 'postgresql').optional(),
  /** Replicas, as `--scale` takes them: gateway=2,booking=2 (checked by planLaunch). */
  PETPRO_SCALE: z.string().optional(),
  UPSTREAM_TIMEOUT_MS: msVar(100, 300_000).optional(),
  /**
   * V8's young-generation semi-space of every process the launcher starts, in MB. Node's default (16
   * MB on 64-bit) keeps up to three of them per process; six processes idle with mostly empty young
   * generations otherwise (measured with 1 MB and a collection: about 20 MB less resident memory per idle
   * process; 4 MB is a middle way between that and fewer scavenges under load, not separately measured).
   */
  PETPRO_SEMI_SPACE_MB: intVar(1, 64).default(4),
};

const tty = process.stdout.isTTY;
const colour = (code: number, s: string) => (tty ? `\x1b[${code}m${s}\x1b[0m` : s);
const COLOURS: Record<string, number> = {
  launcher: 35,
  postgres: 90,
  gateway: 36,
  auth: 33,
  user: 32,
  clinic: 34,
  booking: 31,
};
function say(source: string, line: string): void {
  const base = source.split('#')[0]!;
  process.stdout.write(`${colour(COLOURS[base] ?? 0, source.padEnd(width))} ${line}\n`);
}
/** Log prefix width: `booking#2` needs more room than `booking`. */
let width = 8;

/** Renders a pino JSON line readably (time, level, message, a few fields); other lines pass as they are. */
function render(line: string): string {
  if (!line.startsWith('{')) return line;
  try {
    const o = JSON.parse(line) as Record<string, unknown>;
    const level =
      ({ 10: 'TRACE', 20: 'DEBUG', 30: 'INFO', 40: 'WARN', 50: 'ERROR', 60: 'FATAL' } as Record<number, string>)[
        o.level as number
      ] ?? '';
    const time = typeof o.time === 'string' ? o.time.slice(11, 19) : '';
    const { level: _l, time: _t, msg, service: _s, pid: _p, hostname: _h, req, res, responseTime, ...rest } = o;
    const r = req as { method?: string; url?: string } | undefined;
    const http = r
      ? ` ${r.method} ${r.url} -> ${(res as { statusCode?: number })?.statusCode} (${responseTime} ms)`
      : '';
    const extra = Object.keys(rest).length ? ` ${JSON.stringify(rest)}` : '';
    return `${time} ${level.padEnd(5)} ${msg ?? ''}${http}${extra}`;
  } catch {
    return line;
  }
}

function pipeLines(stream: NodeJS.ReadableStream | null, source: string): void {
  if (!stream) return;
  let buf = '';
  stream.setEncoding('utf8');
  stream.on('data', (chunk: string) => {
    buf += chunk;
    let i: number;
    while ((i = buf.indexOf('\n')) >= 0) {
      const line = buf.slice(0, i);
      buf = buf.slice(i + 1);
      if (line.trim()) say(source, process.env.LOG_FORMAT === 'json' ? line : render(line));
    }
  });
}

/** One child process (a replica of `name`, logged as `label`), restarted with back-off when it dies. */
class Child {
  private proc?: ChildProcess;
  private restarts = 0;
  private startedAt = 0;
  private timer?: NodeJS.Timeout;
  stopping = false;

  constructor(
    readonly name: ProcessName,
    readonly label: string,
    private readonly env: NodeJS.ProcessEnv,
    private readonly semiSpaceMb: number,
  ) {}

  start(): void {
    const entry = path.join(ROOT, 'services', this.name, 'src', 'main.ts');
    this.startedAt = Date.now();
    this.proc = spawn(process.execPath, [`--max-semi-space-size=${this.semiSpaceMb}`, '--import', 'tsx', entry], {
      cwd: ROOT,
      env: this.env,
      stdio: ['ignore', 'pipe', 'pipe'],
      detached: true,
    });
    const port = this.name === 'gateway' ? this.env.GATEWAY_PORT : this.env.PORT;
    say('launcher', `${this.label} started (pid ${this.proc.pid}, port ${port})`);
    pipeLines(this.proc.stdout, this.label);
    pipeLines(this.proc.stderr, this.label);
    this.proc.on('exit', (code, signal) => {
      this.proc = undefined;
      if (this.stopping) return;
      if (code === 2) {
        say('launcher', `${this.label} stopped on a configuration error (see above); not restarting it`);
        void shutdown(2);
        return;
      }
      if (Date.now() - this.startedAt > 30_000) this.restarts = 0;
      const delay = Math.min(30_000, 500 * 2 ** this.restarts);
      this.restarts++;
      say(
        'launcher',
        `${this.label} exited (${signal ?? `code ${code}`}); restarting in ${(delay / 1000).toFixed(1)} s ` +
          `(restart #${this.restarts})`,
      );
      this.timer = setTimeout(() => this.start(), delay);
    });
  }

  /** Immediate, synchronous kill (process exit path). */
  kill(): void {
    this.stopping = true;
    if (this.proc && this.proc.exitCode === null) this.proc.kill('SIGKILL');
  }

  stop(): Promise<void> {
    this.stopping = true;
    clearTimeout(this.timer);
    const proc = this.proc;
    if (!proc || proc.exitCode !== null) return Promise.resolve();
    return new Promise((resolve) => {
      const kill = setTimeout(() => proc.kill('SIGKILL'), 8_000);
      proc.once('exit', () => {
        clearTimeout(kill);
        resolve();
      });
      const sent = proc.kill('SIGTERM');
      if (process.env.PETPRO_LAUNCHER_DEBUG) say('launcher', `SIGTERM to ${this.label} (${proc.pid}): ${sent}`);
    });
  }
}

const children: Child[] = [];
let stopDb: (() => Promise<void>) | undefined;
let shuttingDown = false;

async function shutdown(code = 0): Promise<void> {
  if (shuttingDown) return;
  shuttingDown = true;
  say('launcher', 'stopping every process…');
  const hard = setTimeout(() => process.exit(code || 1), 9_500);
  hard.unref();
  // Gateway first (no new traffic), then the services, then the database.
  const gateway = children.filter((c) => c.name === 'gateway');
  await Promise.all(gateway.map((c) => c.stop()));
  await Promise.all(children.filter((c) => c.name !== 'gateway').map((c) => c.stop()));
  if (stopDb) await stopDb().catch(() => {});
  say('launcher', 'stopped');
  process.exit(code);
}

async function readOrCreateSecret(file: string): Promise<string> {
  if (existsSync(file)) return (await fs.readFile(file, 'utf8')).trim();
  const secret = randomBytes(32).toString('base64url');
  await fs.writeFile(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

/**
 * The VAPID key pair for Web Push, kept in the data folder like the service secret: browsers'
 * subscriptions are bound to the public key, so it must survive restarts. Used when neither
 * VAPID_PUBLIC_KEY nor VAPID_PRIVATE_KEY is set.
 */
async function readOrCreateVapidKeys(file: string): Promise<{ publicKey: string; privateKey: string }> {
  if (existsSync(file)) return JSON.parse(await fs.readFile(file, 'utf8'));
  const keys = webpush.generateVAPIDKeys();
  await fs.writeFile(file, `${JSON.stringify(keys)}\n`, { mode: 0o600 });
  return keys;
}

async function ensureDatabases(serverUrl: string, names: string[]): Promise<void> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString(), connectionTimeoutMillis: 5_000 });
  await client.connect();
  try {
    for (const name of names) {
      const found = await client.query('select 1 from pg_database where datname = $1', [name]);
      if (found.rowCount === 0) await client.query(`create database ${pg.escapeIdentifier(name)}`);
    }
  } finally {
    await client.end();
  }
}

async function waitReady(url: string, timeoutMs: number): Promise<boolean> {
  const until = Date.now() + timeoutMs;
  while (Date.now() < until) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      if (res.ok) return true;
    } catch {
      /* not up yet */
    }
    await new Promise((r) => setTimeout(r, 500));
  }
  return false;
}

async function main(): Promise<void> {
  const config = parseConfig(launcherEnv);
  const plan = planLaunch(process.argv.slice(2), {
    PETPRO_SCALE: process.env.PETPRO_SCALE,
    REDIS_URL: config.REDIS_URL,
  });
  const selected = Object.keys(plan.replicas) as ProcessName[];
  const dataDir = path.resolve(ROOT, config.PETPRO_DATA_DIR);
  await fs.mkdir(dataDir, { recursive: true });

  const secret = config.SERVICE_SECRET ?? (await readOrCreateSecret(path.join(dataDir, 'service-secret')));
  const vapid =
    process.env.VAPID_PUBLIC_KEY || process.env.VAPID_PRIVATE_KEY
      ? undefined
      : await readOrCreateVapidKeys(path.join(dataDir, 'vapid-keys.json'));
  let databaseUrl = config.DATABASE_URL;
  const services = selected.filter((s): s is (typeof SERVICE_NAMES)[number] => s !== 'gateway');
  if (services.length && !databaseUrl) {
    say(
      'launcher',
      `starting the embedded PostgreSQL (data in ${path.relative(ROOT, path.join(dataDir, 'pg')) || dataDir})…`,
    );
    const db = await (await import('@petpro/kit/embedded-db')).startEmbeddedPostgres({
      dir: dataDir,
      onLog: (l) => {
        if (/ERROR|FATAL|PANIC/.test(l)) say('postgres', l);
      },
    });
    stopDb = db.stop;
    databaseUrl = db.url;
    say('launcher', `embedded PostgreSQL on 127.0.0.1:${db.port}`);
  }
  if (services.length) {
    const own = services.filter((s) => !process.env[`${s.toUpperCase()}_DATABASE_URL`]);
    if (own.length)
      await ensureDatabases(
        databaseUrl!,
        own.map((s) => `petpro_${s}`),
      );
  }

  const servicePorts: Record<(typeof SERVICE_NAMES)[number], number> = {
    auth: config.AUTH_PORT,
    user: config.USER_PORT,
    clinic: config.CLINIC_PORT,
    booking: config.BOOKING_PORT,
  };
  // Gateways on consecutive ports from GATEWAY_PORT, so a load balancer (or a client) has a plain list.
  const gwPorts = await Promise.all(
    gatewayPorts(config.GATEWAY_PORT, plan.replicas.gateway ?? 1).map((p) => (p === 0 ? freePort() : p)),
  );
  const gatewayUrls = gwPorts.map((p) => `http://localhost:${p}`);
  const gatewayUrl = gatewayUrls[0]!;
  const common: NodeJS.ProcessEnv = {
    ...process.env,
    PETPRO_DATA_DIR: dataDir,
    PETPRO_PARENT_PID: String(process.pid),
    SERVICE_SECRET: secret,
    ...(vapid ? { VAPID_PUBLIC_KEY: vapid.publicKey, VAPID_PRIVATE_KEY: vapid.privateKey } : {}),
    // Services register on the first gateway's internal listener (loopback only by default).
    REGISTRY_URL: config.REGISTRY_URL ?? `http://127.0.0.1:${config.GATEWAY_INTERNAL_PORT}`,
    PUBLIC_URL: config.PUBLIC_URL ?? gatewayUrl,
    ...(databaseUrl ? { DATABASE_URL: databaseUrl } : {}),
  };
  for (const name of selected) {
    const count = plan.replicas[name]!;
    for (let i = 0; i < count; i++) {
      const label = count > 1 ? `${name}#${i + 1}` : name;
      width = Math.max(width, label.length);
      const env: NodeJS.ProcessEnv = { ...common };
      if (name === 'gateway') {
        env.GATEWAY_PORT = String(gwPorts[i]);
        // A second gateway on this machine needs its own internal (registry, metrics) listener.
        env.GATEWAY_INTERNAL_PORT = String(i === 0 ? config.GATEWAY_INTERNAL_PORT : await freePort());
      } else {
        // The first replica keeps its configured port; the others take free ones and advertise those
        // (a fixed ADVERTISE_URL would send every replica's traffic to the first).
        env.PORT = String(i === 0 ? servicePorts[name] : await freePort());
        if (i > 0) delete env.ADVERTISE_URL;
      }
      children.push(new Child(name, label, env, config.PETPRO_SEMI_SPACE_MB));
    }
  }
  for (const c of children) c.start();

  if (selected.includes('gateway')) {
    const ready = await Promise.all(gwPorts.map((p) => waitReady(`http://127.0.0.1:${p}/readyz`, 60_000)));
    const scaled = selected.filter((p) => plan.replicas[p]! > 1).map((p) => `${p} ×${plan.replicas[p]}`);
    const lines = [
      '',
      ready.every(Boolean)
        ? 'PetPro is running.'
        : 'PetPro started, but not every service is ready yet (see the log above).',
      gatewayUrls.length > 1
        ? `  Gateways:  ${gatewayUrls.join(', ')}   (any of them; put a load balancer in front)`
        : `  Gateway:   ${gatewayUrl}`,
      `  API docs:  ${gatewayUrl}/docs   (OpenAPI: ${gatewayUrl}/openapi.json)`,
      `  Health:    ${gatewayUrl}/readyz`,
      ...(scaled.length ? [`  Replicas:  ${scaled.join(', ')} (shared state in Redis)`] : []),
      config.PETPRO_ADMIN_EMAIL
        ? `  Admin:     log in as ${config.PETPRO_ADMIN_EMAIL} (POST ${gatewayUrl}/api/v1/auth/login)`
        : '  Admin:     set PETPRO_ADMIN_EMAIL and PETPRO_ADMIN_PASSWORD before `npm start` to create one',
      config.SMTP_URL
        ? '  Mail:      sent over SMTP_URL'
        : `  Mail:      no SMTP_URL, so messages go to ${path.join(dataDir, 'outbox')} (links are also logged)`,
      '  Next:      register with POST /api/v1/auth/register, open the verification link, log in.',
      '  Stop:      Ctrl-C',
      '',
    ];
    for (const l of lines) say('launcher', l);
  } else {
    say('launcher', `started ${children.map((c) => c.label).join(', ')}`);
  }
}

// `on`, not `once`: tsx's signal relay ends the process when no listener is left after the first signal.
process.on('SIGINT', () => void shutdown(0));
process.on('SIGTERM', () => void shutdown(0));
// Safety net: children live in their own process groups, so take them down if we exit any other way.
process.on('exit', () => {
  for (const c of children) c.kill();
});

main().catch(async (err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    if (stopDb) await stopDb().catch(() => {});
    process.exit(2);
  }
  process.stderr.write(`launcher failed: ${(err as Error).stack ?? err}\n`);
  await shutdown(1);
});
