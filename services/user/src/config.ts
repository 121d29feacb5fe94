import path from 'node:path';
import {
  ConfigError,
  boolVar,
  intVar,
  optionalVar,
  parseConfig,
  publicUrls,
  uploadEnv,
  urlVar,
  z,
  type BaseConfig,
} from '@petpro/kit';

/** User-service settings (the kit's base settings are read separately). */
export function parseUserConfig(env: NodeJS.ProcessEnv, base: BaseConfig) {
  const raw = parseConfig(
    {
      MEDIA_STORAGE: optionalVar(z.enum(['local', 's3'], { error: 'must be local or s3' })),
      MEDIA_DIR: optionalVar(z.string()),
      MEDIA_PUBLIC_URL: optionalVar(urlVar('http', 'https')),
      UPLOAD_MAX_BYTES: intVar(1_024, 50 * 1_048_576).default(5 * 1_048_576),
      ...uploadEnv,
      PET_RESTORE_DAYS: intVar(1, 365).default(30),
      PETS_PER_USER_MAX: intVar(1, 10_000).default(50),
      PUSH_SUBSCRIPTIONS_PER_USER_MAX: intVar(1, 100).default(10),
      S3_ENDPOINT: optionalVar(urlVar('http', 'https')),
      S3_BUCKET: optionalVar(z.string().regex(/^[a-z0-9][a-z0-9.-]{1,61}[a-z0-9]$/, 'must be a valid bucket name')),
      S3_REGION: z.string().min(1).default('us-east-1'),
      S3_ACCESS_KEY_ID: optionalVar(z.string()),
      S3_SECRET_ACCESS_KEY: optionalVar(z.string()),
      S3_SESSION_TOKEN: optionalVar(z.string()),
      S3_FORCE_PATH_STYLE: boolVar().default(true),
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
  return {
    ...raw,
    MEDIA_STORAGE: storage,
    MEDIA_DIR: path.resolve(raw.MEDIA_DIR ?? path.join(base.PETPRO_DATA_DIR, 'media', 'user')),
    /** Where clients fetch stored images: through the gateway unless a CDN URL is configured. */
    MEDIA_PUBLIC_URL: (raw.MEDIA_PUBLIC_URL ?? `${publicUrls(base).gateway}/api/v1/media/user`).replace(/\/$/, ''),
  };
}
export type UserConfig = ReturnType<typeof parseUserConfig>;
