import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/**
 * A `date` column; repositories read it as text (`to_char`) because pg turns dates into local-midnight Date objects.
 */
type DateColumn = ColumnType<Date | null, string | null | undefined, string | null>;
type Json<T> = ColumnType<T, string, string>;

export interface ScheduleRulesTable {
  id: string;
  clinic_id: string;
  staff_id: string | null;
  weekday: number;
  start_time: string;
  end_time: string;
  valid_from: DateColumn;
  valid_until: DateColumn;
  position: number;
  created_at: Timestamp;
}

export interface ScheduleBlocksTable {
  id: string;
  clinic_id: string;
  staff_id: string | null;
  starts_at: Timestamp;
  ends_at: Timestamp;
  reason: string;
  recurrence_weekly: Generated<boolean>;
  recurrence_until: DateColumn;
  created_by: string;
  created_at: Timestamp;
}

export interface BookingPoliciesTable {
  clinic_id: string;
  min_notice_minutes: number;
  max_advance_days: number;
  cancellation_cutoff_minutes: number;
  slot_step_minutes: number;
  daily_agenda_mail: Generated<boolean>;
  updated_by: string | null;
  updated_at: Timestamp;
}

export interface PetSnapshot {
  id: string;
  name: string;
  species: string;
}

export type BookingStatus = 'pending' | 'confirmed' | 'completed' | 'no_show' | 'cancelled';

export interface BookingsTable {
  id: string;
  clinic_id: string;
  service_id: string;
  staff_id: string;
  staff_requested: boolean;
  owner_id: string;
  pet_ids: string[];
  pets: Json<PetSnapshot[]>;
  starts_at: Timestamp;
  ends_at: Timestamp;
  held_until: Timestamp;
  during: ColumnType<string, never, never>;
  time_zone: string;
  status: Generated<BookingStatus>;
  notes: string | null;
  service_name: string;
  service_category: string | null;
  duration_minutes: number;
  buffer_minutes: number;
  // bigint arrives as a string from pg; amounts in minor units fit a JS number for any real price.
  price_amount: ColumnType<string, number, number>;
  price_currency: string;
  confirmed_at: NullableTimestamp;
  completed_at: NullableTimestamp;
  no_show_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  cancelled_by: string | null;
  cancelled_by_role: 'owner' | 'clinic' | null;
  cancellation_reason: string | null;
  /** The policy's cut-off when the booking was made (null: made before it was kept; the current policy applies). */
  cancellation_cutoff_minutes: ColumnType<number | null, number | null | undefined, number | null>;
  version: Generated<number>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IdempotencyKeysTable {
  user_id: string;
  key: string;
  request_hash: string;
  booking_id: string;
  status_code: number;
  created_at: Timestamp;
  expires_at: Timestamp;
}

export interface OutboxEventsTable {
  id: string;
  /** The position clients resume from (bigint: a string from pg). */
  seq: ColumnType<string, never, never>;
  type: string;
  aggregate_id: string;
  clinic_id: string | null;
  owner_id: string | null;
  payload: Json<Record<string, unknown>>;
  created_at: Timestamp;
  published_at: NullableTimestamp;
}

/** An in-app notification of a user (notifications feature). */
export interface NotificationsTable {
  id: string;
  user_id: string;
  purpose: string;
  title: string;
  body: string;
  link: string | null;
  data: Json<Record<string, unknown>>;
  idempotency_key: string;
  created_at: Timestamp;
  read_at: NullableTimestamp;
}

export interface RealtimeTicketsTable {
  hash: string;
  user_id: string;
  session_id: string;
  roles: string[];
  permissions: string[];
  token_expires_at: Timestamp;
  expires_at: Timestamp;
  created_at: Generated<Date>;
}

export interface OutboxHorizonTable {
  id: Generated<boolean>;
  purged_through: ColumnType<string, number, number>;
}

export type ReminderChannel = 'email' | 'sms' | 'push' | 'in_app';
export type ReminderJobStatus = 'scheduled' | 'sending' | 'sent' | 'skipped' | 'failed' | 'cancelled';

export interface BookingRemindersTable {
  booking_id: string;
  offset_minutes: number;
  channel: ReminderChannel;
}

export type ReminderKind = 'appointment' | 'care';

export interface ReminderJobsTable {
  id: string;
  kind: Generated<ReminderKind>;
  /** Appointment jobs: the booking; null for care jobs. */
  booking_id: string | null;
  /** Care jobs: the medical record. */
  subject_id: string | null;
  owner_id: string;
  clinic_id: string | null;
  offset_minutes: number;
  channel: ReminderChannel;
  starts_at: Timestamp;
  due_at: Timestamp;
  status: Generated<ReminderJobStatus>;
  attempts: Generated<number>;
  next_attempt_at: Timestamp;
  locked_until: NullableTimestamp;
  last_error: string | null;
  sent_at: NullableTimestamp;
  created_at: Generated<Date>;
  updated_at: Generated<Date>;
}

export interface ReminderDeliveriesTable {
  kind: Generated<ReminderKind>;
  booking_id: string | null;
  subject_id: string | null;
  offset_minutes: number;
  channel: ReminderChannel;
  starts_at: Timestamp;
  job_id: string;
  status: Generated<'sending' | 'sent' | 'failed'>;
  provider_id: string | null;
  created_at: Generated<Date>;
  sent_at: NullableTimestamp;
}

export interface ClinicAgendaMailsTable {
  clinic_id: string;
  local_date: string;
  sent_at: Generated<Date>;
}

/** A medical record with its due date, as the user service's event feed told it (care reminders). */
export interface CareRecordsTable {
  record_id: string;
  owner_id: string;
  pet_id: string;
  pet_name: string;
  type: string;
  title: string;
  /** `YYYY-MM-DD`. */
  next_due_date: string | null;
  pet_deleted: Generated<boolean>;
  updated_at: Generated<Date>;
}

export interface DB {
  care_records: CareRecordsTable;
  outbox_horizon: OutboxHorizonTable;
  realtime_tickets: RealtimeTicketsTable;
  schedule_rules: ScheduleRulesTable;
  schedule_blocks: ScheduleBlocksTable;
  booking_policies: BookingPoliciesTable;
  bookings: BookingsTable;
  idempotency_keys: IdempotencyKeysTable;
  outbox_events: OutboxEventsTable;
  notifications: NotificationsTable;
  booking_reminders: BookingRemindersTable;
  reminder_jobs: ReminderJobsTable;
  reminder_deliveries: ReminderDeliveriesTable;
  clinic_agenda_mails: ClinicAgendaMailsTable;
}
