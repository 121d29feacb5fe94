import { baseEnv, parseConfig, z } from '@petpro/kit';

/** The gateway's configuration, read once at start. */
export const gatewayEnv = {
  ...baseEnv,
  UPSTREAM_TIMEOUT_MS: z.coerce.number({ error: 'must be a number of milliseconds' }).int().min(100, 'must be at least 100').max(300_000, 'must be at most 300000').default(10_000),
};

export type GatewayConfig = ReturnType<typeof parseGatewayConfig>;

export function parseGatewayConfig(env: NodeJS.ProcessEnv = process.env) {
  return parseConfig(gatewayEnv, env);
}
