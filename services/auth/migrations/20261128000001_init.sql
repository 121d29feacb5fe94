-- Auth service: accounts, identities (room for social login), RBAC, one-time tokens, sessions with
-- refresh-token rotation, signing keys, throttling counters and the security audit trail.

create table users (
  id uuid primary key,
  email text not null unique,
  name text not null,
  phone text,
  password_hash text,
  email_verified_at timestamptz,
  language text not null default 'id' check (language in ('id', 'en')),
  mfa_enabled boolean not null default false,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);

-- A user can have several ways to log in (password, later Google/Facebook/Apple).
create table identities (
  id uuid primary key,
  user_id uuid not null references users(id) on delete cascade,
  provider text not null,
  provider_subject text not null,
  email text,
  created_at timestamptz not null default now(),
  unique (provider, provider_subject)
);
create index identities_user_idx on identities(user_id);

create table permissions (
  name text primary key,
  description text not null default ''
);

create table roles (
  name text primary key,
  description text not null default '',
  builtin boolean not null default false,
  created_at timestamptz not null default now()
);

create table role_permissions (
  role text not null references roles(name) on delete cascade on update cascade,
  permission text not null references permissions(name) on delete cascade,
  primary key (role, permission)
);

create table user_roles (
  user_id uuid not null references users(id) on delete cascade,
  role text not null references roles(name) on delete cascade on update cascade,
  granted_at timestamptz not null default now(),
  granted_by uuid,
  primary key (user_id, role)
);

-- Single-use tokens mailed to users; only their SHA-256 is stored.
create table one_time_tokens (
  id uuid primary key,
  user_id uuid not null references users(id) on delete cascade,
  purpose text not null check (purpose in ('verify_email', 'password_reset')),
  token_hash text not null unique,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index one_time_tokens_user_idx on one_time_tokens(user_id, purpose);

create table sessions (
  id uuid primary key,
  user_id uuid not null references users(id) on delete cascade,
  created_at timestamptz not null default now(),
  last_seen_at timestamptz not null default now(),
  idle_expires_at timestamptz not null,
  expires_at timestamptz not null,
  revoked_at timestamptz,
  revoked_reason text,
  ip text,
  user_agent text,
  browser text,
  os text,
  device text,
  device_id text,
  fingerprint text,
  mfa_verified boolean not null default false
);
create index sessions_user_idx on sessions(user_id) where revoked_at is null;
create index sessions_revoked_idx on sessions(revoked_at) where revoked_at is not null;

create table refresh_tokens (
  id uuid primary key,
  session_id uuid not null references sessions(id) on delete cascade,
  token_hash text not null unique,
  created_at timestamptz not null default now(),
  used_at timestamptz
);
create index refresh_tokens_session_idx on refresh_tokens(session_id);

create table signing_keys (
  kid text primary key,
  alg text not null,
  public_jwk jsonb not null,
  private_jwk_enc text not null,
  created_at timestamptz not null default now(),
  retired_at timestamptz
);

-- Fixed-window counters and lockouts shared by every auth replica.
create table throttle_counters (
  key text primary key,
  window_start timestamptz not null,
  count integer not null
);

-- Failed logins per account key (a hash of the normalised email, known or not), with growing locks.
create table login_failures (
  account_key text primary key,
  failures integer not null default 0,
  window_start timestamptz not null default now(),
  hour_failures integer not null default 0,
  locked_until timestamptz,
  updated_at timestamptz not null default now()
);

create table audit_events (
  id uuid primary key,
  at timestamptz not null default now(),
  type text not null,
  actor_id uuid,
  target_id uuid,
  ip text,
  detail jsonb not null default '{}'
);
create index audit_events_at_idx on audit_events(at desc);
create index audit_events_target_idx on audit_events(target_id, at desc);

insert into permissions (name, description) values
  ('profile:read:own', 'Read own profile'),
  ('profile:write:own', 'Change own profile'),
  ('pet:read:own', 'Read own pets and medical records'),
  ('pet:write:own', 'Manage own pets and medical records'),
  ('clinic:read', 'Read published clinics'),
  ('booking:create', 'Book appointments'),
  ('booking:read:own', 'Read own bookings'),
  ('booking:cancel:own', 'Cancel own bookings'),
  ('onboarding:apply', 'Apply to become a vendor'),
  ('clinic:write:own', 'Manage own clinics'),
  ('clinic:staff:manage:own', 'Manage staff of own clinics'),
  ('clinic:service:manage:own', 'Manage services of own clinics'),
  ('schedule:manage:own', 'Manage schedules of own clinics'),
  ('schedule:read:clinic', 'Read schedules of the clinic one works at'),
  ('booking:read:clinic', 'Read bookings of a clinic one owns or works at'),
  ('booking:manage:clinic', 'Confirm, complete, cancel bookings of a clinic'),
  ('onboarding:review', 'Review vendor applications'),
  ('admin:roles', 'Manage roles and permissions'),
  ('admin:users', 'Find users, assign roles, force logout'),
  ('admin:audit', 'Read the security audit trail'),
  ('admin:keys', 'Rotate token signing keys'),
  ('admin:ip-blocks', 'Manage IP blocks'),
  ('admin:services', 'See service instances and circuits');

insert into roles (name, description, builtin) values
  ('pet_owner', 'Pet owner (every new user)', true),
  ('vendor', 'Clinic or pet-service vendor (approved onboarding)', true),
  ('clinic_staff', 'Staff member of a clinic', true),
  ('admin', 'Platform administrator', true);

insert into role_permissions (role, permission) values
  ('pet_owner', 'profile:read:own'), ('pet_owner', 'profile:write:own'), ('pet_owner', 'pet:read:own'), ('pet_owner', 'pet:write:own'),
  ('pet_owner', 'clinic:read'), ('pet_owner', 'booking:create'), ('pet_owner', 'booking:read:own'), ('pet_owner', 'booking:cancel:own'),
  ('pet_owner', 'onboarding:apply'),
  ('vendor', 'clinic:read'), ('vendor', 'clinic:write:own'), ('vendor', 'clinic:staff:manage:own'), ('vendor', 'clinic:service:manage:own'),
  ('vendor', 'schedule:manage:own'), ('vendor', 'booking:read:clinic'), ('vendor', 'booking:manage:clinic'),
  ('clinic_staff', 'clinic:read'), ('clinic_staff', 'schedule:read:clinic'), ('clinic_staff', 'booking:read:clinic'), ('clinic_staff', 'booking:manage:clinic');

insert into role_permissions (role, permission) select 'admin', name from permissions;
