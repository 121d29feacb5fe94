/**
 * Gateway throughput and latency, side by side in one run on this machine: a trivial upstream (a
 * node:http server answering ~150 bytes of JSON) reached directly, through the PetPro gateway with
 * every protection on (IP blocks, CORS, rate limits set high, automatic blocks, in-flight caps,
 * framing checks, access log at info), and through nginx (one worker, keep-alive upstream) when
 * `nginx` is on the PATH. Load comes from wrk when installed, else autocannon. Each target gets
 * `-c BENCH_CONNECTIONS` (64) for BENCH_SECONDS (10 s) after a warm-up, then one connection for
 * the p50 of a lone client; BENCH_ROUNDS (3) rounds, best-of and spread printed at the end.
 * BENCH_GATEWAY_WORKERS sets GATEWAY_WORKERS (default 1); BENCH_GATEWAY_NODE_ARGS adds node options to the gateway
 * (`--cpu-prof --cpu-prof-dir=/tmp/prof` to profile it).
 */
import { spawn, spawnSync, type ChildProcess } from 'node:child_process';
import { mkdtempSync, openSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import autocannon from 'autocannon';
import { HttpRegistry, ServiceCredentials, createLogger, keepRegistered } from '@petpro/kit';
import { freePort } from '@petpro/kit/embedded-db';

const ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '..');
const SECRET = 'petpro-bench-service-secret-0123456789abcdef';
const PATH = '/api/v1/clinics?city=Jakarta';
const env = process.env;
const CONNECTIONS = Number(env.BENCH_CONNECTIONS ?? 64);
const SECONDS = Number(env.BENCH_SECONDS ?? 10);
const ROUNDS = Number(env.BENCH_ROUNDS ?? 3);
const WARMUP_SECONDS = 2;
const LONE_SECONDS = 5;

/** The upstream, in its own process so that it does not share an event loop with the load or the gateway. */
const UPSTREAM_SOURCE = `
import http from 'node:http';
const body = JSON.stringify({
  items: [{ id: '0190f5a4-5c3e-7000-8000-000000000001', name: 'Klinik Hewan Sehat', city: 'Jakarta' }],
  nextCursor: null,
});
http.createServer((req, res) => {
  if (req.url.startsWith('/internal/sessions/revocations')) {
    res
      .writeHead(200, { 'content-type': 'application/json' })
      .end(JSON.stringify({ items: [], now: new Date().toISOString() }));
    return;
  }
  res.writeHead(200, { 'content-type': 'application/json', 'content-length': Buffer.byteLength(body) }).end(body);
}).listen(Number(process.env.PORT), '127.0.0.1', () => process.send?.('ready'));
`;

interface Figures {
  rps: number;
  p50: number;
  p99: number;
  errors: number;
}

const children: ChildProcess[] = [];

function startChild(cmd: string, args: string[], childEnv: NodeJS.ProcessEnv, logFile: string): ChildProcess {
  const out = openSync(logFile, 'a');
  const child = spawn(cmd, args, { cwd: ROOT, env: childEnv, stdio: ['ignore', out, out, 'ipc'] });
  children.push(child);
  return child;
}

async function waitFor(url: string, timeoutMs = 30_000): Promise<void> {
  const until = Date.now() + timeoutMs;
  for (;;) {
    try {
      const res = await fetch(url, { signal: AbortSignal.timeout(1_000) });
      await res.arrayBuffer();
      if (res.ok) return;
    } catch {
      /* not yet */
    }
    if (Date.now() > until) throw new Error(`${url} did not answer 200 within ${timeoutMs} ms`);
    await new Promise((r) => setTimeout(r, 200));
  }
}

/** wrk's "Latency Distribution" values (`1.23ms`, `812.00us`, `1.02s`) in milliseconds. */
function wrkMs(text: string, label: string): number {
  const m = new RegExp(`^\\s*${label}\\s+([\\d.]+)(us|ms|s)\\s*$`, 'm').exec(text);
  if (!m) return Number.NaN;
  const n = Number(m[1]);
  return m[2] === 'us' ? n / 1000 : m[2] === 's' ? n * 1000 : n;
}

async function load(url: string, connections: number, seconds: number): Promise<Figures> {
  if (haveWrk) {
    // Asynchronously: this process keeps the upstream registered (heartbeats) while wrk runs.
    const text = await new Promise<string>((resolve, reject) => {
      const wrk = spawn('wrk', ['-t1', `-c${connections}`, `-d${seconds}s`, '--latency', url]);
      let out = '';
      wrk.stdout.on('data', (d: Buffer) => (out += d.toString()));
      wrk.on('error', reject);
      wrk.on('close', () => resolve(out));
    });
    const errors = /Non-2xx or 3xx responses: (\d+)/.exec(text)?.[1] ?? '0';
    const socketErrors = /Socket errors: connect (\d+), read (\d+), write (\d+), timeout (\d+)/.exec(text);
    return {
      rps: Number(/Requests\/sec:\s+([\d.]+)/.exec(text)?.[1] ?? Number.NaN),
      p50: wrkMs(text, '50%'),
      p99: wrkMs(text, '99%'),
      errors: Number(errors) + (socketErrors ? socketErrors.slice(1).reduce((s, n) => s + Number(n), 0) : 0),
    };
  }
  const r = await autocannon({ url, connections, duration: seconds });
  return {
    rps: r.requests.average,
    p50: r.latency.p50,
    p99: r.latency.p99,
    errors: r.errors + r.timeouts + r.non2xx,
  };
}

const haveWrk = spawnSync('wrk', ['--version'], { encoding: 'utf8' }).error === undefined;
const haveNginx = spawnSync('nginx', ['-v'], { encoding: 'utf8' }).error === undefined;

function nginxConfig(dir: string, port: number, upstreamPort: number): string {
  return `
worker_processes 1;
daemon off;
pid ${dir}/nginx.pid;
error_log ${dir}/nginx-error.log warn;
events { worker_connections 4096; }
http {
  access_log ${dir}/nginx-access.log;
  client_body_temp_path ${dir}/body;
  proxy_temp_path ${dir}/proxy;
  fastcgi_temp_path ${dir}/fastcgi;
  uwsgi_temp_path ${dir}/uwsgi;
  scgi_temp_path ${dir}/scgi;
  upstream trivial { server 127.0.0.1:${upstreamPort}; keepalive 128; }
  server {
    listen 127.0.0.1:${port};
    location / {
      proxy_pass http://trivial;
      proxy_http_version 1.1;
      proxy_set_header Connection "";
    }
  }
}
`;
}

/** User + system CPU of a process and its children (nginx's worker), in ms, from /proc; NaN elsewhere. */
function cpuMs(pid: number | undefined): number {
  if (pid === undefined) return Number.NaN;
  try {
    const ticks = (p: number) => {
      const fields = readFileSync(`/proc/${p}/stat`, 'utf8').split(') ')[1]!.split(' ');
      return Number(fields[11]) + Number(fields[12]);
    };
    let total = ticks(pid);
    const children = readFileSync(`/proc/${pid}/task/${pid}/children`, 'utf8').trim();
    for (const child of children ? children.split(' ') : []) total += ticks(Number(child));
    return total * 10; // USER_HZ is 100 on Linux
  } catch {
    return Number.NaN;
  }
}

const fmt = (f: Figures) =>
  `${f.rps.toFixed(0).padStart(7)} req/s  p50 ${f.p50.toFixed(2).padStart(6)} ms  p99 ` +
  `${f.p99.toFixed(2).padStart(6)} ms${f.errors ? `  (${f.errors} errors)` : ''}`;

export async function run(): Promise<void> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'petpro-bench-gw-'));
  const [upstreamPort, gatewayPort, internalPort, nginxPort] = await Promise.all([
    freePort(),
    freePort(),
    freePort(),
    freePort(),
  ]);
  console.log(
    `load average ${os
      .loadavg()
      .map((n) => n.toFixed(2))
      .join(' ')}, ${os.cpus().length} cores`,
  );
  console.log(`load generator: ${haveWrk ? 'wrk -t1' : 'autocannon'}; nginx: ${haveNginx ? 'yes' : 'not on the PATH'}`);
  const registrations: Array<{ stop(): Promise<void> }> = [];
  try {
    startChild(
      process.execPath,
      ['--input-type=module', '-e', UPSTREAM_SOURCE],
      { PATH: env.PATH, PORT: String(upstreamPort) },
      path.join(dir, 'upstream.log'),
    );
    const upstream = `http://127.0.0.1:${upstreamPort}`;
    await waitFor(`${upstream}/healthz`);

    const gatewayProcess = startChild(
      process.execPath,
      [
        ...(env.BENCH_GATEWAY_NODE_ARGS?.split(' ').filter(Boolean) ?? []),
        '--import',
        'tsx',
        'services/gateway/src/main.ts',
      ],
      {
        PATH: env.PATH,
        HOST: '127.0.0.1',
        GATEWAY_PORT: String(gatewayPort),
        GATEWAY_INTERNAL_PORT: String(internalPort),
        SERVICE_SECRET: SECRET,
        PETPRO_DATA_DIR: dir,
        LOG_LEVEL: 'info',
        // Every protection on, limits high enough for one client address sending ~100k requests a minute.
        RATE_LIMIT_PER_MINUTE: '1000000000',
        RATE_LIMIT_AUTH_PER_MINUTE: '1000000000',
        GATEWAY_MAX_IN_FLIGHT: '10000',
        GATEWAY_MAX_REQUESTS_PER_SOCKET: '0',
        CORS_ORIGINS: 'https://app.petpro.id',
        GATEWAY_WORKERS: env.BENCH_GATEWAY_WORKERS ?? '1',
      },
      path.join(dir, 'gateway.log'),
    );
    const registryUrl = env.BENCH_REGISTRY_URL ?? `http://127.0.0.1:${internalPort}`;
    const log = createLogger('bench', 'silent');
    for (const name of ['clinic', 'auth'] as const) {
      const credentials = new ServiceCredentials(SECRET, name);
      const registry = new HttpRegistry(registryUrl, () => credentials.token());
      registrations.push(
        keepRegistered(
          registry,
          { id: `${name}-bench`, name, url: upstream, version: 'bench', healthUrl: `${upstream}/healthz` },
          log,
          1_000,
        ),
      );
    }
    const gateway = `http://127.0.0.1:${gatewayPort}`;
    await waitFor(`${gateway}${PATH}`);

    // CPU time per request of the proxy itself (Linux): less disturbed by other load on the machine
    // than requests per second. (nginx's worker is the child of its master: its CPU is counted too.)
    const cpuOf = new Map<string, number | undefined>([['PetPro', gatewayProcess.pid]]);
    const targets: Array<[string, string]> = [
      ['direct', upstream],
      ['PetPro', gateway],
    ];
    if (haveNginx) {
      for (const sub of ['body', 'proxy', 'fastcgi', 'uwsgi', 'scgi']) rmSync(path.join(dir, sub), { force: true });
      writeFileSync(path.join(dir, 'nginx.conf'), nginxConfig(dir, nginxPort, upstreamPort));
      const nginx = startChild(
        'nginx',
        ['-c', path.join(dir, 'nginx.conf')],
        { PATH: env.PATH },
        path.join(dir, 'nginx.log'),
      );
      cpuOf.set('nginx', nginx.pid);
      targets.push(['nginx', `http://127.0.0.1:${nginxPort}`]);
      await waitFor(`${targets[2]![1]}${PATH}`);
    }

    const results = new Map<string, Array<{ many: Figures; lone: Figures }>>();
    for (let round = 1; round <= ROUNDS; round++) {
      console.log(`round ${round}/${ROUNDS}`);
      for (const [name, base] of targets) {
        await load(`${base}${PATH}`, CONNECTIONS, WARMUP_SECONDS);
        const cpuBefore = cpuMs(cpuOf.get(name));
        const many = await load(`${base}${PATH}`, CONNECTIONS, SECONDS);
        const cpuUs = ((cpuMs(cpuOf.get(name)) - cpuBefore) * 1000) / (many.rps * SECONDS);
        const lone = await load(`${base}${PATH}`, 1, LONE_SECONDS);
        const cpu = Number.isFinite(cpuUs) && cpuUs > 0 ? ` | CPU ${cpuUs.toFixed(0)} µs/req` : '';
        console.log(`  ${name.padEnd(7)} -c${CONNECTIONS}: ${fmt(many)} | -c1 p50 ${lone.p50.toFixed(3)} ms${cpu}`);
        results.set(name, [...(results.get(name) ?? []), { many, lone }]);
      }
    }

    console.log(`\nbest of ${ROUNDS} (spread of req/s across rounds in brackets):`);
    const best = new Map<string, { rps: number; p50: number; p99: number; lone: number }>();
    for (const [name, runs] of results) {
      const top = runs.reduce((a, b) => (b.many.rps > a.many.rps ? b : a));
      const rps = runs.map((r) => r.many.rps);
      const lone = Math.min(...runs.map((r) => r.lone.p50));
      best.set(name, { rps: top.many.rps, p50: top.many.p50, p99: top.many.p99, lone });
      console.log(
        `  ${name.padEnd(7)} ${top.many.rps.toFixed(0).padStart(7)} req/s ` +
          `[${Math.min(...rps).toFixed(0)}–${Math.max(...rps).toFixed(0)}]  p50 ${top.many.p50.toFixed(2)} ms  p99 ` +
          `${top.many.p99.toFixed(2)} ms  | one connection p50 ${lone.toFixed(3)} ms`,
      );
    }
    const petpro = best.get('PetPro')!;
    const direct = best.get('direct')!;
    const nginx = best.get('nginx');
    if (nginx) console.log(`  PetPro/nginx req/s: ${(petpro.rps / nginx.rps).toFixed(2)}x`);
    console.log(`  PetPro − direct, p50 at one connection: ${(petpro.lone - direct.lone).toFixed(3)} ms`);
  } finally {
    await Promise.all(registrations.map((r) => r.stop()));
    for (const c of children) c.kill('SIGTERM');
    await new Promise((r) => setTimeout(r, 500));
    rmSync(dir, { recursive: true, force: true });
  }
}
