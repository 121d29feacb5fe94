import {
  ConfigError,
  MemoryRegistry,
  watchParent,
  RedisRegistry,
  ServiceCredentials,
  closeServer,
  createLogger,
  createRedis,
  listen,
  type Registry,
} from '@petpro/kit';
import { parseGatewayConfig } from './config.ts';
import { buildGateway } from './app.ts';

async function main(): Promise<void> {
  const config = parseGatewayConfig();
  if (!config.SERVICE_SECRET)
    throw new ConfigError(
      'Configuration error: SERVICE_SECRET is required (at least 32 characters, the same for every process); `npm start` generates one',
    );
  const log = createLogger('gateway', config.LOG_LEVEL);
  let registry: Registry = new MemoryRegistry();
  if (config.REDIS_URL) {
    const redis = createRedis(config.REDIS_URL);
    redis.on('error', (err) => log.warn({ err: err.message }, 'redis error'));
    registry = new RedisRegistry(redis, config.REDIS_KEY_PREFIX);
  }
  const gateway = buildGateway({
    config,
    log,
    registry,
    credentials: new ServiceCredentials(config.SERVICE_SECRET, 'gateway'),
  });
  // IP blocks and shared counters are loaded before the first request can arrive.
  await gateway.start();
  const { server, port } = await listen(gateway.app, config.GATEWAY_PORT, config.HOST, gateway.serverOptions);
  gateway.attach(server);
  log.info({ url: `http://${config.HOST}:${port}` }, 'gateway listening');
  let stopping = false;
  const stop = async () => {
    if (stopping) return;
    stopping = true;
    const force = setTimeout(() => process.exit(1), 9_000);
    force.unref();
    log.info('shutting down');
    await closeServer(server, 3_000);
    log.info('server closed');
    await gateway.close();
    await registry.close?.();
    log.info('stopped');
    process.exit(0);
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
  watchParent(process.env, stop);
}

main().catch((err) => {
  if (err instanceof ConfigError) {
    process.stderr.write(`${err.message}\n`);
    process.exit(2);
  }
  process.stderr.write(`gateway failed to start: ${(err as Error).stack ?? err}\n`);
  process.exit(1);
});
