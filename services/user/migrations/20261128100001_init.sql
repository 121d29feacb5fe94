-- User service: profiles, stored images (avatars and pet photos), pets with soft delete, medical
-- records, preferences and favourite vendors. Users and clinics belong to other services and are
-- referred to by ID only (no foreign keys across services).

create table profiles (
  user_id uuid primary key,
  email text,
  display_name text,
  phone text,
  address text,
  city text,
  bio text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- One row per uploaded image; its sized variants live in media storage under `variants[].key`.
create table images (
  id uuid primary key,
  owner_id uuid not null,
  kind text not null check (kind in ('avatar', 'pet')),
  pet_id uuid,
  is_primary boolean not null default false,
  variants jsonb not null,
  created_at timestamptz not null default now(),
  check ((kind = 'pet') = (pet_id is not null))
);
-- A user has at most one avatar; a pet has at most one primary photo.
create unique index images_one_avatar_idx on images(owner_id) where kind = 'avatar';
create unique index images_one_primary_idx on images(pet_id) where is_primary;
create index images_pet_idx on images(pet_id, created_at) where pet_id is not null;

create table pets (
  id uuid primary key,
  owner_id uuid not null,
  name text not null,
  species text not null check (species in ('dog', 'cat', 'bird', 'rabbit', 'hamster', 'fish', 'reptile', 'other')),
  breed text,
  sex text not null default 'unknown' check (sex in ('male', 'female', 'unknown')),
  birth_date date,
  birth_date_estimated boolean not null default false,
  weight_kg numeric(6, 2) check (weight_kg is null or weight_kg > 0),
  microchip_id text,
  sterilised boolean,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  -- Soft delete: the pet and its history stay restorable until the purge removes them.
  deleted_at timestamptz
);
create index pets_owner_idx on pets(owner_id, id) where deleted_at is null;
create index pets_deleted_idx on pets(deleted_at) where deleted_at is not null;

alter table images add constraint images_pet_fk foreign key (pet_id) references pets(id) on delete cascade;

create table medical_records (
  id uuid primary key,
  pet_id uuid not null references pets(id) on delete cascade,
  type text not null check (type in ('vaccination', 'condition', 'allergy', 'medication', 'visit', 'surgery', 'other')),
  title text not null,
  date date not null,
  next_due_date date,
  vet text,
  clinic_id uuid,
  notes text,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now(),
  check (next_due_date is null or (type in ('vaccination', 'medication') and next_due_date >= date))
);
create index medical_records_pet_date_idx on medical_records(pet_id, date desc, id desc);
create index medical_records_due_idx on medical_records(pet_id, next_due_date) where next_due_date is not null;

-- Preferences are one document per user, stored whole: defaults fill what a user never set.
create table preferences (
  user_id uuid primary key,
  data jsonb not null,
  updated_at timestamptz not null default now()
);

create table favourites (
  user_id uuid not null,
  clinic_id uuid not null,
  created_at timestamptz not null default now(),
  primary key (user_id, clinic_id)
);
create index favourites_newest_idx on favourites(user_id, created_at desc, clinic_id desc);
