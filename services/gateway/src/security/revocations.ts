import type { Logger, ServiceClient } from '@petpro/kit';

interface RevocationPage {
  items: Array<{ sessionId: string; expiresAt: string }>;
  now: string;
  /** Set when the page was full: read on from here at once. */
  next?: { since: string; after: string } | null;
}

/**
 * Sessions revoked before their access tokens expire (logout, forced logout, password reset, refresh
 * reuse). Polled from the auth service every `intervalMs`, so the gateway refuses such a token within
 * seconds; entries are dropped once no token of that session can still be valid.
 */
export class RevocationList {
  private readonly revoked = new Map<string, number>();
  private since: string;
  private timer?: NodeJS.Timeout;
  private failing = false;

  constructor(
    private readonly client: ServiceClient,
    private readonly log: Logger,
    private readonly intervalMs = 2_000,
    lookbackMs = 20 * 60_000,
  ) {
    this.since = new Date(Date.now() - lookbackMs).toISOString();
  }

  start(): void {
    void this.poll();
    this.timer = setInterval(() => void this.poll(), this.intervalMs);
    this.timer.unref();
  }

  stop(): void {
    clearInterval(this.timer);
  }

  async poll(): Promise<void> {
    try {
      let page: RevocationPage;
      // Read every page of a mass revocation (bounded, so one poll cannot loop forever).
      let after = '';
      for (let i = 0; ; i++) {
        page = await this.client.json<RevocationPage>('auth', {
          path: `/internal/sessions/revocations?since=${encodeURIComponent(this.since)}${after}`,
          timeoutMs: 1_500,
        });
        for (const r of page.items) this.revoked.set(r.sessionId, Date.parse(r.expiresAt));
        if (!page.next || i >= 20) break;
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
      if (!this.failing)
        this.log.warn({ err: (err as Error).message }, 'cannot read session revocations from the auth service');
      this.failing = true;
    }
  }

  /** Marks a session revoked at once (used when the gateway itself learns of it). */
  add(sessionId: string, expiresAt: number): void {
    this.revoked.set(sessionId, expiresAt);
  }

  isRevoked(sessionId: string): boolean {
    return this.revoked.has(sessionId);
  }
}
