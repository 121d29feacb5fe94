import { TooManyRequestsError, clientKey } from '@petpro/kit';
import { sha256 } from '../shared/crypto.ts';
import type { ThrottleRepository } from './throttle.repository.ts';

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
    private readonly repo: ThrottleRepository,
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
    const { count } = await this.repo.hit(`mail:${this.accountKey(email)}`, 3_600);
    return count <= perHour;
  }

  /** Counts a hit and throws 429 with Retry-After past the limit (`subject`: an IP for per-IP limits). */
  async check(limit: LimitName, subject: string): Promise<void> {
    const { max: base, windowSeconds, perIp } = LIMITS[limit];
    const max = perIp ? base * this.ipFactor : base;
    // An IPv6 client is its /64, as at the gateway: rotating addresses inside it earns no fresh budget.
    const key = perIp ? clientKey(subject) : subject;
    const { count, resetAt } = await this.repo.hit(`${limit}:${key}`, windowSeconds);
    if (count > max)
      throw new TooManyRequestsError(
        (resetAt.getTime() - Date.now()) / 1000,
        'too_many_attempts',
        'Too many attempts; try again later',
      );
  }

  /**
   * Counts a login (or password change) attempt before its password is checked; 429
   * `account_locked` with Retry-After while the account is locked. Returns the consecutive failures
   * including this attempt, and the lock this attempt starts should its password prove wrong.
   */
  async recordAttempt(
    accountKey: string,
    lockAfter: number,
    baseSeconds: number,
  ): Promise<{ failures: number; lockedUntil: Date | null }> {
    const r = await this.repo.recordAttempt(accountKey, lockAfter, baseSeconds);
    if ('locked' in r)
      throw new TooManyRequestsError(
        (r.locked.getTime() - Date.now()) / 1000,
        'account_locked',
        'Too many failed attempts; this account is locked for a while',
      );
    return r;
  }

  clearFailures(accountKey: string): Promise<void> {
    return this.repo.clearFailures(accountKey);
  }
}
