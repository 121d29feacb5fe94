import { sql, type Kysely } from 'kysely';
import type { DB } from '../db.ts';

export interface StoredKey {
  kid: string;
  alg: string;
  publicJwk: Record<string, unknown>;
  privateJwkEnc: string;
  createdAt: Date;
  retiredAt: Date | null;
}

/** The only SQL for signing keys. */
export class KeysRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Keys still worth publishing: active, or retired less than `keepMs` ago. */
  async findPublishable(keepMs: number): Promise<StoredKey[]> {
    const rows = await this.db
      .selectFrom('signing_keys')
      .selectAll()
      .where((eb) => eb.or([eb('retired_at', 'is', null), eb('retired_at', '>', new Date(Date.now() - keepMs))]))
      .orderBy('created_at', 'desc')
      .execute();
    return rows.map((r) => ({
      kid: r.kid,
      alg: r.alg,
      publicJwk: r.public_jwk,
      privateJwkEnc: r.private_jwk_enc,
      createdAt: r.created_at,
      retiredAt: r.retired_at,
    }));
  }

  /**
   * Serialises key rotation across replicas until the transaction ends (a transaction-scoped advisory
   * lock), so replicas starting together create one key. Run it in a `store.transaction`.
   */
  async lockRotation(): Promise<void> {
    await sql`select pg_advisory_xact_lock(hashtext('petpro-auth-signing-keys'))`.execute(this.db);
  }

  /** When the active key was created; undefined when there is none. */
  async findActiveCreatedAt(): Promise<Date | undefined> {
    const active = await this.db
      .selectFrom('signing_keys')
      .select('created_at')
      .where('retired_at', 'is', null)
      .orderBy('created_at', 'desc')
      .executeTakeFirst();
    return active?.created_at;
  }

  /** Retires the active key(s) and makes `key` the active one (run it in a `store.transaction`). */
  async replaceActive(key: { kid: string; alg: string; publicJwk: string; privateJwkEnc: string }): Promise<void> {
    await this.db.updateTable('signing_keys').set({ retired_at: new Date() }).where('retired_at', 'is', null).execute();
    await this.db
      .insertInto('signing_keys')
      .values({ kid: key.kid, alg: key.alg, public_jwk: key.publicJwk, private_jwk_enc: key.privateJwkEnc })
      .execute();
  }
}
