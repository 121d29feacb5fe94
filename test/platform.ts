/**
 * The whole platform in one test process: the real gateway and the four real services, each with its
 * own fresh database on the test PostgreSQL, sharing one registry, sending mail to a real SMTP server.
 */
import os from 'node:os';
import path from 'node:path';
import { mkdtempSync } from 'node:fs';
import {
  MemoryRegistry,
  ServiceCredentials,
  createLogger,
  closeServer,
  startService,
  type Registry,
  type RunningService,
} from '@petpro/kit';
import { createTestDatabase, eventually, httpClient, startSmtpCapture } from '@petpro/kit/testing';
import { buildGateway } from '../services/gateway/src/app.ts';
import { parseGatewayConfig } from '../services/gateway/src/config.ts';
import { definition as auth } from '../services/auth/src/app.ts';
import { definition as user } from '../services/user/src/app.ts';
import { definition as clinic } from '../services/clinic/src/app.ts';
import { definition as booking } from '../services/booking/src/app.ts';

export const TEST_SECRET = 'petpro-test-service-secret-0123456789abcdef';
export const ADMIN = { email: 'admin@petpro.test', password: 'Admin-password-for-tests-1' };

const DEFINITIONS = { auth, user, clinic, booking } as const;
export type ServiceKey = keyof typeof DEFINITIONS;

export interface PlatformOptions {
  databaseUrl: string;
  /** Extra environment for every process (e.g. gateway limits). */
  env?: Record<string, string>;
  /** Which services to start (default: all four). */
  services?: ServiceKey[];
  /** The registry of the gateway and services (default: in memory; a RedisRegistry when REDIS_URL is in `env`). */
  registry?: Registry;
}

export async function startPlatform(opts: PlatformOptions) {
  const smtp = await startSmtpCapture();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'petpro-data-'));
  const registry = opts.registry ?? new MemoryRegistry();
  const baseEnv: NodeJS.ProcessEnv = {
    PATH: process.env.PATH,
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_LEVEL: process.env.TEST_LOG_LEVEL ?? 'silent',
    SERVICE_SECRET: TEST_SECRET,
    SMTP_URL: smtp.url,
    PETPRO_DATA_DIR: dataDir,
    PETPRO_ADMIN_EMAIL: ADMIN.email,
    PETPRO_ADMIN_PASSWORD: ADMIN.password,
    // Tests share one loopback IP: generous gateway limits unless a test sets its own.
    RATE_LIMIT_PER_MINUTE: '100000',
    RATE_LIMIT_AUTH_PER_MINUTE: '100000',
    AUTO_BLOCK_THRESHOLD: '0',
    AUTH_IP_LIMIT_FACTOR: '100',
    ...opts.env,
  };
  const keys = opts.services ?? (Object.keys(DEFINITIONS) as ServiceKey[]);
  const running: Partial<Record<ServiceKey, RunningService>> = {};
  const dbUrls: Partial<Record<ServiceKey, string>> = {};
  for (const key of keys) {
    dbUrls[key] = await createTestDatabase(opts.databaseUrl, key);
  }
  const env: NodeJS.ProcessEnv = { ...baseEnv };
  for (const key of keys) env[`${key.toUpperCase()}_DATABASE_URL`] = dbUrls[key];
  const log = createLogger('gateway', baseEnv.LOG_LEVEL);
  const gateway = buildGateway({
    config: parseGatewayConfig({ ...env, GATEWAY_PORT: '0' }),
    log,
    registry,
    credentials: new ServiceCredentials(TEST_SECRET, 'gateway'),
  });
  const gw = await gateway.listen({ port: 0, host: '127.0.0.1', internalPort: 0, internalHost: '127.0.0.1' });
  const gatewayUrl = `http://127.0.0.1:${gw.port}`;
  env.PUBLIC_URL = gatewayUrl;
  // Services register over HTTP on the gateway's internal listener, as under the launcher.
  env.REGISTRY_URL = `http://127.0.0.1:${gw.internalPort}`;
  env.GATEWAY_INTERNAL_PORT = String(gw.internalPort);
  const registered = async (instances: RunningService[]) => {
    const ids = new Set(instances.map((r) => r.url));
    await eventually(async () => (await registry.list()).filter((i) => ids.has(i.url)).length === ids.size, 10_000, 20);
    await gateway.pool.refresh();
  };
  await Promise.all(
    keys.map(async (key) => {
      running[key] = await startService(DEFINITIONS[key] as never, { env, noSignals: true });
    }),
  );
  await gateway.start();
  await registered(Object.values(running) as RunningService[]);
  return {
    url: gatewayUrl,
    http: httpClient(gatewayUrl),
    smtp,
    registry,
    gateway,
    services: running,
    dbUrls,
    env,
    dataDir,
    /** Starts one more instance of a service (same database), as a second replica. */
    async startInstance(key: ServiceKey) {
      const inst = await startService(DEFINITIONS[key] as never, { env, noSignals: true });
      await registered([inst]);
      return inst;
    },
    async stop() {
      await Promise.all([closeServer(gw.server, 1_000), closeServer(gw.internalServer!, 1_000)]);
      await gateway.close();
      await Promise.all(Object.values(running).map((r) => r!.stop().catch(() => {})));
      await smtp.close();
    },
  };
}
export type Platform = Awaited<ReturnType<typeof startPlatform>>;
/**
 * What client-side helpers need of a platform: its gateway client and its mail, whether in-process or real
 * processes.
 */
export type PlatformClient = Pick<Platform, 'http' | 'smtp'>;
