import { TooManyRequestsError } from '@petpro/kit';
import { sha256 } from '../shared/crypto.ts';
import type { ThrottleRepository } from './throttle.repository.ts';

/** Per-IP and per-account limits of the sensitive auth endpoints, counted in the database. */
export const LIMITS = {
  loginPerIp: { max: 60, windowSeconds: 60 },
  forgotPerAccount: { max: 3, windowSeconds: 900 },
  forgotPerIp: { max: 10, windowSeconds: 300 },
  resendPerAccount: { max: 3, windowSeconds: 900 },
  resendPerIp: { max: 10, windowSeconds: 300 },
  resetPerIp: { max: 10, windowSeconds: 300 },
  registerPerIp: { max: 10, windowSeconds: 300 },
} as const;

export type LimitName = keyof typeof LIMITS;

export class ThrottleService {
  constructor(private readonly repo: ThrottleRepository) {}

  /** A key for an account that is the same whether or not the email is registered. */
  accountKey(email: string): string {
    return sha256(`account:${email}`);
  }

  /** Counts a hit and throws 429 with Retry-After past the limit. */
  async check(limit: LimitName, subject: string): Promise<void> {
    const { max, windowSeconds } = LIMITS[limit];
    const { count, resetAt } = await this.repo.hit(`${limit}:${subject}`, windowSeconds);
    if (count > max) throw new TooManyRequestsError((resetAt.getTime() - Date.now()) / 1000, 'too_many_attempts', 'Too many attempts; try again later');
  }

  /** Throws 429 `account_locked` while the account is locked after failed logins. */
  async assertNotLocked(accountKey: string): Promise<void> {
    const until = await this.repo.lockedUntil(accountKey);
    if (until) throw new TooManyRequestsError((until.getTime() - Date.now()) / 1000, 'account_locked', 'Too many failed attempts; this account is locked for a while');
  }

  recordFailure(accountKey: string, lockAfter: number, baseSeconds: number) {
    return this.repo.recordFailure(accountKey, lockAfter, baseSeconds);
  }

  clearFailures(accountKey: string): Promise<void> {
    return this.repo.clearFailures(accountKey);
  }
}
