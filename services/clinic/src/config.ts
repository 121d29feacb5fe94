import { intVar, mailLimitEnv, msVar, parseConfig, uploadEnv } from '@petpro/kit';

/** Clinic-specific settings (the kit's base settings are read separately). */
export function parseClinicConfig(env: NodeJS.ProcessEnv) {
  return parseConfig(
    {
      CLINIC_DOCUMENT_MAX_BYTES: intVar(1_024, 100 * 1_048_576).default(10 * 1_048_576),
      CLINIC_PHOTO_MAX_BYTES: intVar(1_024, 100 * 1_048_576).default(10 * 1_048_576),
      CLINIC_MAX_PHOTOS: intVar(1, 100).default(20),
      CLINIC_MAX_DOCUMENTS: intVar(1, 100).default(20),
      ...uploadEnv,
      CLINIC_CONTACT_CODE_TTL_MINUTES: intVar(1, 1_440).default(15),
      CLINIC_CONTACT_CODE_MAX_ATTEMPTS: intVar(1, 20).default(5),
      CLINIC_CONTACT_CODE_RESEND_SECONDS: intVar(0, 3_600).default(60),
      CLINIC_STAFF_INVITATION_TTL_DAYS: intVar(1, 30).default(7),
      ...mailLimitEnv,
      CLINIC_WORKER_INTERVAL_MS: msVar(50, 600_000).default(5_000),
      CLINIC_RETRY_BASE_MS: msVar(10, 3_600_000).default(5_000),
      CLINIC_RETRY_MAX_MS: msVar(10, 86_400_000).default(10 * 60_000),
    },
    env,
  );
}
export type ClinicConfig = ReturnType<typeof parseClinicConfig>;
