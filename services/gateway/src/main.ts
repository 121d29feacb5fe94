import cluster from 'node:cluster';
import os from 'node:os';
import {
  ConfigError,
  HttpRegistry,
  MemoryRegistry,
  watchParent,
  RedisRegistry,
  ServiceCredentials,
  closeServer,
  createLogger,
  flushLogger,
  createRedis,
  type Logger,
  type Registry,
} from '@petpro/kit';
import { parseGatewayConfig } from './config.ts';
import { buildGateway } from './app.ts';
import { primaryCounter, runPrimary, shareMetrics } from './cluster.ts';

/** Stops on SIGTERM, SIGINT or the launcher's exit: `stop` within 9 s, then exit. */
function onShutdown(log: Logger, stop: () => Promise<void>): void {
  let stopping = false;
  const run = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 9_000);
    force.unref();
    log.info('shutting down');
    await stop();
    log.info('stopped');
    flushLogger(log);
    process.exit(0);
  };
  process.on('SIGTERM', run);
  process.on('SIGINT', run);
  watchParent(process.env, run);
}

async function main(): Promise<void> {
  const config = parseGatewayConfig();
  if (!config.SERVICE_SECRET)
    throw new ConfigError(
      'Configuration error: SERVICE_SECRET is required (at least 32 characters, the same for every process); ' +
        '`npm start` generates one',
    );
  // One access-log line per request: buffered into larger writes (flushed every second and at exit).
  const log = createLogger('gateway', config.LOG_LEVEL, { buffered: true });
  const credentials = new ServiceCredentials(config.SERVICE_SECRET, 'gateway');
  const workers = config.GATEWAY_WORKERS === 'auto' ? os.availableParallelism() : config.GATEWAY_WORKERS;
  const clustered = workers > 1;
  let registry: Registry = new MemoryRegistry();
  if (config.REDIS_URL) {
    const redis = createRedis(config.REDIS_URL);
    redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
    registry = new RedisRegistry(redis, config.REDIS_KEY_PREFIX);
  } else if (clustered && cluster.isWorker && config.REGISTRY_URL) {
    // Workers read the registry the primary holds.
    registry = new HttpRegistry(config.REGISTRY_URL, () => credentials.token());
  }

  if (clustered && cluster.isPrimary) {
    const primary = await runPrimary({ config, log, registry, credentials, workers });
    onShutdown(log, async () => {
      await primary.stop();
      await registry.close?.();
    });
    return;
  }

  const gateway = buildGateway({
    config,
    log,
    registry,
    credentials,
    ...(clustered && !config.REDIS_URL ? { shared: primaryCounter() } : {}),
  });
  if (clustered) shareMetrics(gateway.metrics);
  // IP blocks and shared counters are loaded before the first request can arrive.
  await gateway.start();
  const { server, port, internalServer, internalPort } = await gateway.listen({
    port: config.GATEWAY_PORT,
    host: config.HOST,
    // In a cluster the primary holds the internal listener.
    ...(clustered ? {} : { internalPort: config.GATEWAY_INTERNAL_PORT, internalHost: config.GATEWAY_INTERNAL_HOST }),
  });
  log.info(
    {
      url: `http://${config.HOST}:${port}`,
      ...(internalServer ? { internal: `http://${config.GATEWAY_INTERNAL_HOST}:${internalPort}` } : {}),
    },
    'gateway listening',
  );
  onShutdown(log, async () => {
    await Promise.all([closeServer(server, 3_000), internalServer && closeServer(internalServer, 1_000)]);
    log.info('server closed');
    await gateway.close();
    await registry.close?.();
  });
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`gateway failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
