import { TooManyRequestsError } from '@petpro/kit';
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

  /** Counts a hit and throws 429 with Retry-After past the limit. */
  async check(limit: LimitName, subject: string): Promise<void> {
    const { max: base, windowSeconds, perIp } = LIMITS[limit];
    const max = perIp ? base * this.ipFactor : base;
    const { count, resetAt } = await this.repo.hit(`${limit}:${subject}`, windowSeconds);
    if (count > max)
      throw new TooManyRequestsError(
        (resetAt.getTime() - Date.now()) / 1000,
        'too_many_attempts',
        'Too many attempts; try again later',
      );
  }

  /** Throws 429 `account_locked` while the account is locked after failed logins. */
  async assertNotLocked(accountKey: string): Promise<void> {
    const until = await this.repo.lockedUntil(accountKey);
    if (until)
      throw new TooManyRequestsError(
        (until.getTime() - Date.now()) / 1000,
        'account_locked',
        'Too many failed attempts; this account is locked for a while',
      );
  }

  recordFailure(accountKey: string, lockAfter: number, baseSeconds: number) {
    return this.repo.recordFailure(accountKey, lockAfter, baseSeconds);
  }

  clearFailures(accountKey: string): Promise<void> {
    return this.repo.clearFailures(accountKey);
  }
}
