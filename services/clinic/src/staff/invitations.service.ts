import { createHash, randomBytes } from 'node:crypto';
import { v7 as uuidv7 } from 'uuid';
import {
  ConflictError,
  ForbiddenError,
  NotFoundError,
  isConstraintViolation,
  type Language,
  type Logger,
  type Mailer,
  type Principal,
} from '@petpro/kit';
import { STAFF_ROLE, type StaffService } from './staff.service.ts';
import type { StaffRecord } from './staff.repository.ts';
import type { ClinicsService } from '../clinics/clinics.service.ts';
import type { AuthClient } from '../shared/auth-client.ts';
import type { MailQuota } from '../mail/mail-quota.ts';
import { templates } from '../mail/templates.ts';
import type { ClinicStore } from '../store.ts';

const sha256 = (s: string) => createHash('sha256').update(s).digest('hex');

const notFound = () =>
  new NotFoundError('invitation_not_found', 'This invitation is not valid: already used, replaced or expired');

/**
 * Linking a PetPro account to a staff entry, with the account owner's consent: the clinic's owner
 * (or an admin) has an invitation mailed to an address, and whoever can log in with that verified
 * address accepts it. Only then is the account linked and given `clinic_staff`.
 */
export class InvitationsService {
  constructor(
    private readonly deps: {
      store: ClinicStore;
      staffService: StaffService;
      clinicsService: ClinicsService;
      auth: AuthClient;
      mailer: Mailer;
      mailQuota: Pick<MailQuota, 'consume'>;
      log: Logger;
      ttlDays: number;
      appUrl: string | undefined;
    },
  ) {}

  /**
   * Mails a single-use invitation (only its hash is stored) to `email`, replacing the staff entry's
   * earlier ones. The answer is the same whether or not the address has an account (none is looked
   * up); the mail caps apply (429 mail_limit_reached).
   */
  async invite(
    p: Principal,
    clinicId: string,
    staffId: string,
    input: { email: string; language: Language },
  ): Promise<{ staffId: string; email: string; expiresAt: Date }> {
    const clinic = await this.deps.clinicsService.writable(p, clinicId, 'staff');
    const entry = await this.deps.store.repos.staff.findById(clinicId, staffId);
    if (!entry) throw new NotFoundError('staff_not_found', 'No such staff member');
    if (entry.userId)
      throw new ConflictError('staff_already_linked', 'This staff member already has an account; unlink it first');
    await this.deps.mailQuota.consume(p.userId, input.email);
    const token = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Date.now() + this.deps.ttlDays * 86_400_000);
    await this.deps.store.transaction(async (repos) => {
      await repos.invitations.revokeOpen(clinicId, staffId);
      await repos.invitations.insert({
        id: uuidv7(),
        clinicId,
        staffId,
        email: input.email,
        expiresAt,
        tokenHash: sha256(token),
        invitedBy: p.userId,
      });
    });
    const mail = templates.staffInvitation(input.language, {
      clinic: clinic.name,
      token,
      days: this.deps.ttlDays,
      url: this.deps.appUrl && `${this.deps.appUrl}/staff-invitations/accept?token=${token}`,
    });
    try {
      await this.deps.mailer.send({ to: input.email, ...mail, outboxHint: `staff invitation token ${token}` });
    } catch (err) {
      // The vendor can invite again; the answer does not depend on the mail server.
      this.deps.log.error({ err, clinic: clinicId, staff: staffId }, 'staff invitation mail failed');
    }
    return { staffId, email: input.email, expiresAt };
  }

  /**
   * Accepts an invitation as the logged-in user, whose verified address must be the invited one.
   * Under the user's staff lock, one transaction links the account and spends the invitation, then
   * `clinic_staff` is granted before it commits: if the auth service is down the request fails
   * (503) with nothing saved, and a retry repeats an idempotent grant.
   */
  async accept(p: Principal, token: string): Promise<StaffRecord> {
    const tokenHash = sha256(token);
    const invitation = await this.deps.store.repos.invitations.findOpenByTokenHash(tokenHash);
    if (!invitation) throw notFound();
    const user = await this.deps.auth.getUser(p.userId);
    if (!user?.emailVerified || user.email.toLowerCase() !== invitation.email)
      throw new ForbiddenError(
        'invitation_email_mismatch',
        'This invitation was sent to another email address; log in with the invited, verified address',
      );
    const { clinicId, staffId } = invitation;
    try {
      const entry = await this.deps.store.transaction(async (repos) => {
        await repos.staff.lockUser(p.userId);
        if (!(await repos.invitations.findOpenByTokenHash(tokenHash, { forUpdate: true }))) throw notFound();
        const found = await repos.staff.findById(clinicId, staffId);
        if (!found) throw notFound();
        if (found.userId)
          throw new ConflictError('staff_already_linked', 'This staff member is already linked to an account');
        if (!(await repos.staff.linkUser(clinicId, staffId, p.userId))) throw notFound();
        await repos.invitations.markAccepted(clinicId, invitation.id, p.userId);
        await this.deps.auth.grantRole(p.userId, STAFF_ROLE);
        return { ...found, userId: p.userId };
      });
      return entry;
    } catch (err) {
      if (isConstraintViolation(err, 'clinic_staff_clinic_user_uq'))
        throw new ConflictError('user_already_staff', 'You are already a staff member of this clinic');
      throw err;
    }
  }
}
