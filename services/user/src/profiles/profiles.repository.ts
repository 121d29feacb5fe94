import type { Kysely } from 'kysely';
import type { DB } from '../db.ts';

/** A user's profile as stored. */
export interface ProfileRecord {
  userId: string;
  email: string | null;
  displayName: string | null;
  phone: string | null;
  address: string | null;
  city: string | null;
  bio: string | null;
  createdAt: Date;
  updatedAt: Date;
}

/** The editable fields; undefined leaves a field as it is, null clears it. */
export interface ProfilePatch {
  displayName?: string | null;
  phone?: string | null;
  address?: string | null;
  city?: string | null;
  bio?: string | null;
}

const cols = [
  'user_id',
  'email',
  'display_name',
  'phone',
  'address',
  'city',
  'bio',
  'created_at',
  'updated_at',
] as const;

type Row = {
  user_id: string;
  email: string | null;
  display_name: string | null;
  phone: string | null;
  address: string | null;
  city: string | null;
  bio: string | null;
  created_at: Date;
  updated_at: Date;
};

function toProfile(r: Row): ProfileRecord {
  return {
    userId: r.user_id,
    email: r.email,
    displayName: r.display_name,
    phone: r.phone,
    address: r.address,
    city: r.city,
    bio: r.bio,
    createdAt: r.created_at,
    updatedAt: r.updated_at,
  };
}

/** The only SQL for profiles. */
export class ProfilesRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findById(userId: string): Promise<ProfileRecord | undefined> {
    const r = await this.db.selectFrom('profiles').select(cols).where('user_id', '=', userId).executeTakeFirst();
    return r && toProfile(r);
  }

  /** Locks the profile row until the transaction ends (only inside `store.transaction`). */
  async lockById(userId: string): Promise<void> {
    await this.db.selectFrom('profiles').select('user_id').where('user_id', '=', userId).forUpdate().execute();
  }

  /** The profile of `userId`, created empty on first access; the email follows the token's claim. */
  async findOrCreate(userId: string, email: string | null): Promise<ProfileRecord> {
    const found = await this.findById(userId);
    if (found && (email === null || found.email === email)) return found;
    if (found) {
      const r = await this.db
        .updateTable('profiles')
        .set({ email })
        .where('user_id', '=', userId)
        .returning(cols)
        .executeTakeFirstOrThrow();
      return toProfile(r);
    }
    // Two first requests may race; the loser's insert does nothing and it reads the winner's row.
    const inserted = await this.db
      .insertInto('profiles')
      .values({ user_id: userId, email })
      .onConflict((oc) => oc.column('user_id').doNothing())
      .returning(cols)
      .executeTakeFirst();
    return inserted ? toProfile(inserted) : (await this.findById(userId))!;
  }

  /** Sets the display name only while it is empty; false when the user had one. */
  async fillEmptyDisplayName(userId: string, name: string): Promise<boolean> {
    const r = await this.db
      .updateTable('profiles')
      .set({ display_name: name, updated_at: new Date() })
      .where('user_id', '=', userId)
      .where('display_name', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  async update(userId: string, patch: ProfilePatch): Promise<ProfileRecord> {
    const set: Partial<Record<'display_name' | 'phone' | 'address' | 'city' | 'bio', string | null>> = {};
    if (patch.displayName !== undefined) set.display_name = patch.displayName;
    if (patch.phone !== undefined) set.phone = patch.phone;
    if (patch.address !== undefined) set.address = patch.address;
    if (patch.city !== undefined) set.city = patch.city;
    if (patch.bio !== undefined) set.bio = patch.bio;
    const r = await this.db
      .updateTable('profiles')
      .set({ ...set, updated_at: new Date() })
      .where('user_id', '=', userId)
      .returning(cols)
      .executeTakeFirstOrThrow();
    return toProfile(r);
  }
}
