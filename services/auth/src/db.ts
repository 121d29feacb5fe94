import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;

export interface UsersTable {
  id: string;
  email: string;
  name: string;
  phone: string | null;
  password_hash: string | null;
  email_verified_at: NullableTimestamp;
  language: Generated<'id' | 'en'>;
  mfa_enabled: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface IdentitiesTable {
  id: string;
  user_id: string;
  provider: string;
  provider_subject: string;
  email: string | null;
  email_verified: Generated<boolean>;
  name: string | null;
  last_login_at: NullableTimestamp;
  created_at: Timestamp;
}

/** A social sign-in in progress (oauth feature): single-use, 10 minutes, keyed by the state's SHA-256. */
export interface OAuthStatesTable {
  state_hash: string;
  provider: string;
  redirect_uri: string;
  code_verifier: string;
  nonce: string | null;
  link_user_id: string | null;
  language: Generated<'id' | 'en'>;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Generated<Date>;
}

/** The one-time code a finished social sign-in hands to the client app (60 seconds). */
export interface OAuthExchangeCodesTable {
  code_hash: string;
  user_id: string;
  provider: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Generated<Date>;
}

export interface PermissionsTable {
  name: string;
  description: Generated<string>;
}

export interface RolesTable {
  name: string;
  description: Generated<string>;
  builtin: Generated<boolean>;
  created_at: Timestamp;
}

export interface RolePermissionsTable {
  role: string;
  permission: string;
}

export interface UserRolesTable {
  user_id: string;
  role: string;
  granted_at: Timestamp;
  granted_by: string | null;
  /** 'system', 'admin' or 'service:<name>' (see the migration that added it). */
  granted_via: Generated<string>;
}

export interface OneTimeTokensTable {
  id: string;
  user_id: string;
  purpose: 'verify_email' | 'password_reset';
  token_hash: string;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface SessionsTable {
  id: string;
  user_id: string;
  created_at: Timestamp;
  last_seen_at: Timestamp;
  idle_expires_at: Timestamp;
  expires_at: Timestamp;
  revoked_at: NullableTimestamp;
  revoked_reason: string | null;
  ip: string | null;
  user_agent: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  device_id: string | null;
  fingerprint: string | null;
  mfa_verified: Generated<boolean>;
  mfa_verified_at: NullableTimestamp;
}

export interface RefreshTokensTable {
  id: string;
  session_id: string;
  token_hash: string;
  created_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface SigningKeysTable {
  kid: string;
  alg: string;
  public_jwk: ColumnType<Record<string, unknown>, string, string>;
  private_jwk_enc: string;
  created_at: Timestamp;
  retired_at: NullableTimestamp;
}

export interface ThrottleCountersTable {
  key: string;
  window_start: Timestamp;
  count: number;
}

export interface LoginFailuresTable {
  account_key: string;
  failures: Generated<number>;
  window_start: Timestamp;
  hour_failures: Generated<number>;
  locked_until: NullableTimestamp;
  updated_at: Timestamp;
}

export interface AuditEventsTable {
  id: string;
  at: Timestamp;
  type: string;
  actor_id: string | null;
  target_id: string | null;
  ip: string | null;
  detail: ColumnType<Record<string, unknown>, string | undefined, string>;
}

export interface MfaTotpTable {
  user_id: string;
  secret_enc: string;
  enabled_at: NullableTimestamp;
  last_step: ColumnType<string, number | string | undefined, number | string>;
  created_at: Timestamp;
}

export interface MfaSmsTable {
  user_id: string;
  phone: string;
  enabled_at: Timestamp;
}

export interface MfaSmsCodesTable {
  id: string;
  user_id: string;
  purpose: 'setup' | 'login' | 'step_up';
  phone: string;
  code_hash: string;
  attempts: Generated<number>;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface MfaBackupCodesTable {
  id: string;
  user_id: string;
  code_hash: string;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface MfaChallengesTable {
  id: string;
  user_id: string;
  token_hash: string;
  first_factor: string;
  credential_digest: string | null;
  device_id: string | null;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface MfaRecoveriesTable {
  id: string;
  user_id: string;
  token_hash: string;
  token_expires_at: Timestamp;
  status: Generated<'started' | 'pending' | 'cancelled' | 'done'>;
  execute_after: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface RateCountersTable {
  key: string;
  window_start: Timestamp;
  count: number;
}

export interface DB {
  users: UsersTable;
  identities: IdentitiesTable;
  oauth_states: OAuthStatesTable;
  oauth_exchange_codes: OAuthExchangeCodesTable;
  permissions: PermissionsTable;
  roles: RolesTable;
  role_permissions: RolePermissionsTable;
  user_roles: UserRolesTable;
  one_time_tokens: OneTimeTokensTable;
  sessions: SessionsTable;
  refresh_tokens: RefreshTokensTable;
  signing_keys: SigningKeysTable;
  throttle_counters: ThrottleCountersTable;
  login_failures: LoginFailuresTable;
  audit_events: AuditEventsTable;
  mfa_totp: MfaTotpTable;
  mfa_sms: MfaSmsTable;
  mfa_sms_codes: MfaSmsCodesTable;
  mfa_backup_codes: MfaBackupCodesTable;
  mfa_challenges: MfaChallengesTable;
  mfa_recoveries: MfaRecoveriesTable;
  rate_counters: RateCountersTable;
}
