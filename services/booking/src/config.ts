import { z, parseConfig } from '@petpro/kit';

const int = (min: number, max: number, def: number) =>
  z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(min, `must be at least ${min}`)
    .max(max, `must be at most ${max}`)
    .default(def);

/** Booking-specific settings (the kit's base settings are read separately). */
export function parseBookingConfig(env: NodeJS.ProcessEnv) {
  return parseConfig(
    {
      /** How long clinic data (hours, staff, services) is reused for availability and reads; bookings always refetch. */
      BOOKING_CLINIC_CACHE_SECONDS: int(0, 300, 5),
      /** How long an Idempotency-Key of POST /bookings is remembered. */
      BOOKING_IDEMPOTENCY_TTL_HOURS: int(1, 168, 24),
    },
    env,
  );
}
export type BookingConfig = ReturnType<typeof parseBookingConfig>;
