-- Clinic service: clinic profiles (hours, location, photos), staff, the service catalogue, vendor
-- onboarding (applications, documents, contact codes, history) and the mail outbox.

create table clinics (
  id uuid primary key,
  owner_user_id uuid not null,
  -- Set when the clinic was created by approving an application: makes that creation idempotent.
  onboarding_id uuid unique,
  name text not null,
  description text not null default '',
  phone text,
  email text,
  address text,
  city text,
  province text,
  lat double precision,
  lng double precision,
  time_zone text not null default 'Asia/Jakarta',
  published boolean not null default false,
  opening_hours jsonb not null default '{"weekly": [], "closures": []}',
  -- Derived from the active services (refreshed by the repository whenever they change) so that
  -- search filters by category and species with one GIN lookup instead of a join over services.
  categories text[] not null default '{}',
  species text[] not null default '{}',
  search_document tsvector not null default ''::tsvector,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz,
  check ((lat is null) = (lng is null)),
  check (lat is null or (lat between -90 and 90 and lng between -180 and 180))
);
create index clinics_owner_idx on clinics (owner_user_id) where deleted_at is null;
-- Search indexes cover published, live clinics only: that is all the public search ever reads.
create index clinics_search_name_idx on clinics (name, id) where published and deleted_at is null;
create index clinics_search_city_idx on clinics (lower(city), name, id) where published and deleted_at is null;
create index clinics_search_text_idx on clinics using gin (search_document) where published and deleted_at is null;
create index clinics_search_categories_idx on clinics using gin (categories) where published and deleted_at is null;
create index clinics_search_species_idx on clinics using gin (species) where published and deleted_at is null;
-- Two-dimensional index on (lng, lat) for the bounding-box prefilter of `near` searches.
create index clinics_search_geo_idx on clinics using gist (point(lng, lat)) where published and deleted_at is null and lat is not null;

create table clinic_photos (
  id uuid primary key,
  clinic_id uuid not null references clinics(id) on delete cascade,
  position integer not null,
  sizes text[] not null,
  created_at timestamptz not null default now()
);
create index clinic_photos_clinic_idx on clinic_photos (clinic_id, position);

create table clinic_services (
  id uuid primary key,
  clinic_id uuid not null references clinics(id) on delete cascade,
  name text not null,
  category text not null check (category in ('consultation', 'vaccination', 'grooming', 'boarding', 'surgery', 'dental', 'lab', 'other')),
  description text not null default '',
  price_amount bigint not null check (price_amount >= 0),
  currency text not null default 'IDR' check (currency ~ '^[A-Z]{3}$'),
  duration_minutes integer not null check (duration_minutes > 0),
  buffer_minutes integer not null default 0 check (buffer_minutes >= 0),
  species text[] not null default '{}',
  active boolean not null default true,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Soft delete: bookings made earlier still name the service by id.
  deleted_at timestamptz
);
create index clinic_services_clinic_idx on clinic_services (clinic_id, name) where deleted_at is null;

create table clinic_staff (
  id uuid primary key,
  clinic_id uuid not null references clinics(id) on delete cascade,
  name text not null,
  role text not null check (role in ('vet', 'groomer', 'nurse', 'other')),
  user_id uuid,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  deleted_at timestamptz
);
create index clinic_staff_clinic_idx on clinic_staff (clinic_id, name) where deleted_at is null;
create index clinic_staff_user_idx on clinic_staff (user_id) where deleted_at is null and user_id is not null;
-- A user account is linked at most once per clinic.
create unique index clinic_staff_clinic_user_uq on clinic_staff (clinic_id, user_id) where deleted_at is null and user_id is not null;

-- Which services a staff member can perform.
create table staff_services (
  staff_id uuid not null references clinic_staff(id) on delete cascade,
  service_id uuid not null references clinic_services(id) on delete cascade,
  primary key (staff_id, service_id)
);
create index staff_services_service_idx on staff_services (service_id);

create table onboarding_applications (
  id uuid primary key,
  applicant_user_id uuid not null,
  status text not null check (status in ('draft', 'submitted', 'changes_requested', 'approving', 'approved', 'rejected')),
  business jsonb,
  contact jsonb,
  location jsonb,
  services jsonb,
  -- The address that was verified; a later contact step with another address needs a new code.
  contact_verified_email text,
  contact_verified_at timestamptz,
  review_reason text,
  reviewed_by uuid,
  clinic_id uuid,
  -- Approval saga bookkeeping (see README: approval design).
  approval_attempts integer not null default 0,
  approval_last_error text,
  approval_next_attempt_at timestamptz,
  submitted_at timestamptz,
  decided_at timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index onboarding_applicant_idx on onboarding_applications (applicant_user_id, created_at desc);
create index onboarding_queue_idx on onboarding_applications (status, (coalesce(submitted_at, created_at)), id);
create index onboarding_approving_idx on onboarding_applications (approval_next_attempt_at) where status = 'approving';

create table onboarding_documents (
  id uuid primary key,
  application_id uuid not null references onboarding_applications(id) on delete cascade,
  type text not null check (type in ('business_licence', 'tax_registration', 'vet_licence')),
  file_name text not null,
  content_type text not null,
  size_bytes integer not null,
  sha256 text not null,
  storage_key text not null,
  uploaded_by uuid not null,
  created_at timestamptz not null default now()
);
create index onboarding_documents_app_idx on onboarding_documents (application_id, created_at);

-- The current contact verification code of an application; only its keyed hash is stored.
create table onboarding_contact_codes (
  application_id uuid primary key references onboarding_applications(id) on delete cascade,
  email text not null,
  code_hash text not null,
  expires_at timestamptz not null,
  attempts_left integer not null,
  sent_at timestamptz not null default now()
);

-- Every transition and change of an application, with its actor and time.
create table onboarding_events (
  id uuid primary key,
  application_id uuid not null references onboarding_applications(id) on delete cascade,
  at timestamptz not null default now(),
  type text not null,
  actor_kind text not null check (actor_kind in ('applicant', 'admin', 'system')),
  actor_user_id uuid,
  from_status text,
  to_status text,
  detail jsonb not null default '{}'
);
create index onboarding_events_app_idx on onboarding_events (application_id, at, id);

-- Mail written in the same transaction as the decision it reports, sent (and retried) afterwards.
create table mail_outbox (
  id uuid primary key,
  kind text not null,
  payload jsonb not null,
  attempts integer not null default 0,
  last_error text,
  next_attempt_at timestamptz not null default now(),
  sent_at timestamptz,
  created_at timestamptz not null default now()
);
create index mail_outbox_pending_idx on mail_outbox (next_attempt_at) where sent_at is null;
