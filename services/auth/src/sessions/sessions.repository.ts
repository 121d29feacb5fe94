import { sql, type Kysely } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { DB } from '../db.ts';
import type { DeviceInfo } from './device.ts';

export interface SessionRecord {
  id: string;
  userId: string;
  createdAt: Date;
  lastSeenAt: Date;
  idleExpiresAt: Date;
  expiresAt: Date;
  revokedAt: Date | null;
  ip: string | null;
  userAgent: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  deviceId: string | null;
  fingerprint: string | null;
}

const cols = [
  'id',
  'user_id',
  'created_at',
  'last_seen_at',
  'idle_expires_at',
  'expires_at',
  'revoked_at',
  'ip',
  'user_agent',
  'browser',
  'os',
  'device',
  'device_id',
  'fingerprint',
] as const;

type Row = {
  id: string;
  user_id: string;
  created_at: Date;
  last_seen_at: Date;
  idle_expires_at: Date;
  expires_at: Date;
  revoked_at: Date | null;
  ip: string | null;
  user_agent: string | null;
  browser: string | null;
  os: string | null;
  device: string | null;
  device_id: string | null;
  fingerprint: string | null;
};

function toSession(r: Row): SessionRecord {
  return {
    id: r.id,
    userId: r.user_id,
    createdAt: r.created_at,
    lastSeenAt: r.last_seen_at,
    idleExpiresAt: r.idle_expires_at,
    expiresAt: r.expires_at,
    revokedAt: r.revoked_at,
    ip: r.ip,
    userAgent: r.user_agent,
    browser: r.browser,
    os: r.os,
    device: r.device,
    deviceId: r.device_id,
    fingerprint: r.fingerprint,
  };
}

/** The only SQL for sessions and refresh tokens. */
export class SessionsRepository {
  constructor(private readonly db: Kysely<DB>) {}

  /** Creates a session with its first refresh token (two statements: run it in a `store.transaction`). */
  async create(
    userId: string,
    device: DeviceInfo,
    idleExpiresAt: Date,
    expiresAt: Date,
    refreshHash: string,
    opts: { mfaVerified?: boolean } = {},
  ): Promise<SessionRecord> {
    const row = await this.db
      .insertInto('sessions')
      .values({
        id: uuidv7(),
        user_id: userId,
        idle_expires_at: idleExpiresAt,
        expires_at: expiresAt,
        ip: device.ip,
        user_agent: device.userAgent,
        browser: device.browser,
        os: device.os,
        device: device.device,
        device_id: device.deviceId,
        fingerprint: device.fingerprint,
        ...(opts.mfaVerified ? { mfa_verified: true, mfa_verified_at: new Date() } : {}),
      })
      .returning(cols)
      .executeTakeFirstOrThrow();
    await this.db
      .insertInto('refresh_tokens')
      .values({ id: uuidv7(), session_id: row.id, token_hash: refreshHash })
      .execute();
    return toSession(row);
  }

  /** Serialises the logins of one user until the transaction ends (the session cap cannot be overshot). */
  async lockUserSessions(userId: string): Promise<void> {
    await sql`select 1 from users where id = ${userId} for update`.execute(this.db);
  }

  /**
   * Revokes the user's open sessions past the `cap` most recently used ones, `keep` (the new
   * session) always among those kept; returns the revoked ids.
   */
  async revokeLeastRecentlyUsed(userId: string, keep: string, cap: number): Promise<string[]> {
    const r = await sql<{ id: string }>`
      update sessions set revoked_at = now(), revoked_reason = 'session_limit'
      where id in (
        select id from sessions
        where user_id = ${userId} and id <> ${keep} and revoked_at is null
          and expires_at > now() and idle_expires_at > now()
        order by last_seen_at desc, created_at desc
        offset ${cap - 1})
      returning id`.execute(this.db);
    return r.rows.map((e) => e.id);
  }

  async findById(id: string): Promise<SessionRecord | undefined> {
    const r = await this.db.selectFrom('sessions').select(cols).where('id', '=', id).executeTakeFirst();
    return r && toSession(r);
  }

  /** The refresh token and its session, whatever their state. */
  async findRefreshToken(
    tokenHash: string,
  ): Promise<{ tokenId: string; usedAt: Date | null; session: SessionRecord } | undefined> {
    const t = await this.db
      .selectFrom('refresh_tokens')
      .select(['id', 'session_id', 'used_at'])
      .where('token_hash', '=', tokenHash)
      .executeTakeFirst();
    if (!t) return undefined;
    const s = await this.findById(t.session_id);
    return s && { tokenId: t.id, usedAt: t.used_at, session: s };
  }

  /**
   * Spends a refresh token and stores its successor (run it in a `store.transaction`). Returns false
   * when the token was already spent (a concurrent or replayed use), which the caller treats as theft.
   */
  async rotateRefreshToken(
    tokenId: string,
    sessionId: string,
    newHash: string,
    idleExpiresAt: Date,
    device: { ip: string | null },
  ): Promise<boolean> {
    const spent = await this.db
      .updateTable('refresh_tokens')
      .set({ used_at: new Date() })
      .where('id', '=', tokenId)
      .where('used_at', 'is', null)
      .returning('id')
      .executeTakeFirst();
    if (!spent) return false;
    await this.db
      .insertInto('refresh_tokens')
      .values({ id: uuidv7(), session_id: sessionId, token_hash: newHash })
      .execute();
    await this.db
      .updateTable('sessions')
      .set({ last_seen_at: new Date(), idle_expires_at: idleExpiresAt, ...(device.ip ? { ip: device.ip } : {}) })
      .where('id', '=', sessionId)
      .execute();
    return true;
  }

  /** True when the session was revoked (or never existed): its access tokens must not be accepted. */
  async isRevoked(id: string): Promise<boolean> {
    const r = await this.db.selectFrom('sessions').select('revoked_at').where('id', '=', id).executeTakeFirst();
    return !r || r.revoked_at !== null;
  }

  /** Active sessions of a user, most recently used first. */
  async listActive(userId: string): Promise<SessionRecord[]> {
    const now = new Date();
    const rows = await this.db
      .selectFrom('sessions')
      .select(cols)
      .where('user_id', '=', userId)
      .where('revoked_at', 'is', null)
      .where('expires_at', '>', now)
      .where('idle_expires_at', '>', now)
      .orderBy('last_seen_at', 'desc')
      .execute();
    return rows.map(toSession);
  }

  /** Revokes the matching open sessions; returns their ids. */
  async revoke(
    filter: { userId: string; sessionId?: string; exceptSessionId?: string },
    reason: string,
  ): Promise<string[]> {
    let q = this.db
      .updateTable('sessions')
      .set({ revoked_at: new Date(), revoked_reason: reason })
      .where('user_id', '=', filter.userId)
      .where('revoked_at', 'is', null);
    if (filter.sessionId) q = q.where('id', '=', filter.sessionId);
    if (filter.exceptSessionId) q = q.where('id', '!=', filter.exceptSessionId);
    const rows = await q.returning('id').execute();
    return rows.map((r) => r.id);
  }

  /**
   * Revokes every open session of the users holding `role` (its permissions were reduced, or it is
   * about to be deleted); returns how many.
   */
  async revokeHoldersOf(role: string, reason: string): Promise<number> {
    const rows = await this.db
      .updateTable('sessions')
      .set({ revoked_at: new Date(), revoked_reason: reason })
      .where('revoked_at', 'is', null)
      .where('user_id', 'in', (eb) => eb.selectFrom('user_roles').select('user_id').where('role', '=', role))
      .returning('id')
      .execute();
    return rows.length;
  }

  /** Sessions revoked since `since` (for gateways to refuse their still-unexpired access tokens). */
  async listRevokedSince(
    since: string,
    limit: number,
    afterId?: string,
  ): Promise<Array<{ id: string; revokedAt: Date; cursor: string }>> {
    // Keyset on (revoked_at, id): one statement revokes many sessions with the same timestamp. The
    // cursor keeps PostgreSQL's microseconds, which a JavaScript Date would round away.
    const at = sql<Date>`${since}::timestamptz`;
    let q = this.db
      .selectFrom('sessions')
      .select([
        'id',
        'revoked_at',
        sql<string>`to_char(revoked_at at time zone 'UTC', 'YYYY-MM-DD"T"HH24:MI:SS.US"Z"')`.as('cursor'),
      ]);
    q = afterId
      ? q.where((eb) => eb(eb.refTuple('revoked_at', 'id'), '>', eb.tuple(at, afterId)))
      : q.where('revoked_at', '>=', at);
    const rows = await q.where('revoked_at', 'is not', null).orderBy('revoked_at').orderBy('id').limit(limit).execute();
    return rows.map((r) => ({ id: r.id, revokedAt: r.revoked_at!, cursor: r.cursor }));
  }
}
