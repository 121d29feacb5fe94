-- Invitations that link a PetPro account to a clinic staff entry once its owner accepts. Only the
-- SHA-256 of the mailed token is stored; a token works once, until it expires, and a newer invitation
-- for the same staff entry replaces (revokes) the older one.
create table staff_invitations (
  id uuid primary key,
  clinic_id uuid not null references clinics(id) on delete cascade,
  staff_id uuid not null references clinic_staff(id) on delete cascade,
  email text not null,
  token_hash text not null unique,
  invited_by uuid not null,
  expires_at timestamptz not null,
  created_at timestamptz not null default now(),
  accepted_at timestamptz,
  accepted_by uuid,
  revoked_at timestamptz
);
create index staff_invitations_open_idx on staff_invitations (clinic_id, staff_id)
  where accepted_at is null and revoked_at is null;
