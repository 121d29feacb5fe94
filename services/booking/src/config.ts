import { intVar, msVar, parseConfig, smsEnv } from '@petpro/kit';

/** Booking-specific settings (the kit's base settings are read separately). */
export function parseBookingConfig(env: NodeJS.ProcessEnv) {
  return parseConfig(
    {
      /**
       * How long clinic data (hours, staff, services) is reused for availability and reads; bookings always refetch.
       */
      BOOKING_CLINIC_CACHE_SECONDS: intVar(0, 300).default(5),
      /** How long an Idempotency-Key of POST /bookings is remembered. */
      BOOKING_IDEMPOTENCY_TTL_HOURS: intVar(1, 168).default(24),
      /** How long an in-app notification stays in the inbox, read or not. */
      BOOKING_INBOX_KEEP_DAYS: intVar(1, 3_650).default(90),
      /** How long outbox events are kept: a client resuming from an older position gets `resync` (at least 24 h). */
      BOOKING_OUTBOX_KEEP_HOURS: intVar(24, 24 * 30).default(48),
      /** WebSockets one instance holds at most (past it, upgrades get 503 and go to another instance). */
      BOOKING_WS_MAX_SOCKETS: intVar(1, 1_000_000).default(20_000),
      /** WebSockets one user holds at most on one instance (past it, 429). */
      BOOKING_WS_MAX_PER_USER: intVar(1, 1_000_000).default(10),
      /** Ping interval; a peer that has not answered the previous ping is dropped. */
      BOOKING_WS_HEARTBEAT_MS: msVar(1_000, 600_000).default(25_000),
      /** Bytes queued for one slow client before it is disconnected with 1013. */
      BOOKING_WS_MAX_BUFFER_BYTES: intVar(16_384, 64 * 1024 * 1024).default(1024 * 1024),
      /** Largest message a client may send (bytes); larger ones close the socket with 1009. */
      BOOKING_WS_MAX_MESSAGE_BYTES: intVar(256, 65_536).default(4_096),
      /** Messages a client may send per 10 s; past it they are refused, past twice that the socket closes with 1008. */
      BOOKING_WS_MESSAGES_PER_10S: intVar(1, 10_000).default(50),
      /** How often the outbox is read when no nudge came (a missed nudge costs at most this). */
      BOOKING_REALTIME_POLL_MS: msVar(50, 60_000).default(1_000),
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
      /**
       * Reminder texts one account may receive per day (0 = no cap), beside the per-phone cap
       * SMS_PER_PHONE_PER_DAY.
       */
      BOOKING_SMS_PER_ACCOUNT_PER_DAY: intVar(0, 1_000, { zeroMeans: 'no cap' }).default(20),
      /** Local hour (the owner's zone) at which care reminders for medical records go out. */
      CARE_REMINDER_LOCAL_HOUR: intVar(0, 23).default(9),
      /** How often each replica checks whether a clinic's 07:00 agenda mail is due. */
      BOOKING_AGENDA_POLL_MS: msVar(1_000, 3_600_000).default(60_000),
      ...smsEnv,
    },
    env,
  );
}
export type BookingConfig = ReturnType<typeof parseBookingConfig>;
