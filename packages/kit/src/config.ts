import { z } from 'zod';

/** Raised when the environment is invalid; its message is one line naming the variable. */
export class ConfigError extends Error {}

const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;

/**
 * A whole number from `min` to `max`. `what` names the unit in the message for a value that is no
 * number at all ("must be a number of milliseconds"); `zeroMeans` documents what 0 turns off
 * ("must be 0 (no limit) or more"). Every configuration number is built here, so that the messages
 * read the same for every variable of every process.
 */
export const intVar = (min: number, max: number, opts: { what?: string; zeroMeans?: string } = {}) =>
  z.coerce
    .number({ error: opts.what ? `must be ${opts.what}` : 'must be a whole number' })
    .int('must be a whole number')
    .min(min, min === 0 && opts.zeroMeans ? `must be 0 (${opts.zeroMeans}) or more` : `must be at least ${min}`)
    .max(max, `must be at most ${max}`);

/** A duration in milliseconds from `min` to `max`. */
export const msVar = (min: number, max: number, opts: { zeroMeans?: string } = {}) =>
  intVar(min, max, { ...opts, what: 'a number of milliseconds' });

/** `true`/`false` (also `1`/`0`, `yes`/`no`). */
export const boolVar = () =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes');

/** Splits a comma-separated list, trimmed, without empty entries. */
export function splitList(value: string): string[] {
  return value
    .split(',')
    .map((s) => s.trim())
    .filter(Boolean);
}

/** A comma-separated list of strings. */
export const csvVar = () => z.string().transform(splitList);

/**
 * The canonical form of a browser origin (`scheme://host[:port]`, lower-case, default port
 * dropped), or undefined when `text` is not one. Browsers send exactly this form in `Origin`.
 */
export function canonicalOrigin(text: string): string | undefined {
  let u: URL;
  try {
    u = new URL(text);
  } catch {
    return undefined;
  }
  if (u.protocol !== 'http:' && u.protocol !== 'https:') return undefined;
  if (u.username || u.password || u.search || u.hash || (u.pathname !== '/' && u.pathname !== '')) return undefined;
  return u.origin;
}

/** An optional variable for which an empty value (`FOO=`) means "not set". */
export const optionalVar = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** A TCP port (0 lets the OS pick one). */
export const portVar = () =>
  z.coerce
    .number({ error: 'must be a port number' })
    .int('must be a whole number')
    .min(0, 'must be 0..65535')
    .max(65535, 'must be 0..65535');

/** A URL with one of the given schemes. */
export const urlVar = (...schemes: string[]) =>
  z
    .string()
    .trim()
    .refine(
      (v) => {
        try {
          const u = new URL(v);
          return schemes.length === 0 || schemes.includes(u.protocol.replace(/:$/, ''));
        } catch {
          return false;
        }
      },
      { error: `must be a valid URL${schemes.length ? ` (${schemes.join(', ')})` : ''}` },
    );

/**
 * Secret values copied from examples (`change-me…`, `changeme`, `secret…`, `replace-me`, `example…`,
 * `your-…`, `placeholder`): they are public, so a deployment running with one is open to anyone.
 */
const PLACEHOLDER_SECRET = /^(change[-_ ]?me|replace[-_ ]?me|secret|example|placeholder|your[-_])|change[-_]?me/i;

/** True when a secret is one of the known placeholder values. */
export function isPlaceholderSecret(value: string): boolean {
  return PLACEHOLDER_SECRET.test(value.trim());
}

/** A secret of at least 32 characters that is not a known placeholder. */
export const secretVar = () =>
  z
    .string()
    .min(32, 'must be at least 32 characters')
    .refine((v) => !isPlaceholderSecret(v), {
      error: 'is a placeholder from an example; generate a real one (openssl rand -base64 32)',
    });

/** Variables every process reads (later issues use some of them). */
export const baseEnv = {
  NODE_ENV: z.string().default('development'),
  LOG_LEVEL: z.enum(LOG_LEVELS, { error: `must be one of ${LOG_LEVELS.join(', ')}` }).default('info'),
  HOST: z.string().default('127.0.0.1'),
  PETPRO_DATA_DIR: z.string().default('.petpro'),
  DATABASE_URL: optionalVar(urlVar('postgres', 'postgresql')),
  REDIS_URL: optionalVar(urlVar('redis', 'rediss')),
  /** Prefix of every Redis key and channel PetPro writes, so several platforms can share one Redis. */
  REDIS_KEY_PREFIX: z
    .string()
    .regex(/^[A-Za-z0-9:_.-]{1,64}$/, 'must be 1-64 letters, digits or : _ . -')
    .default('petpro:'),
  SMTP_URL: optionalVar(urlVar('smtp', 'smtps')),
  MAIL_FROM: z.string().default('PetPro <no-reply@petpro.local>'),
  PUBLIC_URL: optionalVar(urlVar('http', 'https')),
  PUBLIC_APP_URL: optionalVar(urlVar('http', 'https')),
  PETPRO_ADMIN_EMAIL: optionalVar(z.email({ error: 'must be an email address' })),
  PETPRO_ADMIN_PASSWORD: optionalVar(z.string().min(8, 'must be at least 8 characters')),
  SERVICE_SECRET: optionalVar(secretVar()),
  REGISTRY_URL: optionalVar(urlVar('http', 'https')),
  ADVERTISE_URL: optionalVar(urlVar('http', 'https')),
  GATEWAY_PORT: portVar().default(8080),
  /** The gateway's internal listener (service registry, metrics); services register there by default. */
  GATEWAY_INTERNAL_PORT: portVar().default(8090),
  SERVICE_CLIENT_TIMEOUT_MS: msVar(100, 120_000).default(5_000),
  /** Longest a single SQL statement may run (0 = no limit); a timed-out statement is a 503. */
  DATABASE_STATEMENT_TIMEOUT_MS: msVar(0, 600_000, { zeroMeans: 'no limit' }).default(5_000),
  /** How often the session revocation feed is read (a revoked session's requests and sockets end within about this). */
  REVOCATION_POLL_MS: msVar(100, 60_000).default(1_000),
  JWT_ISSUER: z.string().default('petpro-auth'),
  JWT_AUDIENCE: z.string().default('petpro'),
};

/**
 * Parses `env` with the given zod shape once at start. Throws ConfigError with one line such as
 * `PORT: must be 0..65535 (got "99999")` so that start-up stops with a clear message.
 */
export function parseConfig<S extends z.ZodRawShape>(
  shape: S,
  env: NodeJS.ProcessEnv = process.env,
): z.infer<z.ZodObject<S>> {
  const result = z.object(shape).safeParse(env);
  if (result.success) return result.data;
  const issue = result.error.issues[0]!;
  const name = String(issue.path[0] ?? '?');
  const got = env[name];
  const shown =
    got === undefined ? 'not set' : /SECRET|PASSWORD|KEY/i.test(name) ? 'got a value' : `got ${JSON.stringify(got)}`;
  throw new ConfigError(`Configuration error: ${name} ${issue.message} (${shown})`);
}

/** Runs `fn`; a ConfigError ends the process with its one line and exit code 2. */
export function exitOnConfigError<T>(fn: () => T): T {
  try {
    return fn();
  } catch (err) {
    if (err instanceof ConfigError) {
      process.stderr.write(`${err.message}\n`);
      process.exit(2);
    }
    throw err;
  }
}

/**
 * Where links in mail point. `gateway`: the public URL of the platform (PUBLIC_URL, else the local
 * gateway). `app`: the client app (PUBLIC_APP_URL) when there is one; without it, mail links go to
 * the small pages the platform serves itself, or are left out where no such page exists.
 */
export function publicUrls(config: { PUBLIC_URL?: string; PUBLIC_APP_URL?: string; GATEWAY_PORT: number }): {
  gateway: string;
  app: string | undefined;
} {
  return {
    gateway: (config.PUBLIC_URL ?? `http://localhost:${config.GATEWAY_PORT}`).replace(/\/$/, ''),
    app: config.PUBLIC_APP_URL?.replace(/\/$/, ''),
  };
}

export const SERVICE_NAMES = ['auth', 'user', 'clinic', 'booking'] as const;
export type ServiceName = (typeof SERVICE_NAMES)[number];
export const DEFAULT_PORTS: Record<ServiceName | 'gateway', number> = {
  gateway: 8080,
  auth: 4001,
  user: 4002,
  clinic: 4003,
  booking: 4004,
};

/**
 * The database URL a service uses: `<NAME>_DATABASE_URL` when given, else DATABASE_URL (a server
 * URL) with the database `petpro_<name>`.
 */
export function serviceDatabaseUrl(name: string, env: NodeJS.ProcessEnv = process.env): string | undefined {
  const own = env[`${name.toUpperCase()}_DATABASE_URL`];
  if (own) return own;
  if (!env.DATABASE_URL) return undefined;
  const u = new URL(env.DATABASE_URL);
  u.pathname = `/petpro_${name}`;
  return u.toString();
}
