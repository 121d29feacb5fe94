import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
/** jsonb read as a value, written as a JSON string. */
type Json<T> = ColumnType<T, string, string>;
type NullableJson<T> = ColumnType<T | null, string | null | undefined, string | null>;
/** bigint comes back from pg as a string (it may exceed 2^53); written as a number. */
type BigIntColumn = ColumnType<string, number, number>;

export interface StoredRange {
  start: string;
  end: string;
}
export interface StoredOpeningHours {
  weekly: Array<{ weekday: number; ranges: StoredRange[] }>;
  closures: Array<{ date: string; reason: string; ranges?: StoredRange[] }>;
}

export interface ClinicsTable {
  id: string;
  owner_user_id: string;
  onboarding_id: string | null;
  name: string;
  description: Generated<string>;
  phone: string | null;
  email: string | null;
  address: string | null;
  city: string | null;
  province: string | null;
  lat: number | null;
  lng: number | null;
  time_zone: Generated<string>;
  published: Generated<boolean>;
  opening_hours: ColumnType<StoredOpeningHours, string | undefined, string>;
  categories: ColumnType<string[], never, never>;
  species: ColumnType<string[], never, never>;
  search_document: ColumnType<string, never, never>;
  name_document: ColumnType<string, never, never>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface ClinicPhotosTable {
  id: string;
  clinic_id: string;
  position: number;
  sizes: string[];
  created_at: Timestamp;
}

export interface ClinicServicesTable {
  id: string;
  clinic_id: string;
  name: string;
  category: string;
  description: Generated<string>;
  price_amount: BigIntColumn;
  currency: Generated<string>;
  duration_minutes: number;
  buffer_minutes: Generated<number>;
  species: ColumnType<string[], string[] | undefined, string[]>;
  active: Generated<boolean>;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface ClinicStaffTable {
  id: string;
  clinic_id: string;
  name: string;
  role: string;
  user_id: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface StaffInvitationsTable {
  id: string;
  clinic_id: string;
  staff_id: string;
  email: string;
  token_hash: string;
  invited_by: string;
  expires_at: Timestamp;
  created_at: Generated<Date>;
  accepted_at: NullableTimestamp;
  accepted_by: string | null;
  revoked_at: NullableTimestamp;
}

export interface StaffServicesTable {
  clinic_id: string;
  staff_id: string;
  service_id: string;
}

export interface OnboardingApplicationsTable {
  id: string;
  applicant_user_id: string;
  status: string;
  business: NullableJson<unknown>;
  contact: NullableJson<unknown>;
  location: NullableJson<unknown>;
  services: NullableJson<unknown>;
  contact_verified_email: string | null;
  contact_verified_at: NullableTimestamp;
  review_reason: string | null;
  reviewed_by: string | null;
  clinic_id: string | null;
  approval_attempts: Generated<number>;
  approval_last_error: string | null;
  approval_next_attempt_at: NullableTimestamp;
  submitted_at: NullableTimestamp;
  decided_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface OnboardingDocumentsTable {
  id: string;
  application_id: string;
  type: string;
  file_name: string;
  content_type: string;
  size_bytes: number;
  sha256: string;
  storage_key: string;
  uploaded_by: string;
  created_at: Timestamp;
}

export interface OnboardingContactCodesTable {
  application_id: string;
  email: string;
  code_hash: string;
  expires_at: Timestamp;
  attempts_left: number;
  sent_at: Timestamp;
}

export interface OnboardingEventsTable {
  id: string;
  application_id: string;
  at: Timestamp;
  type: string;
  actor_kind: string;
  actor_user_id: string | null;
  from_status: string | null;
  to_status: string | null;
  detail: Json<Record<string, unknown>>;
}

export interface MailOutboxTable {
  id: string;
  kind: string;
  payload: Json<Record<string, unknown>>;
  attempts: Generated<number>;
  last_error: string | null;
  next_attempt_at: Timestamp;
  sent_at: NullableTimestamp;
  created_at: Timestamp;
}

export interface DB {
  clinics: ClinicsTable;
  clinic_photos: ClinicPhotosTable;
  clinic_services: ClinicServicesTable;
  clinic_staff: ClinicStaffTable;
  staff_services: StaffServicesTable;
  staff_invitations: StaffInvitationsTable;
  onboarding_applications: OnboardingApplicationsTable;
  onboarding_documents: OnboardingDocumentsTable;
  onboarding_contact_codes: OnboardingContactCodesTable;
  onboarding_events: OnboardingEventsTable;
  mail_outbox: MailOutboxTable;
}
