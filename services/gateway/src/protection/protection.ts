import path from 'node:path';
import type http from 'node:http';
import type { Duplex } from 'node:stream';
import { Redis } from 'ioredis';
import type { Registry as MetricsRegistry } from 'prom-client';
import { createRedis, type Logger } from '@petpro/kit';
import type { SharedCounter } from '../cluster.ts';
import type { GatewayConfig } from '../config.ts';
import { CidrSet, IPV6_CLIENT_BITS } from './cidr.ts';
import { identifyClient } from './client-ip.ts';
import { IpBlockService } from './ip-blocks.service.ts';
import { FileIpBlockStore, RedisIpBlockStore, type IpBlockStore } from './ip-blocks.store.ts';
import { RedisHealth, WindowCounter } from './counter-store.ts';
import { createRateLimits } from './rate-limit.ts';
import { AUTO_BLOCK_WINDOW_MS, autoBlocker } from './auto-block.ts';
import { cors } from './cors.ts';
import { InFlightLimiter } from './load-shedding.ts';
import type { BodyLimits } from './body-limit.ts';
import { applyServerLimits, serverOptions, type ServerLimits } from './server-limits.ts';

function rawAnswer(socket: Duplex, status: number, reason: string, extra = ''): void {
  socket.end(`HTTP/1.1 ${status} ${reason}\r\nContent-Length: 0\r\nConnection: close\r\n${extra}\r\n`);
}

/**
 * Everything that protects the gateway, built from configuration: client IP, IP blocks, CORS,
 * load shedding, body limits, rate limits with automatic blocks, and the server's own limits.
 * The front door (front-door.ts) applies them in order; this module owns the state and its Redis connections.
 */
export function createProtection(deps: {
  config: GatewayConfig;
  log: Logger;
  metrics: MetricsRegistry;
  /** The cluster primary's counters, in a worker without Redis. */
  shared?: SharedCounter;
}) {
  const { config, log, metrics, shared } = deps;
  const prefix = config.REDIS_KEY_PREFIX;

  let redis: Redis | undefined;
  let subscriber: Redis | undefined;
  if (config.REDIS_URL) {
    redis = createRedis(config.REDIS_URL);
    let down = false;
    redis.on('error', (err: Error) => {
      if (!down) log.warn({ err: err.message }, 'gateway protection: Redis connection error');
      down = true;
    });
    redis.on('ready', () => {
      down = false;
    });
    // A subscriber connection may only subscribe; it queues its SUBSCRIBE until Redis is reachable.
    subscriber = new Redis(config.REDIS_URL, { maxRetriesPerRequest: null, connectTimeout: 2_000 });
    subscriber.on('error', () => {});
  }

  const trusted = new CidrSet(config.TRUST_PROXY);
  const lists = { deny: new CidrSet(config.IP_DENYLIST, IPV6_CLIENT_BITS), allow: new CidrSet(config.IP_ALLOWLIST) };
  const store: IpBlockStore = redis
    ? new RedisIpBlockStore(redis, subscriber, prefix, log)
    : new FileIpBlockStore(path.resolve(config.PETPRO_DATA_DIR, 'gateway', 'ip-blocks.json'), log);
  const blocks = new IpBlockService(store, lists, log, metrics);
  const health = new RedisHealth(log, metrics);
  if (redis) health.watch(redis);

  const limits = createRateLimits({
    perMinute: config.RATE_LIMIT_PER_MINUTE,
    authPerMinute: config.RATE_LIMIT_AUTH_PER_MINUTE,
    redis,
    keyPrefix: prefix,
    health,
    metrics,
    shared,
  });
  const rejections = new WindowCounter(`${prefix}ab:`, AUTO_BLOCK_WINDOW_MS, redis, health, shared);
  const inFlight = new InFlightLimiter(config.GATEWAY_MAX_IN_FLIGHT, config.GATEWAY_MAX_IN_FLIGHT_PER_SERVICE, metrics);
  const bodyLimits: BodyLimits = { json: config.BODY_LIMIT_JSON_BYTES, upload: config.BODY_LIMIT_UPLOAD_BYTES };
  const server: ServerLimits = {
    maxHeaderBytes: config.GATEWAY_MAX_HEADER_BYTES,
    headersTimeoutMs: config.GATEWAY_HEADERS_TIMEOUT_MS,
    requestTimeoutMs: config.GATEWAY_REQUEST_TIMEOUT_MS,
    keepAliveTimeoutMs: config.GATEWAY_KEEP_ALIVE_TIMEOUT_MS,
    maxRequestsPerSocket: config.GATEWAY_MAX_REQUESTS_PER_SOCKET,
  };

  return {
    /** The shared-state connections (absent without REDIS_URL), for other coherent state (circuits). */
    redis,
    subscriber,
    blocks,
    inFlight,
    health,
    limits,
    trusted,
    bodyLimits,
    cors: cors({
      origins: config.CORS_ORIGINS,
      methods: config.CORS_METHODS,
      headers: config.CORS_HEADERS,
      exposeHeaders: config.CORS_EXPOSE_HEADERS,
      credentials: config.CORS_CREDENTIALS,
      maxAgeSeconds: config.CORS_MAX_AGE_SECONDS,
    }),
    /** Watches finished answers for rejections that earn an automatic block. */
    autoBlock: autoBlocker({
      threshold: config.AUTO_BLOCK_THRESHOLD,
      minutes: config.AUTO_BLOCK_MINUTES,
      counter: rejections,
      blocks,
      log,
    }),
    /** Options for http.createServer (header size cap, timeout checks). */
    serverOptions: serverOptions(server),
    /** Timeouts, keep-alive limits and problem+json answers for malformed or slow requests. */
    applyServer(httpServer: http.Server): void {
      applyServerLimits(httpServer, server, log);
    },
    /**
     * Checks a WebSocket upgrade (which bypasses Express): blocked clients and clients over their
     * budget are answered on the raw socket. Returns true when the upgrade may proceed.
     */
    async guardUpgrade(req: http.IncomingMessage, socket: Duplex): Promise<boolean> {
      // A client resetting the socket while we decide must not become an unhandled 'error'.
      socket.on('error', () => socket.destroy());
      const client = identifyClient(req, trusted);
      if (!client) {
        socket.destroy();
        return false;
      }
      if (blocks.check(client.addr)) {
        rawAnswer(socket, 403, 'Forbidden');
        return false;
      }
      if (blocks.isAllowlisted(client.addr)) return true;
      const wait = await limits.consumeUpgrade(client.key);
      if (wait !== undefined) {
        rawAnswer(socket, 429, 'Too Many Requests', `Retry-After: ${wait}\r\n`);
        return false;
      }
      return true;
    },
    /** The client IP of a raw request (for X-Forwarded-For towards the services). */
    clientIp(req: http.IncomingMessage): string {
      return identifyClient(req, trusted)?.ip ?? '';
    },
    /** Loads the IP blocks and connects the shared counters; resolves once they are in force (or failed, logged). */
    async start(): Promise<void> {
      await Promise.all([blocks.start(), limits.ready()]);
    },
    async close(): Promise<void> {
      await blocks.stop();
      limits.close();
      rejections.close();
      redis?.disconnect();
      subscriber?.disconnect();
    },
  };
}
export type Protection = ReturnType<typeof createProtection>;
