-- Appointment reminders (issue 15): the reminders each booking wants, a job queue of their sends,
-- and the delivery ledger that makes a second send of the same reminder impossible.
--
-- The queue is this service's own table, claimed with FOR UPDATE SKIP LOCKED, rather than
-- graphile-worker or pg-boss: jobs are added, moved and removed in the booking's own transaction by
-- plain repository calls (the same Kysely transaction as the booking row), the owner's GET/PUT and the
-- admin view read the very rows the worker works on, and the ledger's unique key sits beside them.
-- A library queue would keep its own schema whose jobs we would still have to mirror for those reads.

-- What a booking wants: one row per (offset, channel); defaults from the owner's preferences at
-- booking time, replaced by PUT /bookings/{id}/reminders.
create table booking_reminders (
  booking_id uuid not null references bookings (id) on delete cascade,
  offset_minutes integer not null check (offset_minutes between 5 and 43200),
  channel text not null check (channel in ('email', 'sms', 'push', 'in_app')),
  primary key (booking_id, offset_minutes, channel)
);

-- One send of one reminder for one start time. A move or a cancel ends the waiting jobs
-- (`cancelled`) and, for a move, adds jobs for the new start; the worker claims due jobs
-- (`scheduled` -> `sending` with a lease) and ends them `sent`, `skipped` (no longer applies),
-- or `failed` (permanent error, attempts spent, or the appointment started first).
create table reminder_jobs (
  id uuid primary key,
  booking_id uuid not null references bookings (id) on delete cascade,
  owner_id uuid not null,
  clinic_id uuid not null,
  offset_minutes integer not null check (offset_minutes between 5 and 43200),
  channel text not null check (channel in ('email', 'sms', 'push', 'in_app')),
  starts_at timestamptz not null,
  due_at timestamptz not null,
  status text not null default 'scheduled'
    check (status in ('scheduled', 'sending', 'sent', 'skipped', 'failed', 'cancelled')),
  attempts integer not null default 0,
  next_attempt_at timestamptz not null,
  locked_until timestamptz,
  last_error text,
  sent_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
-- At most one live job per reminder and start: a repeated schedule call adds nothing.
create unique index reminder_jobs_live_key on reminder_jobs (booking_id, offset_minutes, channel, starts_at)
  where status in ('scheduled', 'sending');
create index reminder_jobs_due_idx on reminder_jobs (next_attempt_at) where status = 'scheduled';
create index reminder_jobs_lease_idx on reminder_jobs (locked_until) where status = 'sending';
create index reminder_jobs_booking_idx on reminder_jobs (booking_id);
create index reminder_jobs_status_idx on reminder_jobs (status, due_at, id);

-- The delivery ledger: a row is written (and committed) before a reminder is handed to its channel,
-- keyed by what makes a reminder the same reminder. A second worker, a retry, or a replica racing
-- cannot insert the key again, so it cannot send again.
create table reminder_deliveries (
  booking_id uuid not null,
  offset_minutes integer not null,
  channel text not null,
  starts_at timestamptz not null,
  job_id uuid not null,
  status text not null default 'sending' check (status in ('sending', 'sent', 'failed')),
  provider_id text,
  created_at timestamptz not null default now(),
  sent_at timestamptz,
  primary key (booking_id, offset_minutes, channel, starts_at)
);

-- The clinic's daily agenda mail (07:00 in its zone), on by default; a row per clinic and local day
-- sent makes it once per day across replicas.
alter table booking_policies add column daily_agenda_mail boolean not null default true;
create table clinic_agenda_mails (
  clinic_id uuid not null,
  local_date date not null,
  sent_at timestamptz not null default now(),
  primary key (clinic_id, local_date)
);

-- Per-account budgets over a time window (reminder texts per account per day), shared by every
-- replica (kit WindowQuota).
create table rate_counters (
  key text primary key,
  window_start timestamptz not null,
  count integer not null
);
