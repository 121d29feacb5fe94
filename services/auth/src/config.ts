import { intVar, mailLimitEnv, msVar, optionalVar, parseConfig, secretVar, smsEnv, z } from '@petpro/kit';

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
      ...smsEnv,
      /** Hours between a confirmed MFA recovery and the removal of the second factors. */
      MFA_RECOVERY_DELAY_HOURS: intVar(1, 720).default(24),
      /** How often the recovery job looks for due removals. */
      MFA_RECOVERY_CHECK_MS: msVar(100, 3_600_000).default(60_000),
      /** MFA codes texted per phone number, and per account, per hour (0 = no cap). */
      MFA_SMS_PER_PHONE_PER_HOUR: intVar(0, 1000, { zeroMeans: 'no cap' }).default(5),
      MFA_SMS_PER_ACCOUNT_PER_HOUR: intVar(0, 1000, { zeroMeans: 'no cap' }).default(10),
      /** Open sessions per user; a login past it revokes the least recently used one (0 = no limit). */
      /** A MaxMind-format database (GeoLite2 City or Country) for the approximate location of sessions. */
      GEOIP_DB_PATH: optionalVar(z.string().min(1)),
      MAX_SESSIONS_PER_USER: intVar(0, 10_000, { zeroMeans: 'no limit' }).default(10),
      JWT_KEY_SECRET: secretVar().optional(),
    },
    env,
  );
}
export type AuthConfig = ReturnType<typeof parseAuthConfig>;
