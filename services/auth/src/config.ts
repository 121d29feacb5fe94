import { intVar, mailLimitEnv, parseConfig, secretVar } from '@petpro/kit';

/** Auth-specific settings (the kit's base settings are read separately). */
export function parseAuthConfig(env: NodeJS.ProcessEnv) {
  return parseConfig(
    {
      ACCESS_TOKEN_TTL_SECONDS: intVar(60, 3600).default(900),
      REFRESH_IDLE_DAYS: intVar(1, 90).default(14),
      REFRESH_ABSOLUTE_DAYS: intVar(1, 365).default(60),
      JWT_KEY_ROTATION_DAYS: intVar(1, 365).default(30),
      EMAIL_VERIFICATION_TTL_HOURS: intVar(1, 168).default(24),
      PASSWORD_RESET_TTL_MINUTES: intVar(5, 1440).default(30),
      LOGIN_LOCK_AFTER_FAILURES: intVar(3, 50).default(5),
      LOGIN_LOCK_BASE_SECONDS: intVar(1, 3600).default(30),
      AUTH_IP_LIMIT_FACTOR: intVar(1, 10_000).default(1),
      ...mailLimitEnv,
      JWT_KEY_SECRET: secretVar().optional(),
    },
    env,
  );
}
export type AuthConfig = ReturnType<typeof parseAuthConfig>;
