import { createHash, randomBytes } from 'node:crypto';
import { NotFoundError, TooManyRequestsError, UnauthorizedError, type Principal } from '@petpro/kit';
import type { RealtimeIdentityView } from '@petpro/contracts';
import type { BookingStore } from '../store.ts';
import type { ClinicAccess } from '../shared/clinic-access.ts';
import type { ClinicDirectory } from '../upstream/clinic.client.ts';
import { clinicRoleOf } from '../shared/access.ts';

/** A ticket opens one socket within this time. */
export const TICKET_TTL_MS = 30_000;
/** Unused tickets one user may hold at once. */
const MAX_LIVE_TICKETS = 20;

const hashOf = (ticket: string) => createHash('sha256').update(ticket).digest('hex');

/** Tickets for browsers, and who may follow which clinic. */
export class RealtimeService {
  constructor(
    private readonly store: BookingStore,
    private readonly access: ClinicAccess,
    private readonly clinics: ClinicDirectory,
  ) {}

  /** A single-use ticket for the caller's session, valid 30 s (never longer than the token behind it). */
  async issueTicket(principal: Principal): Promise<{ ticket: string; expiresAt: Date }> {
    if ((await this.store.repos.realtime.countLive(principal.userId)) >= MAX_LIVE_TICKETS)
      throw new TooManyRequestsError(30, 'too_many_tickets', 'Too many unused tickets; use one or wait 30 seconds');
    const ticket = randomBytes(32).toString('base64url');
    const expiresAt = new Date(Math.min(Date.now() + TICKET_TTL_MS, principal.expiresAt));
    await this.store.repos.realtime.insertTicket(
      hashOf(ticket),
      {
        userId: principal.userId,
        sessionId: principal.sessionId,
        roles: principal.roles,
        permissions: principal.permissions,
        tokenExpiresAt: new Date(principal.expiresAt),
      },
      expiresAt,
    );
    return { ticket, expiresAt };
  }

  /** Redeems a ticket once; 401 `invalid_ticket` when unknown, used or expired. */
  async redeemTicket(ticket: string): Promise<RealtimeIdentityView> {
    const t = await this.store.repos.realtime.takeTicket(hashOf(ticket));
    if (!t) throw new UnauthorizedError('invalid_ticket', 'The ticket is unknown, used or expired');
    return {
      userId: t.userId,
      sessionId: t.sessionId,
      roles: t.roles,
      permissions: t.permissions,
      expiresAt: t.tokenExpiresAt.getTime(),
    };
  }

  /** Owner, vendor or linked staff (with the permission to read its bookings) of the clinic; else 403. */
  async assertMayFollowClinic(principal: Principal, clinicId: string): Promise<void> {
    await this.access.assert(principal, clinicId, 'read_bookings');
  }

  /** Availability of a published clinic (or one the caller belongs to); else 404 `clinic_not_found`. */
  async assertMayFollowAvailability(principal: Principal, clinicId: string): Promise<void> {
    const clinic = await this.clinics.clinic(clinicId);
    if (!clinic.published && clinicRoleOf(principal, clinic) === undefined)
      throw new NotFoundError('clinic_not_found', 'No such clinic');
  }

  async purgeExpiredTickets(): Promise<void> {
    await this.store.repos.realtime.purgeExpiredTickets();
  }
}
