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
   * Makes `create()` the active key unless another replica already has a fresh active key; runs
   * under a transaction-scoped advisory lock so replicas starting together create one key.
   */
  async rotateIfNeeded(
    maxAgeMs: number,
    force: boolean,
    create: () => Promise<{ kid: string; alg: string; publicJwk: string; privateJwkEnc: string }>,
  ): Promise<boolean> {
    return this.db.transaction().execute(async (trx) => {
      await sql`select pg_advisory_xact_lock(hashtext('petpro-auth-signing-keys'))`.execute(trx);
      const active = await trx
        .selectFrom('signing_keys')
        .select(['kid', 'created_at'])
        .where('retired_at', 'is', null)
        .orderBy('created_at', 'desc')
        .executeTakeFirst();
      if (active && !force && Date.now() - active.created_at.getTime() < maxAgeMs) return false;
      const key = await create();
      await trx.updateTable('signing_keys').set({ retired_at: new Date() }).where('retired_at', 'is', null).execute();
      await trx
        .insertInto('signing_keys')
        .values({ kid: key.kid, alg: key.alg, public_jwk: key.publicJwk, private_jwk_enc: key.privateJwkEnc })
        .execute();
      return true;
    });
  }
}
