import QRCode from 'qrcode';
import {
  AppError,
  BadRequestError,
  ConflictError,
  NotFoundError,
  ServiceUnavailableError,
  SmsRejectedError,
  SmsUnavailableError,
  TooManyRequestsError,
  UnauthorizedError,
  UnprocessableError,
  type Logger,
  type Principal,
  type SmsSender,
  type WindowQuota,
} from '@petpro/kit';
import type { DB } from '../db.ts';
import type { UserRecord } from '../accounts/accounts.repository.ts';
import type { ThrottleService } from '../throttle/throttle.service.ts';
import { randomToken, sha256, type CodeHasher, type KeyBox } from '../shared/crypto.ts';
import type { RenderedMail } from '../mail/templates.ts';
import type { FactorsRecord, SmsPurpose } from './mfa.repository.ts';
import type { AuthStore, Repositories } from '../store.ts';
import { newBackupCodes, newSmsCode, newTotpSecret, normaliseBackupCode, totpStepOf, totpUri } from './mfa.codes.ts';
import { mfaMail, mfaSms } from './mfa.texts.ts';

export type MfaMethod = 'totp' | 'sms' | 'backup_code';

/** A second-factor code sent along with a sensitive change (headers `X-MFA-Method`, `X-MFA-Code`). */
export interface StepUpProof {
  method: MfaMethod;
  code?: string;
}

export interface MfaState {
  enabled: boolean;
  methods: MfaMethod[];
  backupCodesRemaining: number;
}

/** The login answer when a second factor is needed. */
export interface MfaChallenge {
  mfaRequired: true;
  mfaToken: string;
  methods: MfaMethod[];
}

/** How the first factor was passed: `password` (with a digest of the hash it matched) or `oauth:<provider>`. */
export interface FirstFactor {
  via: string;
  credentialDigest?: string | null;
  deviceId?: string | null;
}

const CHALLENGE_TTL_SECONDS = 300;
const SMS_CODE_TTL_SECONDS = 300;
const SMS_RESEND_SECONDS = 60;
const FEW_BACKUP_CODES = 2;
const ISSUER = 'PetPro';

/** The digest an mfaToken keeps of the password hash it was issued after: a password change kills the token. */
export function credentialDigestOf(passwordHash: string): string {
  return sha256(`mfa-challenge:${passwordHash}`);
}

export function methodsOf(f: FactorsRecord): MfaMethod[] {
  const methods: MfaMethod[] = [];
  if (f.totp) methods.push('totp');
  if (f.smsPhone) methods.push('sms');
  if ((f.totp || f.smsPhone) && f.backupCodesRemaining > 0) methods.push('backup_code');
  return methods;
}

const mfaRequired = (methods: MfaMethod[]) =>
  new AppError(403, 'mfa_required', 'This change needs a second-factor code (X-MFA-Method, X-MFA-Code)', { methods });

/**
 * Second factors: the authenticator app (TOTP), texted codes, backup codes, the login challenge that
 * follows a first factor, step-up checks of sensitive changes, and the admin reset.
 */
export class MfaService {
  constructor(
    private readonly deps: {
      store: AuthStore;
      throttle: ThrottleService;
      sms: SmsSender;
      smsQuota: { perPhone: WindowQuota<DB>; perAccount: WindowQuota<DB> };
      /** Seals TOTP secrets at rest (AES-256-GCM under an HKDF key of the service secret). */
      secrets: KeyBox;
      /** Keyed hashes of texted and backup codes. */
      codes: CodeHasher;
      mail: (to: string, mail: RenderedMail) => void;
      log: Logger;
      config: { lockAfter: number; lockBaseSeconds: number };
    },
  ) {}

  private get repos(): Repositories {
    return this.deps.store.repos;
  }

  private async userOf(userId: string): Promise<UserRecord> {
    const user = await this.repos.accounts.findById(userId);
    if (!user) throw new NotFoundError('user_not_found', 'The account no longer exists');
    return user;
  }

  async state(userId: string): Promise<MfaState> {
    const f = await this.repos.mfa.factorsOf(userId);
    const methods = methodsOf(f);
    return { enabled: !!(f.totp || f.smsPhone), methods, backupCodesRemaining: f.backupCodesRemaining };
  }

  /**
   * After a first factor: null when the account has no second factor (the caller opens the session),
   * else a challenge whose mfaToken (random, stored hashed, single-use, 5 minutes) is bound to the
   * user, the first factor and the device.
   */
  async challengeFor(user: UserRecord, first: FirstFactor): Promise<MfaChallenge | null> {
    if (!user.mfaEnabled) return null;
    const methods = methodsOf(await this.repos.mfa.factorsOf(user.id));
    if (!methods.length) return null;
    const mfaToken = randomToken();
    await this.repos.mfa.insertChallenge({
      userId: user.id,
      tokenHash: sha256(mfaToken),
      firstFactor: first.via,
      credentialDigest: first.credentialDigest ?? null,
      deviceId: first.deviceId ?? null,
      ttlSeconds: CHALLENGE_TTL_SECONDS,
    });
    return { mfaRequired: true, mfaToken, methods };
  }

  /** The live challenge of an mfaToken and its user, still bound to the password it followed; else 401. */
  private async liveChallenge(mfaToken: string) {
    const invalid = () =>
      new UnauthorizedError('invalid_mfa_token', 'The MFA token is invalid, used or expired; log in again');
    const challenge = await this.repos.mfa.findLiveChallenge(sha256(mfaToken));
    if (!challenge) throw invalid();
    const user = await this.repos.accounts.findById(challenge.userId);
    if (!user?.mfaEnabled) throw invalid();
    if (challenge.firstFactor === 'password') {
      if (!user.passwordHash || challenge.credentialDigest !== credentialDigestOf(user.passwordHash)) throw invalid();
    }
    return { challenge, user };
  }

  /**
   * Meets a login challenge: the code is checked (each wrong one counts toward the account lockout),
   * then the mfaToken is spent, on success only. A second-factor login cancels pending recoveries.
   * Returns the user and the device id given at the first factor; the caller opens the session.
   */
  async verifyChallenge(
    mfaToken: string,
    method: MfaMethod,
    code: string,
    meta: { ip?: string },
  ): Promise<{ user: UserRecord; deviceId: string | null; firstFactor: string }> {
    const { challenge, user } = await this.liveChallenge(mfaToken);
    if (!(await this.guardedCheck(user, method, code, 'login', meta.ip)))
      throw new UnauthorizedError('invalid_code', 'The code is not correct');
    if (!(await this.repos.mfa.consumeChallenge(challenge.id)))
      throw new UnauthorizedError('invalid_mfa_token', 'The MFA token is invalid, used or expired; log in again');
    const cancelled = await this.repos.recovery.cancelOpen(user.id);
    if (cancelled)
      await this.repos.audit.record({
        type: 'mfa_recovery_cancelled',
        actorId: user.id,
        targetId: user.id,
        ip: meta.ip,
        detail: { cancelled, by: 'second_factor_login' },
      });
    return { user, deviceId: challenge.deviceId, firstFactor: challenge.firstFactor };
  }

  /** Records that a session just passed a second factor (a login or a step-up). */
  markSessionVerified(sessionId: string): Promise<void> {
    return this.repos.mfa.markSessionVerified(sessionId);
  }

  /**
   * Checks a second-factor code of `user` as an attempt against the account lockout (429 while locked):
   * a right code clears the failures, a wrong one is audited. Each method spends its code atomically.
   */
  private async guardedCheck(
    user: UserRecord,
    method: MfaMethod,
    code: string,
    smsPurpose: SmsPurpose,
    ip: string | undefined,
  ): Promise<boolean> {
    const accountKey = this.deps.throttle.accountKey(user.email);
    const { failures } = await this.deps.throttle.recordAttempt(
      accountKey,
      this.deps.config.lockAfter,
      this.deps.config.lockBaseSeconds,
    );
    const ok = await this.spendCode(user, method, code, smsPurpose);
    if (ok) await this.deps.throttle.clearFailures(accountKey);
    else await this.repos.audit.record({ type: 'mfa_failed', targetId: user.id, ip, detail: { method, failures } });
    return ok;
  }

  private async spendCode(user: UserRecord, method: MfaMethod, code: string, smsPurpose: SmsPurpose) {
    switch (method) {
      case 'totp': {
        const totp = await this.repos.mfa.findTotp(user.id);
        if (!totp?.enabledAt) return false;
        const step = totpStepOf(this.deps.secrets.open(totp.secretEnc), code);
        return step !== null && (await this.repos.mfa.acceptTotpStep(user.id, step, false));
      }
      case 'sms':
        return (await this.repos.mfa.trySmsCode(user.id, smsPurpose, this.deps.codes.hash(code))) !== null;
      case 'backup_code': {
        const normal = normaliseBackupCode(code);
        if (!normal || !(await this.repos.mfa.useBackupCode(user.id, this.deps.codes.hash(normal)))) return false;
        const { backupCodesRemaining: remaining } = await this.repos.mfa.factorsOf(user.id);
        await this.repos.audit.record({
          type: 'backup_code_used',
          actorId: user.id,
          targetId: user.id,
          detail: { remaining },
        });
        this.deps.mail(user.email, mfaMail.backupCodeUsed(user.language, { name: user.name, remaining }));
        if (remaining <= FEW_BACKUP_CODES) this.deps.log.info({ userId: user.id, remaining }, 'few backup codes left');
        return true;
      }
    }
  }

  /**
   * Step-up: when the account has MFA on, a sensitive change needs a second-factor code with it
   * (403 `mfa_required` with the methods when none is given, 403 `invalid_mfa_code` when wrong).
   */
  async assertStepUp(principal: Principal, proof: StepUpProof | undefined, ip?: string): Promise<void> {
    const user = await this.userOf(principal.userId);
    if (!user.mfaEnabled) return;
    const methods = methodsOf(await this.repos.mfa.factorsOf(user.id));
    if (!methods.length) return;
    if (!proof?.code) throw mfaRequired(methods);
    if (!(await this.guardedCheck(user, proof.method, proof.code, 'step_up', ip)))
      throw new AppError(403, 'invalid_mfa_code', 'The second-factor code is not correct', { methods });
    await this.repos.mfa.markSessionVerified(principal.sessionId);
  }

  /** Starts (or restarts) the authenticator setup: a new secret, its otpauth URI and QR code. */
  async setupTotp(principal: Principal, proof: StepUpProof | undefined, ip?: string) {
    const alreadyOn = () =>
      new ConflictError('totp_already_enabled', 'An authenticator app is already on; turn it off first');
    // Checked before the step-up, so that no code is spent on a setup that cannot happen.
    if ((await this.repos.mfa.findTotp(principal.userId))?.enabledAt) throw alreadyOn();
    await this.assertStepUp(principal, proof, ip);
    const user = await this.userOf(principal.userId);
    const secret = newTotpSecret();
    if (!(await this.repos.mfa.savePendingTotp(user.id, this.deps.secrets.seal(secret)))) throw alreadyOn();
    const otpauthUri = totpUri(secret, user.email, ISSUER);
    return { secret, otpauthUri, qrCode: await QRCode.toDataURL(otpauthUri, { errorCorrectionLevel: 'M' }) };
  }

  /** Turns the pending authenticator on with its first valid code (which is then spent). */
  async enableTotp(principal: Principal, code: string, ip?: string): Promise<MfaState> {
    const user = await this.userOf(principal.userId);
    const totp = await this.repos.mfa.findTotp(user.id);
    if (!totp || totp.enabledAt)
      throw new ConflictError('totp_not_pending', 'Start the authenticator setup first (POST .../totp/setup)');
    const accountKey = this.deps.throttle.accountKey(user.email);
    await this.deps.throttle.recordAttempt(accountKey, this.deps.config.lockAfter, this.deps.config.lockBaseSeconds);
    const step = totpStepOf(this.deps.secrets.open(totp.secretEnc), code);
    if (step === null || !(await this.repos.mfa.acceptTotpStep(user.id, step, true)))
      throw new BadRequestError('invalid_code', 'The code is not correct');
    await this.deps.throttle.clearFailures(accountKey);
    return this.factorChanged(principal, 'mfa_enabled', 'totp', ip);
  }

  /** Turns the authenticator off; needs one of its codes. */
  async disableTotp(principal: Principal, code: string, ip?: string): Promise<MfaState> {
    const user = await this.userOf(principal.userId);
    const totp = await this.repos.mfa.findTotp(user.id);
    if (!totp?.enabledAt) throw new ConflictError('totp_not_enabled', 'No authenticator app is on');
    if (!(await this.guardedCheck(user, 'totp', code, 'step_up', ip)))
      throw new AppError(403, 'invalid_mfa_code', 'The code is not correct', { methods: ['totp'] });
    await this.repos.mfa.deleteTotp(user.id);
    return this.factorChanged(principal, 'mfa_disabled', 'totp', ip);
  }

  private async factorChanged(
    principal: Principal,
    type: 'mfa_enabled' | 'mfa_disabled',
    method: MfaMethod,
    ip?: string,
  ): Promise<MfaState> {
    const userId = principal.userId;
    const enabled = await this.deps.store.transaction(async (repos) => {
      const on = await repos.mfa.syncEnabled(userId);
      // Backup codes stand in for a factor: without any factor left they go too.
      if (!on) await repos.mfa.deleteAllFactors(userId);
      await repos.audit.record({ type, actorId: userId, targetId: userId, ip, detail: { method } });
      return on;
    });
    if (enabled && type === 'mfa_enabled') await this.repos.mfa.markSessionVerified(principal.sessionId);
    return this.state(userId);
  }

  /** Texts a code to a new phone to confirm it (a step-up when MFA is already on). */
  async setupSms(principal: Principal, phone: string, proof: StepUpProof | undefined, ip?: string): Promise<void> {
    await this.assertStepUp(principal, proof, ip);
    await this.textCode(await this.userOf(principal.userId), 'setup', phone);
  }

  /** Confirms the phone with the texted code; SMS is then a second factor. */
  async enableSms(principal: Principal, code: string, ip?: string): Promise<MfaState> {
    const user = await this.userOf(principal.userId);
    const accountKey = this.deps.throttle.accountKey(user.email);
    await this.deps.throttle.recordAttempt(accountKey, this.deps.config.lockAfter, this.deps.config.lockBaseSeconds);
    const phone = await this.repos.mfa.trySmsCode(user.id, 'setup', this.deps.codes.hash(code));
    if (!phone) throw new BadRequestError('invalid_code', 'The code is not correct, or it expired');
    await this.deps.throttle.clearFailures(accountKey);
    await this.repos.mfa.saveSmsPhone(user.id, phone);
    return this.factorChanged(principal, 'mfa_enabled', 'sms', ip);
  }

  /** Texts a login code to the confirmed phone of the mfaToken's user. */
  async textLoginCode(mfaToken: string): Promise<void> {
    const { user } = await this.liveChallenge(mfaToken);
    const { smsPhone } = await this.repos.mfa.factorsOf(user.id);
    if (!smsPhone) throw new ConflictError('sms_not_enabled', 'This account has no confirmed phone for codes');
    await this.textCode(user, 'login', smsPhone);
  }

  /** Texts a step-up code to the logged-in user's confirmed phone. */
  async textStepUpCode(principal: Principal): Promise<void> {
    const user = await this.userOf(principal.userId);
    const { smsPhone } = await this.repos.mfa.factorsOf(user.id);
    if (!smsPhone) throw new ConflictError('sms_not_enabled', 'This account has no confirmed phone for codes');
    await this.textCode(user, 'step_up', smsPhone);
  }

  /**
   * Texts a new code: at most one a minute per purpose (429 `sms_cooldown`), within the hourly budgets
   * per account and per phone (429 `sms_limit_reached`) and the kit's daily cap per phone. The code is
   * stored and sent in one transaction under a per-user lock: a failed send leaves no code and no
   * cooldown, and parallel requests cannot both pass the cooldown.
   */
  private async textCode(user: UserRecord, purpose: SmsPurpose, phone: string): Promise<void> {
    const code = newSmsCode();
    await this.deps.store.transaction(async (repos) => {
      await repos.mfa.lockSmsCodesOf(user.id);
      const age = await repos.mfa.secondsSinceLastSmsCode(user.id, purpose);
      if (age !== null && age < SMS_RESEND_SECONDS)
        throw new TooManyRequestsError(
          Math.ceil(SMS_RESEND_SECONDS - age),
          'sms_cooldown',
          'A code was just sent; wait a minute before asking for another',
        );
      await this.deps.smsQuota.perAccount.consume(`mfa-sms:account:${user.id}`);
      await this.deps.smsQuota.perPhone.consume(`mfa-sms:phone:${phone}`);
      await repos.mfa.insertSmsCode(user.id, purpose, phone, this.deps.codes.hash(code), SMS_CODE_TTL_SECONDS);
      try {
        await this.deps.sms.send({
          to: phone,
          text: mfaSms.code(user.language, code, purpose, SMS_CODE_TTL_SECONDS / 60),
          purpose: purpose === 'setup' ? 'mfa_setup' : 'mfa_code',
        });
      } catch (err) {
        if (err instanceof SmsRejectedError)
          throw new UnprocessableError('phone_rejected', 'The SMS provider refused this phone number');
        if (err instanceof SmsUnavailableError)
          throw new ServiceUnavailableError('sms_unavailable', 'Texts cannot be sent right now; try again later');
        throw err;
      }
    });
  }

  /** A new set of backup codes (shown once; the old set dies); needs MFA on and a fresh second factor. */
  async newBackupCodes(principal: Principal, proof: StepUpProof | undefined, ip?: string): Promise<string[]> {
    const user = await this.userOf(principal.userId);
    if (!user.mfaEnabled) throw new ConflictError('mfa_not_enabled', 'Turn on a second factor first');
    await this.assertStepUp(principal, proof, ip);
    const codes = newBackupCodes();
    await this.deps.store.transaction(async (repos) => {
      await repos.mfa.replaceBackupCodes(
        user.id,
        codes.map((c) => this.deps.codes.hash(normaliseBackupCode(c)!)),
      );
      await repos.audit.record({ type: 'backup_codes_generated', actorId: user.id, targetId: user.id, ip });
    });
    return codes;
  }

  /** An admin removes every second factor of a user at once (audited; the user is mailed). */
  async adminReset(admin: Principal, userId: string, ip?: string): Promise<void> {
    const user = await this.userOf(userId);
    await this.deps.store.transaction(async (repos) => {
      await repos.mfa.deleteAllFactors(user.id);
      await repos.recovery.cancelOpen(user.id);
      await repos.audit.record({ type: 'mfa_reset', actorId: admin.userId, targetId: user.id, ip });
    });
    this.deps.mail(user.email, mfaMail.mfaRemoved(user.language, { name: user.name, byAdmin: true }));
  }
}
