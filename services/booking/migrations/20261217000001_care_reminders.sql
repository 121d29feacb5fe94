-- Care reminders (issue 15 item 4): a medical record's nextDueDate reminds its owner some days before
-- (their careReminderOffsetsDays), on the same job queue, worker, channels and delivery ledger as
-- appointment reminders. A job has a kind; a care job names its medical record (subject_id) instead
-- of a booking, keeps its offset in minutes (days x 1440) and uses starts_at for the due date
-- (00:00 UTC of that date), so a moved due date is a new reminder under a new ledger key.
alter table reminder_jobs add column kind text not null default 'appointment' check (kind in ('appointment', 'care'));
alter table reminder_jobs add column subject_id uuid;
alter table reminder_jobs alter column booking_id drop not null;
alter table reminder_jobs alter column clinic_id drop not null;
alter table reminder_jobs drop constraint reminder_jobs_offset_minutes_check;
alter table reminder_jobs add constraint reminder_jobs_kind_fields check (
  (kind = 'appointment' and booking_id is not null and clinic_id is not null and offset_minutes between 5 and 43200)
  or (kind = 'care' and booking_id is null and subject_id is not null and offset_minutes between 1440 and 129600)
);
-- At most one live care job per reminder and due date (appointment jobs keep reminder_jobs_live_key).
create unique index reminder_jobs_care_live_key on reminder_jobs (subject_id, offset_minutes, channel, starts_at)
  where kind = 'care' and status in ('scheduled', 'sending');
create index reminder_jobs_subject_idx on reminder_jobs (subject_id) where kind = 'care';

-- The ledger: an appointment delivery is keyed by its booking as before; a care delivery by its
-- record (subject_id), offset, channel and due date. Both keys are unique; the unused one is null.
alter table reminder_deliveries add column kind text not null default 'appointment' check (kind in ('appointment', 'care'));
alter table reminder_deliveries add column subject_id uuid;
alter table reminder_deliveries drop constraint reminder_deliveries_pkey;
alter table reminder_deliveries alter column booking_id drop not null;
create unique index reminder_deliveries_booking_key on reminder_deliveries (booking_id, offset_minutes, channel, starts_at);
create unique index reminder_deliveries_care_key on reminder_deliveries (subject_id, offset_minutes, channel, starts_at);
alter table reminder_deliveries add constraint reminder_deliveries_kind_fields check (
  (kind = 'appointment' and booking_id is not null) or (kind = 'care' and subject_id is not null)
);

-- The user service's medical records with a due date and their pets' state, as its event feed told
-- them (the worker re-reads this row at send time: still there, same due date, pet not deleted).
create table care_records (
  record_id uuid primary key,
  owner_id uuid not null,
  pet_id uuid not null,
  pet_name text not null,
  type text not null,
  title text not null,
  -- YYYY-MM-DD as the user service sends it (text: no zone conversion by the driver).
  next_due_date text check (next_due_date ~ '^\d{4}-\d{2}-\d{2}$'),
  pet_deleted boolean not null default false,
  updated_at timestamptz not null default now()
);
create index care_records_pet_idx on care_records (owner_id, pet_id);
