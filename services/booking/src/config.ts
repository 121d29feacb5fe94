import { intVar, parseConfig } from '@petpro/kit';

/** Booking-specific settings (the kit's base settings are read separately). */
export function parseBookingConfig(env: NodeJS.ProcessEnv) {
  return parseConfig(
    {
      /** How long clinic data (hours, staff, services) is reused for availability and reads; bookings always refetch. */
      BOOKING_CLINIC_CACHE_SECONDS: intVar(0, 300).default(5),
      /** How long an Idempotency-Key of POST /bookings is remembered. */
      BOOKING_IDEMPOTENCY_TTL_HOURS: intVar(1, 168).default(24),
    },
    env,
  );
}
export type BookingConfig = ReturnType<typeof parseBookingConfig>;
