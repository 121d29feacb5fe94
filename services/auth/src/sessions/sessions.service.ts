import { NotFoundError, type Principal, type RevocationPage } from '@petpro/kit';
import type { AuthStore } from '../store.ts';
import type { SessionRecord } from './sessions.repository.ts';
import type { ApproxLocation, IpLocator } from './ip-location.ts';

/** A session with the approximate location of its last IP (null without a GeoIP database). */
export type LocatedSession = SessionRecord & { location: ApproxLocation | null };

/** Revocations per read of the feed; a mass revocation is read in several pages. */
export const REVOCATION_PAGE = 5_000;

/** A user's own sessions, and the feed of revoked sessions other services read. */
export class SessionsService {
  constructor(
    private readonly store: AuthStore,
    private readonly opts: { accessTtlSeconds: number; geo: IpLocator },
  ) {}

  private located(sessions: SessionRecord[]): LocatedSession[] {
    return sessions.map((s) => ({ ...s, location: this.opts.geo.locate(s.ip) }));
  }

  /** True when the session was revoked (or never existed): its access tokens must not be accepted. */
  isRevoked(sessionId: string): Promise<boolean> {
    return this.store.repos.sessions.isRevoked(sessionId);
  }

  /** The caller's active sessions, most recently used first. */
  async listActive(principal: Principal): Promise<LocatedSession[]> {
    return this.located(await this.store.repos.sessions.listActive(principal.userId));
  }

  /** A user's active sessions for an admin, most recently used first; 404 for an unknown user. */
  async listActiveOf(userId: string): Promise<LocatedSession[]> {
    if (!(await this.store.repos.accounts.findById(userId))) throw new NotFoundError('user_not_found', 'No such user');
    return this.located(await this.store.repos.sessions.listActive(userId));
  }

  /** Revokes one of the caller's own sessions; 404 when it is not theirs or not active. */
  async revokeOwn(principal: Principal, sessionId: string, ip: string | undefined): Promise<void> {
    const revoked = await this.store.repos.sessions.revoke({ userId: principal.userId, sessionId }, 'user_revoked');
    if (!revoked.length) throw new NotFoundError('session_not_found', 'No such active session');
    await this.store.repos.audit.record({
      type: 'session_revoked',
      actorId: principal.userId,
      targetId: principal.userId,
      ip,
      detail: { sessionId },
    });
  }

  /** Revokes every session of the caller but the current one; returns how many. */
  async revokeOthers(principal: Principal, ip: string | undefined): Promise<number> {
    const revoked = await this.store.repos.sessions.revoke(
      { userId: principal.userId, exceptSessionId: principal.sessionId },
      'user_revoked_others',
    );
    await this.store.repos.audit.record({
      type: 'session_revoked',
      actorId: principal.userId,
      targetId: principal.userId,
      ip,
      detail: { count: revoked.length, others: true },
    });
    return revoked.length;
  }

  /**
   * Sessions revoked since `since` (after the session `after` of that instant), for gateways and
   * services (the kit's RevocationList) to refuse their access tokens until those expire.
   */
  async findRevocationsSince(since: string, after: string | undefined): Promise<RevocationPage> {
    const now = new Date();
    const rows = await this.store.repos.sessions.listRevokedSince(since, REVOCATION_PAGE, after);
    // A full page means more may follow: the reader continues from the last one it got, not from now.
    const complete = rows.length < REVOCATION_PAGE;
    const last = rows[rows.length - 1];
    return {
      now: now.toISOString(),
      complete,
      next: complete || !last ? null : { since: last.cursor, after: last.id },
      items: rows.map((r) => ({
        sessionId: r.id,
        expiresAt: new Date(r.revokedAt.getTime() + this.opts.accessTtlSeconds * 1000 + 60_000).toISOString(),
      })),
    };
  }
}
