import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  BadRequestError,
  ConflictError,
  TooManyRequestsError,
  type Logger,
  type Mailer,
  type Principal,
} from '@petpro/kit';
import type { ApplicationRecord, ContactCodeRecord } from './onboarding.repository.ts';
import type { OnboardingAccess } from './onboarding.access.ts';
import { applicationNotFound, contactVerified } from './onboarding.model.ts';
import type { AuthClient } from '../shared/auth-client.ts';
import type { MailQuota } from '../mail/mail-quota.ts';
import { templates } from '../mail/templates.ts';
import type { ClinicStore, Repositories } from '../store.ts';

export interface ContactCodeConfig {
  codeTtlMinutes: number;
  codeMaxAttempts: number;
  codeResendSeconds: number;
  codeSecret: string;
}

/** True when `code` was sent to `email` and can still be used. */
function isLive(code: ContactCodeRecord | undefined, email: string, now = Date.now()): boolean {
  return !!code && code.email === email && code.attemptsLeft > 0 && code.expiresAt.getTime() > now;
}

/**
 * The contact step's address, verified by a mailed 6-digit code: only its keyed hash is stored, tries
 * are limited, it expires, and it is bound to the address it was sent to. Mailing is held to a resend
 * cooldown and the mail caps, so an application is not a way to mail an address without end.
 */
export class ContactVerificationService {
  constructor(
    private readonly deps: {
      store: ClinicStore;
      access: OnboardingAccess;
      auth: AuthClient;
      mailer: Mailer;
      log: Logger;
      mailQuota: Pick<MailQuota, 'consume'>;
      config: ContactCodeConfig;
    },
  ) {}

  /**
   * In the transaction that saves the contact step: a new address is no longer verified, and gets a
   * code unless it has a live one (429, nothing saved, within the cooldown or past the caps). Returns
   * the code to mail once the transaction has committed.
   */
  async codeForSavedContact(
    repos: Repositories,
    p: Principal,
    app: ApplicationRecord,
    email: string,
  ): Promise<string | undefined> {
    if (email === app.contactVerifiedEmail) return undefined;
    await repos.onboarding.setContactVerified(app.id, p.userId, null);
    const current = await repos.onboarding.findContactCode(app.id, { forUpdate: true });
    if (isLive(current, email)) return undefined;
    await this.assertMayMailCode(p, current, email);
    return this.issueCode(repos, app.id, email);
  }

  /** 429 `resend_too_soon` within the cooldown of the last code, 429 `mail_limit_reached` past the caps. */
  private async assertMayMailCode(p: Principal, current: ContactCodeRecord | undefined, email: string): Promise<void> {
    const wait = current ? current.sentAt.getTime() + this.deps.config.codeResendSeconds * 1000 - Date.now() : 0;
    if (wait > 0)
      throw new TooManyRequestsError(
        wait / 1000,
        'resend_too_soon',
        'A code was sent a moment ago; wait before asking for another',
      );
    await this.deps.mailQuota.consume(p.userId, email);
  }

  /** A new 6-digit code for `email`; only its keyed hash is stored. */
  private async issueCode(repos: Repositories, applicationId: string, email: string): Promise<string> {
    const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
    const now = new Date();
    await repos.onboarding.saveContactCode({
      applicationId,
      email,
      codeHash: this.codeHash(applicationId, email, code),
      expiresAt: new Date(now.getTime() + this.deps.config.codeTtlMinutes * 60_000),
      attemptsLeft: this.deps.config.codeMaxAttempts,
      sentAt: now,
    });
    await repos.onboarding.addEvent(applicationId, uuidv7(), {
      type: 'contact_code_sent',
      actorKind: 'system',
      actorUserId: null,
      detail: { email },
    });
    return code;
  }

  /** HMAC with a server secret: a leaked table does not let anyone try the million codes offline. */
  private codeHash(applicationId: string, email: string, code: string): string {
    return createHmac('sha256', this.deps.config.codeSecret)
      .update(`${applicationId}\n${email}\n${code}`)
      .digest('hex');
  }

  /** Mails the code in the applicant's language; a mail failure is logged (the applicant can ask for a resend). */
  async mailCode(app: ApplicationRecord, email: string, code: string): Promise<void> {
    let lang: 'id' | 'en' = 'id';
    try {
      lang = (await this.deps.auth.getUser(app.applicantUserId))?.language ?? 'id';
    } catch (err) {
      this.deps.log.warn({ err }, 'could not read the applicant language; mailing in Bahasa Indonesia');
    }
    const mail = templates.contactCode(lang, { code, minutes: this.deps.config.codeTtlMinutes });
    try {
      await this.deps.mailer.send({ to: email, ...mail, outboxHint: `contact code ${code}` });
    } catch (err) {
      this.deps.log.error({ err, application: app.id }, 'contact verification mail failed');
    }
  }

  /** Mails a new code to the current contact address; 429 when asked again too soon. */
  async resendCode(p: Principal, id: string): Promise<void> {
    const app = await this.deps.access.editableOwn(p, id);
    if (!app.contact) throw new ConflictError('contact_step_missing', 'Save the contact step first');
    if (contactVerified(app))
      throw new ConflictError('contact_already_verified', 'The contact address is already verified');
    const email = app.contact.email;
    const code = await this.deps.store.transaction(async (repos) => {
      await this.assertMayMailCode(p, await repos.onboarding.findContactCode(id, { forUpdate: true }), email);
      return this.issueCode(repos, id, email);
    });
    await this.mailCode(app, email, code);
  }

  /** Checks the mailed code: limited tries, expiry, and bound to the address it was sent to. */
  async verifyCode(p: Principal, id: string, code: string): Promise<ApplicationRecord> {
    const app = await this.deps.access.editableOwn(p, id);
    if (!app.contact) throw new ConflictError('contact_step_missing', 'Save the contact step first');
    if (contactVerified(app)) return app;
    const email = app.contact.email;
    const outcome = await this.deps.store.transaction(async (repos) => {
      const current = await repos.onboarding.findContactCode(id, { forUpdate: true });
      if (!current || current.email !== email || current.attemptsLeft <= 0) return 'no_code' as const;
      if (current.expiresAt.getTime() <= Date.now()) return 'expired' as const;
      const expected = Buffer.from(current.codeHash, 'hex');
      const given = Buffer.from(this.codeHash(id, email, code), 'hex');
      if (!timingSafeEqual(expected, given)) {
        await repos.onboarding.spendContactAttempt(id);
        return current.attemptsLeft - 1;
      }
      await repos.onboarding.deleteContactCode(id);
      if (!(await repos.onboarding.setContactVerified(id, p.userId, email))) throw applicationNotFound();
      await repos.onboarding.addEvent(id, uuidv7(), {
        type: 'contact_verified',
        actorKind: 'applicant',
        actorUserId: p.userId,
        detail: { email },
      });
      return 'ok' as const;
    });
    if (outcome === 'no_code')
      throw new BadRequestError('code_invalid', 'There is no valid code for this address; ask for a new one');
    if (outcome === 'expired') throw new BadRequestError('code_expired', 'The code has expired; ask for a new one');
    if (typeof outcome === 'number') {
      throw new BadRequestError(
        'code_invalid',
        outcome > 0
          ? `The code is not right; ${outcome} tries left`
          : 'The code is not right and no tries are left; ask for a new one',
        [{ field: 'code', message: 'is not right', code: 'code_invalid' }],
      );
    }
    return (await this.deps.store.repos.onboarding.findById(id))!;
  }
}
