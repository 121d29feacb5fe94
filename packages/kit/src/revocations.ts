import { runEvery } from './background.ts';
import type { ServiceClient } from './client.ts';
import type { Logger } from './log.ts';

/** The feed path of the auth service (service credential only). */
const FEED = '/internal/sessions/revocations';
/** Pages read in one poll at most, so one poll cannot loop forever. */
const MAX_PAGES = 20;
/** Failures to read the feed in the first seconds after start are not reported (auth may be starting too). */
const STARTUP_GRACE_MS = 15_000;

/**
 * One page of the auth service's revocation feed (GET /internal/sessions/revocations), as it sends and this reads it.
 */
export interface RevocationPage {
  items: Array<{ sessionId: string; expiresAt: string }>;
  now: string;
  /** False when the page was full (more may follow). */
  complete?: boolean;
  /** Set when the page was full: read on from here at once. */
  next?: { since: string; after: string } | null;
}

/**
 * Sessions revoked before their access tokens expire (logout, forced logout, password reset,
 * refresh reuse), read from the auth service's revocation feed every `intervalMs`. The gateway and
 * every service other than auth (which owns the sessions and asks its database) keep one, and the
 * verifier consults it, so a revoked session's token is refused everywhere within seconds; entries
 * are dropped once no token of that session can still be valid.
 */
export class RevocationList {
  private readonly revoked = new Map<string, number>();
  private since: string;
  private stopPolling?: () => Promise<void>;
  private failing = false;
  private readonly startedAt = Date.now();

  constructor(
    private readonly client: ServiceClient,
    private readonly log: Logger,
    private readonly intervalMs = 2_000,
    lookbackMs = 20 * 60_000,
  ) {
    this.since = new Date(Date.now() - lookbackMs).toISOString();
  }

  start(): void {
    // poll() logs its own failures (once per outage), so the loop's failure line never shows.
    this.stopPolling = runEvery(this.intervalMs, () => this.poll(), {
      log: this.log,
      failure: 'revocation poll failed',
      firstAfterMs: 0,
    });
  }

  stop(): void {
    void this.stopPolling?.();
  }

  /** Reads every revocation since the last poll (all pages of a mass revocation, up to a bound). */
  async poll(): Promise<void> {
    try {
      let page: RevocationPage;
      let after = '';
      for (let i = 0; ; i++) {
        page = await this.client.json<RevocationPage>('auth', {
          path: `${FEED}?since=${encodeURIComponent(this.since)}${after}`,
          timeoutMs: 1_500,
        });
        for (const r of page.items) this.revoked.set(r.sessionId, Date.parse(r.expiresAt));
        if (!page.next || i >= MAX_PAGES) break;
        this.since = page.next.since;
        after = `&after=${page.next.after}`;
      }
      // Overlap a little so a revocation committed during the previous read is not missed.
      if (!page.next) this.since = new Date(Date.parse(page.now) - 5_000).toISOString();
      const now = Date.now();
      for (const [sid, exp] of this.revoked) if (exp < now) this.revoked.delete(sid);
      if (this.failing) this.log.info('session revocations readable again');
      this.failing = false;
    } catch (err) {
      // While the platform starts the auth service may not be up yet: that is not worth a warning.
      if (this.failing || Date.now() - this.startedAt < STARTUP_GRACE_MS) return;
      this.log.warn({ err: (err as Error).message }, 'cannot read session revocations from the auth service');
      this.failing = true;
    }
  }

  /** Marks a session revoked at once (used when this process itself learns of it). */
  add(sessionId: string, expiresAt: number): void {
    this.revoked.set(sessionId, expiresAt);
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }
}
