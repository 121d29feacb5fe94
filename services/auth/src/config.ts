import { mailLimitEnv, z, parseConfig, secretVar } from '@petpro/kit';

const int = (_name: string, min: number, max: number, def: number) =>
  z.coerce
    .number({ error: `must be a whole number` })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(def);

/** Auth-specific settings (the kit's base settings are read separately). */
export function parseAuthConfig(env: NodeJS.ProcessEnv) {
  return parseConfig(
    {
      ACCESS_TOKEN_TTL_SECONDS: int('ACCESS_TOKEN_TTL_SECONDS', 60, 3600, 900),
      REFRESH_IDLE_DAYS: int('REFRESH_IDLE_DAYS', 1, 90, 14),
      REFRESH_ABSOLUTE_DAYS: int('REFRESH_ABSOLUTE_DAYS', 1, 365, 60),
      JWT_KEY_ROTATION_DAYS: int('JWT_KEY_ROTATION_DAYS', 1, 365, 30),
      EMAIL_VERIFICATION_TTL_HOURS: int('EMAIL_VERIFICATION_TTL_HOURS', 1, 168, 24),
      PASSWORD_RESET_TTL_MINUTES: int('PASSWORD_RESET_TTL_MINUTES', 5, 1440, 30),
      LOGIN_LOCK_AFTER_FAILURES: int('LOGIN_LOCK_AFTER_FAILURES', 3, 50, 5),
      LOGIN_LOCK_BASE_SECONDS: int('LOGIN_LOCK_BASE_SECONDS', 1, 3600, 30),
      AUTH_IP_LIMIT_FACTOR: int('AUTH_IP_LIMIT_FACTOR', 1, 10_000, 1),
      ...mailLimitEnv,
      JWT_KEY_SECRET: secretVar().optional(),
    },
    env,
  );
}
export type AuthConfig = ReturnType<typeof parseAuthConfig>;
