-- MFA (issue 14): authenticator app (TOTP), SMS codes, backup codes, login challenges, recovery with a
-- delay, and the per-key budgets (WindowQuota) of the texts MFA sends.

-- One authenticator per user. The secret is sealed with AES-256-GCM under a key derived from the
-- service secret (never stored in clear). `enabled_at` is null while the setup waits for its first
-- code. `last_step` is the last accepted TOTP time step: a code is accepted only for a later step,
-- with a conditional UPDATE, so the same code never passes twice, even under concurrent requests.
create table mfa_totp (
  user_id uuid primary key references users(id) on delete cascade,
  secret_enc text not null,
  enabled_at timestamptz,
  last_step bigint not null default 0,
  created_at timestamptz not null default now()
);

-- The confirmed phone of the SMS factor (E.164).
create table mfa_sms (
  user_id uuid primary key references users(id) on delete cascade,
  phone text not null,
  enabled_at timestamptz not null default now()
);

-- Texted codes: keyed HMAC only, 5 minutes, 5 tries, the phone they were sent to.
create table mfa_sms_codes (
  id uuid primary key,
  user_id uuid not null references users(id) on delete cascade,
  purpose text not null check (purpose in ('setup', 'login', 'step_up')),
  phone text not null,
  code_hash text not null,
  attempts integer not null default 0,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index mfa_sms_codes_user_idx on mfa_sms_codes(user_id, purpose, created_at desc);

-- Backup codes: keyed HMAC-SHA-256 (see mfa.codes.ts for why not argon2), each used once.
create table mfa_backup_codes (
  id uuid primary key,
  user_id uuid not null references users(id) on delete cascade,
  code_hash text not null,
  used_at timestamptz,
  created_at timestamptz not null default now(),
  unique (user_id, code_hash)
);

-- The mfaToken of a login whose first factor passed: SHA-256 only, single-use, 5 minutes, bound to the
-- user, the first factor (and, for a password, a digest of the password hash it was checked against)
-- and the device id the client gave.
create table mfa_challenges (
  id uuid primary key,
  user_id uuid not null references users(id) on delete cascade,
  token_hash text not null unique,
  first_factor text not null,
  credential_digest text,
  device_id text,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index mfa_challenges_expiry_idx on mfa_challenges(expires_at);

-- Recovery when the second factor is lost: started with the password (a link is mailed), completed
-- with the link (removal scheduled after MFA_RECOVERY_DELAY_HOURS), cancelled by a login with a
-- second factor, done by the background job (each row taken once across replicas).
create table mfa_recoveries (
  id uuid primary key,
  user_id uuid not null references users(id) on delete cascade,
  token_hash text not null unique,
  token_expires_at timestamptz not null,
  status text not null default 'started' check (status in ('started', 'pending', 'cancelled', 'done')),
  execute_after timestamptz,
  created_at timestamptz not null default now(),
  updated_at timestamptz not null default now()
);
create index mfa_recoveries_due_idx on mfa_recoveries(execute_after) where status = 'pending';
create index mfa_recoveries_user_idx on mfa_recoveries(user_id) where status in ('started', 'pending');

-- When the session last passed a second factor (login or step-up).
alter table sessions add column mfa_verified_at timestamptz;

-- The kit's WindowQuota budgets (texts per phone and per account).
create table if not exists rate_counters (
  key text primary key,
  window_start timestamptz not null,
  count integer not null
);
