import type { ColumnType, Generated } from 'kysely';

type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
type NullableTimestamp = ColumnType<Date | null, Date | string | null | undefined, Date | string | null>;
// `date` columns are read as text (`col::text`) in repositories so that no time zone shifts them.
type DateColumn = ColumnType<string, string, string>;
type NullableDateColumn = ColumnType<string | null, string | null | undefined, string | null>;
// pg returns numeric as a string to keep its precision; repositories convert it.
type Numeric = ColumnType<string | null, number | string | null | undefined, number | string | null>;
type Json<T> = ColumnType<T, string, string>;

/** One stored size of an image. */
export interface StoredVariant {
  size: number;
  width: number;
  height: number;
  key: string;
  bytes: number;
}

export interface ProfilesTable {
  user_id: string;
  email: string | null;
  display_name: string | null;
  phone: string | null;
  address: string | null;
  city: string | null;
  bio: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface ImagesTable {
  id: string;
  owner_id: string;
  kind: 'avatar' | 'pet';
  pet_id: string | null;
  is_primary: Generated<boolean>;
  variants: Json<StoredVariant[]>;
  created_at: Timestamp;
}

export interface PetsTable {
  id: string;
  owner_id: string;
  name: string;
  species: string;
  breed: string | null;
  sex: Generated<string>;
  birth_date: NullableDateColumn;
  birth_date_estimated: Generated<boolean>;
  weight_kg: Numeric;
  microchip_id: string | null;
  sterilised: boolean | null;
  notes: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
  deleted_at: NullableTimestamp;
}

export interface MedicalRecordsTable {
  id: string;
  owner_id: string;
  pet_id: string;
  type: string;
  title: string;
  date: DateColumn;
  next_due_date: NullableDateColumn;
  vet: string | null;
  clinic_id: string | null;
  notes: string | null;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface PreferencesTable {
  user_id: string;
  data: Json<unknown>;
  updated_at: Timestamp;
}

export interface FavouritesTable {
  user_id: string;
  clinic_id: string;
  created_at: Timestamp;
}

/** A Web Push device of a user (push feature). */
export interface PushSubscriptionsTable {
  id: string;
  user_id: string;
  endpoint: string;
  p256dh: string;
  auth: string;
  expiration_time: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
}

export interface DB {
  profiles: ProfilesTable;
  images: ImagesTable;
  pets: PetsTable;
  medical_records: MedicalRecordsTable;
  preferences: PreferencesTable;
  favourites: FavouritesTable;
  push_subscriptions: PushSubscriptionsTable;
}
