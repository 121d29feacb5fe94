-- Social login (issue 16): what a provider told us about an identity, the state of a sign-in in
-- progress (single-use, 10 minutes) and the one-time codes that hand its result to the client app
-- (single-use, 60 seconds). State and codes are stored as SHA-256 only.

alter table identities add column email_verified boolean not null default false;
alter table identities add column name text;
alter table identities add column last_login_at timestamptz;

create table oauth_states (
  state_hash text primary key,
  provider text not null,
  redirect_uri text not null,
  -- PKCE verifier and nonce: useless without the provider's code, which only the browser sees.
  code_verifier text not null,
  nonce text,
  -- Set when a logged-in user links another provider to the account.
  link_user_id uuid references users(id) on delete cascade,
  language text not null default 'id' check (language in ('id', 'en')),
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index oauth_states_expires_idx on oauth_states(expires_at);

create table oauth_exchange_codes (
  code_hash text primary key,
  user_id uuid not null references users(id) on delete cascade,
  provider text not null,
  expires_at timestamptz not null,
  used_at timestamptz,
  created_at timestamptz not null default now()
);
create index oauth_exchange_codes_expires_idx on oauth_exchange_codes(expires_at);

-- One identity per provider per account (unlinking names the provider).
create unique index identities_user_provider_idx on identities(user_id, provider);
