import { BadRequestError, type Language, type Logger, type SmsSender } from '@petpro/kit';
import type { UserRecord } from '../accounts/accounts.repository.ts';
import type { RenderedMail } from '../mail/templates.ts';
import type { ThrottleService } from '../throttle/throttle.service.ts';
import { randomToken, sha256 } from '../shared/crypto.ts';
import type { AuthStore } from '../store.ts';
import { mfaMail, mfaSms } from './mfa.texts.ts';

const LINK_TTL_MINUTES = 60;
/** Due recoveries one pass of the job carries out (the next pass takes the rest). */
const BATCH = 50;

/**
 * Recovery when the second factor is lost. The first factor is still required to start; the mailed
 * link only schedules the removal after MFA_RECOVERY_DELAY_HOURS, announced on every channel, and a
 * login with a second factor meanwhile cancels it: a mailbox alone never bypasses the second factor.
 */
export class RecoveryService {
  constructor(
    private readonly deps: {
      store: AuthStore;
      throttle: ThrottleService;
      /** The first factor, checked as a login would (lockout, timing): 401 when wrong. */
      checkPassword: (email: string, password: string, meta: { ip?: string }) => Promise<UserRecord>;
      sms: SmsSender;
      mail: (to: string, mail: RenderedMail, outboxHint?: string) => void;
      log: Logger;
      /** Where the mailed link points: the client app when there is one, else the gateway. */
      linkBase: string;
      delayHours: number;
    },
  ) {}

  /** Mails a recovery link when the password is right and the account has MFA on (202 either way). */
  async start(email: string, password: string, meta: { ip?: string }): Promise<void> {
    await this.deps.throttle.assertWithinLimit('forgotPerIp', meta.ip ?? 'unknown');
    const user = await this.deps.checkPassword(email, password, meta);
    await this.deps.throttle.assertWithinLimit('forgotPerAccount', this.deps.throttle.accountKey(user.email));
    if (!user.mfaEnabled) return;
    const token = randomToken();
    await this.deps.store.transaction(async (repos) => {
      await repos.recovery.insert(user.id, sha256(token), LINK_TTL_MINUTES * 60);
      await repos.audit.record({ type: 'mfa_recovery_started', actorId: user.id, targetId: user.id, ip: meta.ip });
    });
    const url = `${this.deps.linkBase}/recover-mfa?token=${token}&lang=${user.language}`;
    this.deps.mail(
      user.email,
      mfaMail.recoveryLink(user.language, {
        name: user.name,
        url,
        token,
        minutes: LINK_TTL_MINUTES,
        hours: this.deps.delayHours,
      }),
      `MFA recovery for ${user.email}: ${url}`,
    );
  }

  /** Spends the link and schedules the removal; the user is told by mail and by text. */
  async complete(token: string, meta: { ip?: string }): Promise<{ executeAfter: Date }> {
    await this.deps.throttle.assertWithinLimit('resetPerIp', meta.ip ?? 'unknown');
    const out = await this.deps.store.transaction(async (repos) => {
      const scheduled = await repos.recovery.schedule(sha256(token), this.deps.delayHours);
      if (!scheduled) return undefined;
      await repos.audit.record({
        type: 'mfa_recovery_scheduled',
        actorId: scheduled.userId,
        targetId: scheduled.userId,
        ip: meta.ip,
        detail: { executeAfter: scheduled.executeAfter.toISOString() },
      });
      const user = (await repos.accounts.findById(scheduled.userId))!;
      const { smsPhone } = await repos.mfa.factorsOf(user.id);
      return { user, smsPhone, executeAfter: scheduled.executeAfter };
    });
    if (!out) throw new BadRequestError('invalid_token', 'This recovery link is invalid, already used or expired');
    const { user, smsPhone, executeAfter } = out;
    this.deps.mail(user.email, mfaMail.recoveryPending(user.language, { name: user.name, executeAfter }));
    if (smsPhone) this.text(smsPhone, user.language, executeAfter);
    return { executeAfter };
  }

  /** Texts the pending-removal notice in the background (a failing provider must not undo the schedule). */
  private text(phone: string, language: Language, executeAfter: Date): void {
    void this.deps.sms
      .send({ to: phone, text: mfaSms.recoveryPending(language, executeAfter), purpose: 'mfa_recovery' })
      .catch((err: Error) => this.deps.log.warn({ err: err.message }, 'recovery notice could not be texted'));
  }

  /**
   * One pass of the background job: carries out the due recoveries, each exactly once across replicas
   * (rows taken with FOR UPDATE SKIP LOCKED and marked done in the transaction that removes the
   * factors). Returns how many.
   */
  async runDue(): Promise<number> {
    const done = await this.deps.store.transaction(async (repos) => {
      const due = await repos.recovery.claimDue(BATCH);
      const users: UserRecord[] = [];
      for (const r of due) {
        await repos.mfa.deleteAllFactors(r.userId);
        await repos.audit.record({ type: 'mfa_recovery_completed', targetId: r.userId, detail: { recoveryId: r.id } });
        const user = await repos.accounts.findById(r.userId);
        if (user) users.push(user);
      }
      return users;
    });
    for (const user of done)
      this.deps.mail(user.email, mfaMail.mfaRemoved(user.language, { name: user.name, byAdmin: false }));
    return done.length;
  }
}
