import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
import { WindowQuota } from '@petpro/kit';
import type { DB } from '../db.ts';

/**
 * Caps on the mail a user makes this service send to an address they typed (onboarding contact
 * codes, staff invitations), per recipient address and per acting account, each per hour
 * (MAIL_PER_ADDRESS_PER_HOUR, MAIL_PER_ACCOUNT_PER_HOUR): past either, 429 `mail_limit_reached`.
 * Without them anyone could make PetPro mail any address without end.
 */
export class MailQuota {
  private readonly perAddress: WindowQuota<DB>;
  private readonly perAccount: WindowQuota<DB>;

  constructor(db: Kysely<DB>, limits: { perAddress: number; perAccount: number }) {
    const opts = { windowSeconds: 3_600, code: 'mail_limit_reached' };
    this.perAddress = new WindowQuota(db, {
      ...opts,
      limit: limits.perAddress,
      message: 'This address has received too many PetPro mails in the last hour; try again later',
    });
    this.perAccount = new WindowQuota(db, {
      ...opts,
      limit: limits.perAccount,
      message: 'Your account has sent too many mails in the last hour; try again later',
    });
  }

  /** Counts one mail from `accountId` to `email` (the account first, so a refused account spends no address budget). */
  async consume(accountId: string, email: string): Promise<void> {
    await this.perAccount.consume(`mail:account:${accountId}`);
    await this.perAddress.consume(`mail:address:${createHash('sha256').update(email.toLowerCase()).digest('hex')}`);
  }
}
