/** Helpers for tests that run against real components: a real PostgreSQL, a real SMTP server, real HTTP. */
import { randomBytes } from 'node:crypto';
import net from 'node:net';
import { spawn, type ChildProcess } from 'node:child_process';
import { freePort } from './embedded-db.ts';
import pg from 'pg';
import { SMTPServer } from 'smtp-server';
import { simpleParser } from 'mailparser';

/** Creates a fresh, empty database on the test server and returns its URL. */
export async function createTestDatabase(serverUrl: string, label: string): Promise<string> {
  // Named after the test run (set by the global setup), so the run can drop its own databases at the end.
  const run = (process.env.PETPRO_TEST_RUN ?? 'x').replace(/[^a-z0-9]/gi, '').toLowerCase();
  const name = `t_${run}_${label.replace(/[^a-z0-9]/gi, '').toLowerCase()}_${randomBytes(4).toString('hex')}`;
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    await client.query(`create database ${pg.escapeIdentifier(name)}`);
  } finally {
    await client.end();
  }
  const url = new URL(serverUrl);
  url.pathname = `/${name}`;
  return url.toString();
}

/** Drops every database a test run created (by its run id); for a shared TEST_DATABASE_URL server. */
export async function dropTestDatabases(serverUrl: string, run: string): Promise<number> {
  const admin = new URL(serverUrl);
  admin.pathname = '/postgres';
  const client = new pg.Client({ connectionString: admin.toString() });
  await client.connect();
  try {
    const rows = await client.query<{ datname: string }>('select datname from pg_database where datname like $1', [
      `t\\_${run.toLowerCase()}\\_%`,
    ]);
    for (const { datname } of rows.rows)
      await client.query(`drop database if exists ${pg.escapeIdentifier(datname)} with (force)`);
    return rows.rowCount ?? 0;
  } finally {
    await client.end();
  }
}

export interface CapturedMail {
  to: string[];
  from: string;
  subject: string;
  text: string;
  html: string;
  messageId: string;
}

/** A real SMTP server (smtp-server) on loopback that keeps every message it receives. */
export async function startSmtpCapture() {
  const mails: CapturedMail[] = [];
  const waiters: Array<() => void> = [];
  const server = new SMTPServer({
    authOptional: true,
    disabledCommands: ['STARTTLS'],
    logger: false,
    onData(stream, session, callback) {
      simpleParser(stream)
        .then((parsed) => {
          mails.push({
            to: session.envelope.rcptTo.map((r) => r.address.toLowerCase()),
            from: session.envelope.mailFrom ? session.envelope.mailFrom.address : '',
            subject: parsed.subject ?? '',
            text: parsed.text ?? '',
            html: typeof parsed.html === 'string' ? parsed.html : '',
            messageId: parsed.messageId ?? '',
          });
          for (const w of waiters.splice(0)) w();
          callback();
        })
        .catch(callback);
    },
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.server.address() as { port: number }).port;
  return {
    url: `smtp://127.0.0.1:${port}`,
    mails,
    /** Waits for a message to `to` (optionally matching `subject`) and returns it. */
    async waitFor(
      to: string,
      match: (m: CapturedMail) => boolean = () => true,
      timeoutMs = 10_000,
    ): Promise<CapturedMail> {
      const until = Date.now() + timeoutMs;
      for (;;) {
        const found = [...mails].reverse().find((m) => m.to.includes(to.toLowerCase()) && match(m));
        if (found) return found;
        const left = until - Date.now();
        if (left <= 0) throw new Error(`no mail to ${to} within ${timeoutMs} ms (got ${mails.length} mails)`);
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, Math.min(left, 200));
          waiters.push(() => {
            clearTimeout(t);
            resolve();
          });
        });
      }
    },
    close: () => new Promise<void>((resolve) => server.close(() => resolve())),
  };
}
export type SmtpCapture = Awaited<ReturnType<typeof startSmtpCapture>>;

export interface HttpResult<T = any> {
  status: number;
  headers: Headers;
  body: T;
  text: string;
}

/** A small JSON HTTP client for tests: never throws on a status, parses JSON when it can. */
export function httpClient(baseUrl: string, defaults: { token?: string } = {}) {
  const call = async <T = any>(
    method: string,
    path: string,
    opts: { body?: unknown; token?: string; headers?: Record<string, string>; raw?: BodyInit } = {},
  ): Promise<HttpResult<T>> => {
    const headers: Record<string, string> = { ...opts.headers };
    const token = opts.token ?? defaults.token;
    if (token) headers.authorization = `Bearer ${token}`;
    let body: BodyInit | undefined = opts.raw;
    if (opts.body !== undefined) {
      headers['content-type'] ??= 'application/json';
      body = JSON.stringify(opts.body);
    }
    // Concatenated, not resolved: a path like `//x` must reach the server as written.
    const res = await fetch(path.startsWith('/') ? `${baseUrl.replace(/\/$/, '')}${path}` : new URL(path, baseUrl), {
      method,
      headers,
      body,
      redirect: 'manual',
    });
    const text = await res.text();
    let parsed: unknown = text;
    try {
      parsed = text ? JSON.parse(text) : undefined;
    } catch {
      /* not JSON */
    }
    return { status: res.status, headers: res.headers, body: parsed as T, text };
  };
  return {
    get: <T = any>(path: string, opts?: Parameters<typeof call>[2]) => call<T>('GET', path, opts),
    post: <T = any>(path: string, body?: unknown, opts?: Parameters<typeof call>[2]) =>
      call<T>('POST', path, { ...opts, body }),
    put: <T = any>(path: string, body?: unknown, opts?: Parameters<typeof call>[2]) =>
      call<T>('PUT', path, { ...opts, body }),
    patch: <T = any>(path: string, body?: unknown, opts?: Parameters<typeof call>[2]) =>
      call<T>('PATCH', path, { ...opts, body }),
    delete: <T = any>(path: string, opts?: Parameters<typeof call>[2]) => call<T>('DELETE', path, opts),
    call,
  };
}
export type HttpClient = ReturnType<typeof httpClient>;

/** Polls `fn` until it returns a truthy value or the time runs out. */
export async function eventually<T>(
  fn: () => Promise<T | undefined | false> | T | undefined | false,
  timeoutMs = 10_000,
  stepMs = 100,
): Promise<T> {
  const until = Date.now() + timeoutMs;
  let last: unknown;
  for (;;) {
    try {
      const v = await fn();
      if (v) return v as T;
    } catch (err) {
      last = err;
    }
    if (Date.now() > until)
      throw new Error(`condition not met within ${timeoutMs} ms${last ? `: ${(last as Error).message}` : ''}`);
    await new Promise((r) => setTimeout(r, stepMs));
  }
}

/**
 * A private redis-server (no persistence) on a free loopback port, for tests and benchmarks that
 * must stop Redis without touching the shared one. `stop()` kills it (its data is gone, as after a
 * real restart without persistence); `start()` brings it back on the same port.
 */
export async function startRedisServer(opts: { port?: number } = {}) {
  const port = opts.port ?? (await freePort());
  let proc: ChildProcess | undefined;
  const start = async () => {
    const child = spawn(
      'redis-server',
      ['--port', String(port), '--bind', '127.0.0.1', '--save', '', '--appendonly', 'no', '--loglevel', 'warning'],
      { stdio: ['ignore', 'pipe', 'pipe'] },
    );
    proc = child;
    // Ready when it answers PING (redis-server prints nothing at this log level).
    await eventually(
      () =>
        new Promise<boolean>((resolve) => {
          if (child.exitCode !== null) return resolve(false);
          const s = net.connect(port, '127.0.0.1');
          s.setTimeout(500);
          s.once('connect', () => s.write('PING\r\n'));
          s.once('data', (d) => {
            s.destroy();
            resolve(d.toString().startsWith('+PONG'));
          });
          s.once('error', () => resolve(false));
          s.once('timeout', () => {
            s.destroy();
            resolve(false);
          });
        }),
      10_000,
      50,
    );
  };
  const stop = () =>
    new Promise<void>((resolve) => {
      const p = proc;
      proc = undefined;
      if (!p || p.exitCode !== null) return resolve();
      p.once('exit', () => resolve());
      p.kill('SIGKILL');
    });
  await start();
  return { url: `redis://127.0.0.1:${port}`, port, start, stop };
}
export type RedisServer = Awaited<ReturnType<typeof startRedisServer>>;
