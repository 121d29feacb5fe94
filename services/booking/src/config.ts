import { intVar, msVar, parseConfig, smsEnv } from '@petpro/kit';

/** Booking-specific settings (the kit's base settings are read separately). */
export function parseBookingConfig(env: NodeJS.ProcessEnv) {
  return parseConfig(
    {
      /** How long clinic data (hours, staff, services) is reused for availability and reads; bookings always refetch. */
      BOOKING_CLINIC_CACHE_SECONDS: intVar(0, 300).default(5),
      /** How long an Idempotency-Key of POST /bookings is remembered. */
      BOOKING_IDEMPOTENCY_TTL_HOURS: intVar(1, 168).default(24),
      /** How often each replica's reminder worker looks for due reminders. */
      BOOKING_REMINDER_POLL_MS: msVar(50, 60_000).default(5_000),
      /** Due reminders one pass claims at a time. */
      BOOKING_REMINDER_BATCH: intVar(1, 1_000).default(100),
      /** Reminders sent at once by one replica. */
      BOOKING_REMINDER_CONCURRENCY: intVar(1, 100).default(8),
      /** How long a claimed reminder belongs to its worker; a crashed worker's reminders are taken over after it. */
      BOOKING_REMINDER_LEASE_SECONDS: intVar(10, 3_600).default(120),
      /** Attempts at sending one reminder before it fails for good (retries back off from 30 s to 30 min). */
      BOOKING_REMINDER_MAX_ATTEMPTS: intVar(1, 50).default(6),
      /** Reminder texts one account may receive per day (0 = no cap), beside the per-phone cap SMS_PER_PHONE_PER_DAY. */
      BOOKING_SMS_PER_ACCOUNT_PER_DAY: intVar(0, 1_000, { zeroMeans: 'no cap' }).default(20),
      /** How often each replica checks whether a clinic's 07:00 agenda mail is due. */
      BOOKING_AGENDA_POLL_MS: msVar(1_000, 3_600_000).default(60_000),
      ...smsEnv,
    },
    env,
  );
}
export type BookingConfig = ReturnType<typeof parseBookingConfig>;
