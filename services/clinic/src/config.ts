import { mailLimitEnv, z, parseConfig, uploadEnv } from '@petpro/kit';

const int = (min: number, max: number, def: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(def);

/** Clinic-specific settings (the kit's base settings are read separately). */
export function parseClinicConfig(env: NodeJS.ProcessEnv) {
  return parseConfig(
    {
      CLINIC_DOCUMENT_MAX_BYTES: int(1_024, 100 * 1_048_576, 10 * 1_048_576),
      CLINIC_PHOTO_MAX_BYTES: int(1_024, 100 * 1_048_576, 10 * 1_048_576),
      CLINIC_MAX_PHOTOS: int(1, 100, 20),
      CLINIC_MAX_DOCUMENTS: int(1, 100, 20),
      ...uploadEnv,
      CLINIC_CONTACT_CODE_TTL_MINUTES: int(1, 1_440, 15),
      CLINIC_CONTACT_CODE_MAX_ATTEMPTS: int(1, 20, 5),
      CLINIC_CONTACT_CODE_RESEND_SECONDS: int(0, 3_600, 60),
      CLINIC_STAFF_INVITATION_TTL_DAYS: int(1, 30, 7),
      ...mailLimitEnv,
      CLINIC_WORKER_INTERVAL_MS: int(50, 600_000, 5_000),
      CLINIC_RETRY_BASE_MS: int(10, 3_600_000, 5_000),
      CLINIC_RETRY_MAX_MS: int(10, 86_400_000, 10 * 60_000),
    },
    env,
  );
}
export type ClinicConfig = ReturnType<typeof parseClinicConfig>;
