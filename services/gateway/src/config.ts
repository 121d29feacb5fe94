import { ConfigError, baseEnv, boolVar, csvVar, intVar, msVar, parseConfig, z } from '@petpro/kit';
import { cidrListVar, originListVar } from './protection/config-vars.ts';

/** The gateway's configuration, read once at start. Defaults are documented in PROTECTION.md. */
export const gatewayEnv = {
  ...baseEnv,
  UPSTREAM_TIMEOUT_MS: msVar(100, 300_000).default(10_000),
  /** Address of the internal listener (registry, metrics); GATEWAY_INTERNAL_PORT is in baseEnv (services use it). */
  GATEWAY_INTERNAL_HOST: z.string().default('127.0.0.1'),
  /** Processes serving the public port (node:cluster, one port); `auto` = one per core. */
  GATEWAY_WORKERS: z
    .union([z.literal('auto'), z.coerce.number().int().min(1).max(64)], { error: 'must be auto or 1..64' })
    .default(1),

  // Rate limits (0 turns a limiter off) and automatic blocks.
  RATE_LIMIT_PER_MINUTE: intVar(0, 1_000_000_000, { what: 'a number of requests' }).default(300),
  RATE_LIMIT_AUTH_PER_MINUTE: intVar(0, 1_000_000_000, { what: 'a number of requests' }).default(20),
  AUTO_BLOCK_THRESHOLD: intVar(0, 1_000_000, { what: 'a number of rejections' }).default(50),
  AUTO_BLOCK_MINUTES: intVar(1, 525_600, { what: 'a number of minutes' }).default(15),

  // Client identity and IP lists.
  TRUST_PROXY: cidrListVar().default([]),
  IP_DENYLIST: cidrListVar().default([]),
  IP_ALLOWLIST: cidrListVar().default([]),

  // CORS.
  CORS_ORIGINS: originListVar().default([]),
  CORS_METHODS: csvVar().default(['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE']),
  CORS_HEADERS: csvVar().default(['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id']),
  CORS_EXPOSE_HEADERS: csvVar().default(['RateLimit', 'RateLimit-Policy', 'Retry-After', 'X-Request-Id', 'Location']),
  CORS_CREDENTIALS: boolVar().default(true),
  CORS_MAX_AGE_SECONDS: intVar(0, 86_400, { what: 'a number of seconds' }).default(600),

  // Load shedding, body sizes and server timeouts.
  GATEWAY_MAX_IN_FLIGHT: intVar(1, 1_000_000, { what: 'a number of requests' }).default(1_000),
  /** Per upstream service; unset means half of GATEWAY_MAX_IN_FLIGHT. */
  GATEWAY_MAX_IN_FLIGHT_PER_SERVICE: intVar(1, 1_000_000, { what: 'a number of requests' }).optional(),
  BODY_LIMIT_JSON_BYTES: intVar(1_024, 1_073_741_824, { what: 'a number of bytes' }).default(1_048_576),
  BODY_LIMIT_UPLOAD_BYTES: intVar(1_024, 1_073_741_824, { what: 'a number of bytes' }).default(16_777_216),
  GATEWAY_MAX_HEADER_BYTES: intVar(1_024, 1_048_576, { what: 'a number of bytes' }).default(16_384),
  GATEWAY_HEADERS_TIMEOUT_MS: msVar(100, 600_000).default(10_000),
  GATEWAY_REQUEST_TIMEOUT_MS: msVar(100, 3_600_000).default(60_000),
  GATEWAY_KEEP_ALIVE_TIMEOUT_MS: msVar(100, 600_000).default(65_000),
  GATEWAY_MAX_REQUESTS_PER_SOCKET: intVar(0, 1_000_000, { what: 'a number of requests' }).default(1_000),

  // Circuit breakers per upstream service.
  BREAKER_ERROR_THRESHOLD_PERCENT: intVar(1, 100, { what: 'a percentage' }).default(50),
  BREAKER_WINDOW_MS: msVar(1_000, 600_000).default(10_000),
  BREAKER_VOLUME_THRESHOLD: intVar(1, 100_000, { what: 'a number of calls' }).default(5),
  BREAKER_RESET_TIMEOUT_MS: msVar(100, 600_000).default(10_000),
};

export type GatewayConfig = ReturnType<typeof parseGatewayConfig>;

/** Parses and cross-checks the gateway's environment; throws ConfigError with one line naming the variable. */
export function parseGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  const config = parseConfig(gatewayEnv, env);
  // Node refuses a server whose header deadline is later than its whole-request deadline.
  if (config.GATEWAY_HEADERS_TIMEOUT_MS > config.GATEWAY_REQUEST_TIMEOUT_MS) {
    throw new ConfigError(
      `Configuration error: GATEWAY_HEADERS_TIMEOUT_MS must not exceed GATEWAY_REQUEST_TIMEOUT_MS (got ` +
        `${config.GATEWAY_HEADERS_TIMEOUT_MS} > ${config.GATEWAY_REQUEST_TIMEOUT_MS})`,
    );
  }
  return {
    ...config,
    GATEWAY_MAX_IN_FLIGHT_PER_SERVICE:
      config.GATEWAY_MAX_IN_FLIGHT_PER_SERVICE ?? Math.max(1, Math.ceil(config.GATEWAY_MAX_IN_FLIGHT / 2)),
  };
}
