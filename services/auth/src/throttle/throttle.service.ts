import { TooManyRequestsError, clientKey } from '@petpro/kit';
import { sha256 } from '../shared/crypto.ts';
import type { AuthStore } from '../store.ts';

/**
 * Per-IP and per-account limits of the sensitive auth endpoints, counted in the database. Per-IP
 * limits are multiplied by AUTH_IP_LIMIT_FACTOR: many Indonesian mobile users share one carrier-NAT
 * address, so a deployment may need to raise them without loosening the per-account limits.
 */
export const LIMITS = {
  loginPerIp: { max: 60, windowSeconds: 60, perIp: true },
  forgotPerAccount: { max: 3, windowSeconds: 900, perIp: false },
  forgotPerIp: { max: 10, windowSeconds: 300, perIp: true },
  resendPerAccount: { max: 3, windowSeconds: 900, perIp: false },
  resendPerIp: { max: 10, windowSeconds: 300, perIp: true },
  resetPerIp: { max: 10, windowSeconds: 300, perIp: true },
  registerPerIp: { max: 20, windowSeconds: 300, perIp: true },
} as const;

export type LimitName = keyof typeof LIMITS;

export class ThrottleService {
  constructor(
    private readonly store: AuthStore,
    private readonly ipFactor = 1,
  ) {}

  /** A key for an account that is the same whether or not the email is registered. */
  accountKey(email: string): string {
    return sha256(`account:${email}`);
  }

  /**
   * Counts one mail that someone else's action sends to `email` (an "already registered" notice) and
   * says whether it is within `perHour` (0 = no limit). The caller skips the mail past it, silently.
   */
  async allowsMailTo(email: string, perHour: number): Promise<boolean> {
    if (perHour <= 0) return true;
    const { count } = await this.store.repos.throttle.hit(`mail:${this.accountKey(email)}`, 3_600);
    return count <= perHour;
  }

  /** Counts a hit and throws 429 with Retry-After past the limit (`subject`: an IP for per-IP limits). */
  async assertWithinLimit(limit: LimitName, subject: string): Promise<void> {
    const { max: base, windowSeconds, perIp } = LIMITS[limit];
    const max = perIp ? base * this.ipFactor : base;
    // An IPv6 client is its /64, as at the gateway: rotating addresses inside it earns no fresh budget.
    const key = perIp ? clientKey(subject) : subject;
    const { count, resetAt } = await this.store.repos.throttle.hit(`${limit}:${key}`, windowSeconds);
    if (count > max)
      throw new TooManyRequestsError(
        (resetAt.getTime() - Date.now()) / 1000,
        'too_many_attempts',
        'Too many attempts; try again later',
      );
  }

  /**
   * Counts a login (or password change) attempt BEFORE its password is checked; 429 `account_locked`
   * with Retry-After while the account is locked. Atomic (the counters' row stays locked until the
   * decision is written), so that parallel guesses cannot all pass a lock check before the first
   * failure lands. A locked account records nothing. Otherwise the attempt counts as a failure
   * (cleared again when the password proves right): from the `lockAfter`-th consecutive one the
   * account is locked for base·2^(n−lockAfter) seconds (at most an hour), and at 100 within an hour for
   * the rest of that hour, so no account sees more than 100 failed tries an hour. Returns the
   * consecutive failures including this attempt, and the lock this attempt starts should its password
   * prove wrong.
   */
  async recordAttempt(
    accountKey: string,
    lockAfter: number,
    baseSeconds: number,
  ): Promise<{ failures: number; lockedUntil: Date | null }> {
    type Decision = { locked: Date } | { failures: number; lockedUntil: Date | null };
    const r = await this.store.transaction(async (repos): Promise<Decision> => {
      const row = await repos.throttle.lockFailures(accountKey);
      const now = Date.now();
      if (row.lockedUntil && row.lockedUntil.getTime() > now) return { locked: row.lockedUntil };
      const newWindow = row.windowStart.getTime() <= now - 3_600_000;
      const windowStart = newWindow ? new Date(now) : row.windowStart;
      const hourFailures = newWindow ? 1 : row.hourFailures + 1;
      const failures = row.failures + 1;
      let lockedUntil: Date | null = null;
      if (failures >= lockAfter)
        lockedUntil = new Date(now + Math.min(3600, baseSeconds * 2 ** (failures - lockAfter)) * 1000);
      if (hourFailures >= 100) {
        const endOfHour = new Date(windowStart.getTime() + 3_600_000);
        if (!lockedUntil || endOfHour > lockedUntil) lockedUntil = endOfHour;
      }
      await repos.throttle.setFailures(accountKey, { failures, hourFailures, windowStart, lockedUntil });
      return { failures, lockedUntil };
    });
    if ('locked' in r)
      throw new TooManyRequestsError(
        (r.locked.getTime() - Date.now()) / 1000,
        'account_locked',
        'Too many failed attempts; this account is locked for a while',
      );
    return r;
  }

  clearFailures(accountKey: string): Promise<void> {
    return this.store.repos.throttle.clearFailures(accountKey);
  }
}
