-- Booking service: schedules (weekly rules, blocked times, booking policy), bookings guarded against
-- double booking by an exclusion constraint, idempotency keys, and the outbox of domain events.

-- btree_gist lets one GiST index combine equality on staff_id with overlap on a time range.
create extension if not exists btree_gist;

-- Recurring weekly working hours in the clinic's zone. A row without staff_id applies to every staff member.
create table schedule_rules (
  id uuid primary key,
  clinic_id uuid not null,
  staff_id uuid,
  weekday smallint not null check (weekday between 1 and 7),
  -- Wall-clock "HH:MM" as the engine reads it; "24:00" is allowed as an end (a range up to midnight).
  start_time text not null check (start_time ~ '^([01][0-9]|2[0-3]):[0-5][0-9]$'),
  end_time text not null check (end_time ~ '^(([01][0-9]|2[0-3]):[0-5][0-9]|24:00)$'),
  valid_from date,
  valid_until date,
  position integer not null,
  created_at timestamptz not null default now(),
  check (start_time < end_time),
  check (valid_from is null or valid_until is null or valid_from <= valid_until)
);
create index schedule_rules_clinic_idx on schedule_rules (clinic_id, position);

-- Blocked time: whole clinic (staff_id null) or one staff member. A weekly block repeats at the same
-- local wall-clock times every week (in the clinic's zone, so across DST) until recurrence_until.
create table schedule_blocks (
  id uuid primary key,
  clinic_id uuid not null,
  staff_id uuid,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  reason text not null,
  recurrence_weekly boolean not null default false,
  recurrence_until date,
  created_by uuid not null,
  created_at timestamptz not null default now(),
  check (ends_at > starts_at),
  check (recurrence_weekly or recurrence_until is null)
);
create index schedule_blocks_clinic_idx on schedule_blocks (clinic_id, ends_at);

-- One row per clinic once the vendor saves a policy; clinics without one use the defaults.
create table booking_policies (
  clinic_id uuid primary key,
  min_notice_minutes integer not null check (min_notice_minutes >= 0),
  max_advance_days integer not null check (max_advance_days >= 1),
  cancellation_cutoff_minutes integer not null check (cancellation_cutoff_minutes >= 0),
  slot_step_minutes integer not null check (slot_step_minutes >= 1),
  updated_by uuid,
  updated_at timestamptz not null default now()
);

create table bookings (
  id uuid primary key,
  clinic_id uuid not null,
  service_id uuid not null,
  staff_id uuid not null,
  -- True when the owner chose the staff member; a reschedule then keeps them instead of re-balancing.
  staff_requested boolean not null,
  owner_id uuid not null,
  pet_ids uuid[] not null,
  -- Names and species as they were at booking time: the clinic cannot read the owner's pets itself.
  pets jsonb not null,
  starts_at timestamptz not null,
  ends_at timestamptz not null,
  -- End of the time the staff member is held: ends_at plus the service's buffer.
  held_until timestamptz not null,
  during tstzrange generated always as (tstzrange(starts_at, held_until, '[)')) stored,
  time_zone text not null,
  status text not null default 'pending' check (status in ('pending', 'confirmed', 'completed', 'no_show', 'cancelled')),
  notes text,
  -- Price snapshot: a later change of the service never rewrites a booking.
  service_name text not null,
  service_category text,
  duration_minutes integer not null check (duration_minutes > 0),
  buffer_minutes integer not null check (buffer_minutes >= 0),
  price_amount bigint not null check (price_amount >= 0),
  price_currency text not null,
  confirmed_at timestamptz,
  completed_at timestamptz,
  no_show_at timestamptz,
  cancelled_at timestamptz,
  cancelled_by uuid,
  cancelled_by_role text check (cancelled_by_role in ('owner', 'clinic')),
  cancellation_reason text,
  version integer not null default 1,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (ends_at > starts_at and held_until >= ends_at),
  -- No double booking, decided by PostgreSQL under any concurrency and any number of replicas: two
  -- open bookings never hold the same staff member over overlapping time (buffer included). A pending
  -- booking already holds its time, so confirming can never create an overlap.
  constraint bookings_no_overlap exclude using gist (staff_id with =, during with &&) where (status in ('pending', 'confirmed'))
);
create index bookings_owner_idx on bookings (owner_id, starts_at, id);
create index bookings_clinic_idx on bookings (clinic_id, starts_at, id);

-- Idempotency-Key of POST /bookings, per user. Written in the booking's own transaction, so a key
-- exists exactly when its booking does; a concurrent request with the same key waits on the primary
-- key and then answers with the booking the first request made instead of booking twice.
create table idempotency_keys (
  user_id uuid not null,
  key text not null,
  -- SHA-256 of the canonical request body: the same key with another body is refused.
  request_hash text not null,
  booking_id uuid not null,
  status_code integer not null,
  created_at timestamptz not null default now(),
  expires_at timestamptz not null,
  primary key (user_id, key)
);
create index idempotency_keys_expiry_idx on idempotency_keys (expires_at);

-- Transactional outbox: every booking and availability change writes its event here in the same
-- transaction; a publisher (a later issue) delivers rows where published_at is null.
create table outbox_events (
  id uuid primary key,
  type text not null,
  aggregate_id uuid not null,
  clinic_id uuid not null,
  owner_id uuid,
  payload jsonb not null,
  created_at timestamptz not null default now(),
  published_at timestamptz
);
create index outbox_events_unpublished_idx on outbox_events (created_at, id) where published_at is null;
