import path from 'node:path';
import { z, parseConfig, urlVar, uploadEnv, ConfigError, type BaseConfig } from '@petpro/kit';

const int = (min: number, max: number, def: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(def);
const optionalEmpty = <T extends z.ZodType>(schema: T) =>
  z.preprocess((v) => (v === '' ? undefined : v), schema.optional());
const bool = (def: boolean) =>
  z
    .enum(['true', 'false', '1', '0', 'yes', 'no'], { error: 'must be true or false' })
    .transform((v) => v === 'true' || v === '1' || v === 'yes')
    .default(def);

/** User-service settings (the kit's base settings are read separately). */
export function parseUserConfig(env: NodeJS.ProcessEnv, base: BaseConfig) {
  const raw = parseConfig(
    {
      MEDIA_STORAGE: optionalEmpty(z.enum(['local', 's3'], { error: 'must be local or s3' })),
      MEDIA_DIR: optionalEmpty(z.string()),
      MEDIA_PUBLIC_URL: optionalEmpty(urlVar('http', 'https')),
      UPLOAD_MAX_BYTES: int(1_024, 50 * 1_048_576, 5 * 1_048_576),
      ...uploadEnv,
      PET_RESTORE_DAYS: int(1, 365, 30),
      PETS_PER_USER_MAX: int(1, 10_000, 50),
      S3_ENDPOINT: optionalEmpty(urlVar('http', 'https')),
      S3_BUCKET: optionalEmpty(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name')),
      S3_REGION: z.string().min(1).default('us-east-1'),
      S3_ACCESS_KEY_ID: optionalEmpty(z.string()),
      S3_SECRET_ACCESS_KEY: optionalEmpty(z.string()),
      S3_SESSION_TOKEN: optionalEmpty(z.string()),
      S3_FORCE_PATH_STYLE: bool(true),
      S3_PREFIX: z
        .string()
        .regex(/^([A-Za-z0-9._-]+\/)*$/, 'must be empty or end with /')
        .default(''),
    },
    env,
  );
  const storage = raw.MEDIA_STORAGE ?? (raw.S3_BUCKET ? 's3' : 'local');
  if (storage === 's3') {
    for (const name of ['S3_ENDPOINT', 'S3_BUCKET', 'S3_ACCESS_KEY_ID', 'S3_SECRET_ACCESS_KEY'] as const) {
      if (!raw[name])
        throw new ConfigError(`Configuration error: ${name} is required when media storage is s3 (not set)`);
    }
  }
  const publicBase = (base.PUBLIC_URL ?? `http://localhost:${base.GATEWAY_PORT}`).replace(/\/$/, '');
  return {
    ...raw,
    MEDIA_STORAGE: storage,
    MEDIA_DIR: path.resolve(raw.MEDIA_DIR ?? path.join(base.PETPRO_DATA_DIR, 'media', 'user')),
    /** Where clients fetch stored images: through the gateway unless a CDN URL is configured. */
    MEDIA_PUBLIC_URL: (raw.MEDIA_PUBLIC_URL ?? `${publicBase}/api/v1/media/user`).replace(/\/$/, ''),
  };
}
export type UserConfig = ReturnType<typeof parseUserConfig>;
