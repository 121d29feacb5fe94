import { v7 as uuidv7 } from 'uuid';
import {
  AppError,
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  UnprocessableError,
  ValidationError,
  assertPermission,
  decodeCursor,
  isConstraintViolation,
  isDeadlock,
  toPage,
  type Principal,
} from '@petpro/kit';
import type { BookingStore, Repositories } from '../store.ts';
import type { ClinicDirectory, ClinicInfo, ServiceInfo } from '../upstream/clinic.client.ts';
import type { PetDirectory } from '../upstream/pets.client.ts';
import { assertClinicAction, clinicRoleFor, clinicRoleOf, type ClinicAction } from '../shared/access.ts';
import type { ClinicAccess } from '../shared/clinic-access.ts';
import { isLocalDate, localDayBounds, MINUTE_MS } from '../shared/time.ts';
import { checkSlot, pickBalancedStaff, type SlotRefusal } from '../availability/availability.engine.ts';
import { bookableStaff, loadCalendar } from '../availability/calendar.ts';
import { DEFAULT_POLICY } from '../schedules/schedules.model.ts';
import {
  NO_OVERLAP_CONSTRAINT,
  type BookingChange,
  type BookingListFilter,
  type BookingScope,
} from './bookings.repository.ts';
import { isOpen, nextStatus, type BookingAction, type BookingRecord } from './bookings.model.ts';
import type { CreateBookingBody, ListBookingsQuery, UpdateBookingBody } from './bookings.schemas.ts';
import { bookingAvailabilityChanged, bookingEvent, type Actor } from './bookings.events.ts';
import { requestHash } from './idempotency.ts';
import type { BookingEventType } from '../outbox/events.ts';
import type { RemindersService } from '../reminders/reminders.service.ts';
import { defaultReminders } from '../reminders/reminders.model.ts';

/** A page of bookings ends at a (start, id) position; short keys keep the opaque cursor short. */
const BOOKING_CURSOR = { s: 'instant', i: 'uuid' } as const;

/** When the staff member was picked automatically, a lost race retries with the next free one this often. */
const AUTO_ASSIGN_ATTEMPTS = 3;

const REFUSALS: Record<SlotRefusal, string> = {
  too_soon: 'This time is too soon for the clinic’s minimum notice',
  too_far: 'This time is beyond how far ahead the clinic takes bookings',
  unavailable: 'This time is not available',
};

function slotUnavailable(reason: SlotRefusal = 'unavailable'): ConflictError {
  return new ConflictError('slot_unavailable', REFUSALS[reason], { reason });
}

/**
 * What a caller does to a booking: the permission its owner needs, and the clinic's action (owners: none for confirm
 * and the like).
 */
interface BookingUse {
  own?: string;
  clinic: ClinicAction;
}
const READ: BookingUse = { own: 'booking:read:own', clinic: 'read_bookings' };
const CHANGE: BookingUse = { own: 'booking:update:own', clinic: 'manage_bookings' };
const CANCEL: BookingUse = { own: 'booking:cancel:own', clinic: 'manage_bookings' };
const CLINIC_ONLY: BookingUse = { clinic: 'manage_bookings' };

/** Thrown inside the transaction when the Idempotency-Key already belongs to a (just committed) request. */
class KeyTaken extends Error {}

/** A new booking, or the one an Idempotency-Key already made (`replayed`); both are answered 201. */
export interface CreateOutcome {
  booking: BookingRecord;
  replayed: boolean;
}

interface Placement {
  staffId: string;
  start: Date;
  end: Date;
  heldUntil: Date;
  /** The cut-off of the policy the slot was checked against (snapshotted on a new booking). */
  cancellationCutoffMinutes: number;
}

export interface BookingsDeps {
  store: BookingStore;
  clinics: ClinicDirectory;
  pets: PetDirectory;
  access: ClinicAccess;
  /** Adds, moves and ends a booking's reminder jobs inside the booking's own transaction. */
  reminders: RemindersService;
  idempotencyTtlMs: number;
  now?: () => number;
}

/** Bookings: create (idempotent), change, move through the status machine, list. */
export class BookingsService {
  private readonly store: BookingStore;
  private readonly clinics: ClinicDirectory;
  private readonly pets: PetDirectory;
  private readonly access: ClinicAccess;
  private readonly reminders: RemindersService;
  private readonly idempotencyTtlMs: number;
  private readonly now: () => number;

  constructor(deps: BookingsDeps) {
    this.store = deps.store;
    this.clinics = deps.clinics;
    this.pets = deps.pets;
    this.access = deps.access;
    this.reminders = deps.reminders;
    this.idempotencyTtlMs = deps.idempotencyTtlMs;
    this.now = deps.now ?? Date.now;
  }

  /**
   * Books a listed slot for the caller's pets. Every input that decides the slot is fetched fresh (the
   * clinic with the service in one call, the pets with the owner's reminder preferences in another; a
   * request that arrives while the same read is in flight shares it, so "fresh" means begun at most one
   * call before the request) or read in the transaction (rules, blocks, bookings); the exclusion
   * constraint settles races that get past the check.
   */
  async create(
    principal: Principal,
    body: CreateBookingBody,
    idempotencyKey: string | undefined,
  ): Promise<CreateOutcome> {
    assertPermission(principal, 'booking:create');
    const userId = principal.userId;
    const hash = idempotencyKey ? requestHash(body) : '';
    if (idempotencyKey) {
      const replay = await this.replay(userId, idempotencyKey, hash);
      if (replay) return replay;
    }

    // The clinic's and the user's answers are read at once; the clinic's refusal comes first.
    const [bookable, booker] = await Promise.allSettled([
      this.clinics.bookable(body.clinicId, body.serviceId),
      this.pets.booker(userId, body.petIds),
    ]);
    if (bookable.status === 'rejected') {
      // A missing service of an unpublished clinic must not tell a stranger that the clinic exists.
      if (bookable.reason instanceof AppError && bookable.reason.code === 'service_not_found')
        this.assertVisible(principal, await this.clinics.clinic(body.clinicId, { fresh: true }));
      throw bookable.reason;
    }
    const { clinic, service } = bookable.value;
    this.assertVisible(principal, clinic);
    if (!service.active) throw new ConflictError('service_not_bookable', 'This service is not offered at the moment');
    const requestedStaff = body.staffId ?? undefined;
    if (requestedStaff !== undefined && !clinic.staff.some((s) => s.id === requestedStaff)) {
      throw new ValidationError([
        { field: 'staffId', message: 'is not a staff member of this clinic', code: 'unknown_staff' },
      ]);
    }
    if (booker.status === 'rejected') throw booker.reason;
    const { pets, preferences } = booker.value;
    const staffIds = bookableStaff(clinic, service);
    const snapshot = {
      name: service.name,
      category: service.category ?? null,
      durationMinutes: service.durationMinutes,
      bufferMinutes: service.bufferMinutes ?? 0,
      price: { amount: service.price.amount, currency: service.price.currency },
    };
    const actor: Actor = { userId, as: 'owner' };
    const reminders = defaultReminders(preferences);

    for (let attempt = 1; ; attempt++) {
      const bookingId = uuidv7();
      try {
        return await this.store.transaction(async (repos) => {
          // The key first: a concurrent request with the same key waits here, not at the slot.
          if (idempotencyKey) {
            const claimed = await repos.idempotency.claim(
              userId,
              idempotencyKey,
              { requestHash: hash, bookingId, statusCode: 201 },
              new Date(this.now() + this.idempotencyTtlMs),
            );
            if (!claimed) throw new KeyTaken();
          }
          const place = await this.place(repos, {
            clinic,
            staffIds,
            timing: snapshot,
            start: Date.parse(body.start),
            requestedStaff,
          });
          await repos.outbox.lockOrder();
          const booking = await repos.bookings.insert({
            id: bookingId,
            clinicId: clinic.id,
            serviceId: service.id,
            staffId: place.staffId,
            staffRequested: requestedStaff !== undefined,
            ownerId: userId,
            pets,
            start: place.start,
            end: place.end,
            heldUntil: place.heldUntil,
            timeZone: clinic.timeZone,
            notes: body.notes || null,
            service: snapshot,
            cancellationCutoffMinutes: place.cancellationCutoffMinutes,
          });
          await repos.outbox.append([
            bookingEvent('booking.created', booking, actor),
            bookingAvailabilityChanged('booking.created', booking),
          ]);
          await this.reminders.scheduleNew(repos, booking, reminders);
          return { booking, replayed: false };
        });
      } catch (err) {
        if (err instanceof KeyTaken) {
          const replay = await this.replay(userId, idempotencyKey!, hash);
          if (replay) return replay;
          throw new ConflictError(
            'idempotency_key_in_use',
            'This Idempotency-Key is being used by another request; retry shortly',
          );
        }
        if (isConstraintViolation(err, NO_OVERLAP_CONSTRAINT)) {
          // Someone else took the staff member first. A chosen staff member means the slot is gone; an
          // automatic pick may still find another free colleague, so look again with fresh bookings.
          if (requestedStaff === undefined && attempt < AUTO_ASSIGN_ATTEMPTS) continue;
          throw slotUnavailable();
        }
        // Two inserts for the same time waited on each other and PostgreSQL aborted this one: look
        // again, which sees the winner's booking (a 500 under a crowd before).
        if (isDeadlock(err)) {
          if (attempt < AUTO_ASSIGN_ATTEMPTS) continue;
          throw slotUnavailable();
        }
        throw err;
      }
    }
  }

  /** An unpublished clinic exists only for its own people (404 to everyone else). */
  private assertVisible(principal: Principal, clinic: ClinicInfo): void {
    if (!clinic.published && !clinicRoleOf(principal, clinic))
      throw new NotFoundError('clinic_not_found', 'No such clinic');
  }

  /** The booking a key already produced, or 422 when the key came with another body. */
  private async replay(userId: string, key: string, hash: string): Promise<CreateOutcome | undefined> {
    const stored = await this.store.repos.idempotency.find(userId, key);
    if (!stored) return undefined;
    if (stored.requestHash !== hash) {
      throw new UnprocessableError(
        'idempotency_key_reused',
        'This Idempotency-Key was used with a different request body',
      );
    }
    const booking = await this.store.repos.bookings.findById(stored.bookingId);
    if (!booking) return undefined;
    return { booking, replayed: true };
  }

  /**
   * Checks a start against the calendar read in this transaction and picks the staff member: the
   * requested one, else `prefer` when free, else the least busy free one that local day.
   */
  private async place(
    repos: Repositories,
    a: {
      clinic: ClinicInfo;
      staffIds: string[];
      timing: { durationMinutes: number; bufferMinutes: number };
      start: number;
      requestedStaff?: string;
      prefer?: string;
      excludeBookingId?: string;
    },
  ): Promise<Placement> {
    const durationMs = a.timing.durationMinutes * MINUTE_MS;
    const heldMs = durationMs + a.timing.bufferMinutes * MINUTE_MS;
    const calendar = await loadCalendar(repos, {
      clinic: a.clinic,
      staffIds: a.staffIds,
      from: a.start,
      to: a.start + 1,
      heldMs,
      excludeBookingId: a.excludeBookingId,
    });
    const check = checkSlot({
      timeZone: a.clinic.timeZone,
      start: a.start,
      now: this.now(),
      policy: calendar.policy,
      service: { ...a.timing, qualifiedStaffIds: a.staffIds },
      staffId: a.requestedStaff,
      openingHours: a.clinic.openingHours,
      rules: calendar.rules,
      blocks: calendar.blocks,
      bookings: calendar.bookings,
    });
    if (!check.bookable) throw slotUnavailable(check.reason);
    let staffId =
      a.requestedStaff ?? (a.prefer !== undefined && check.staffIds.includes(a.prefer) ? a.prefer : undefined);
    if (staffId === undefined) {
      const day = localDayBounds(a.start, a.clinic.timeZone);
      const load = await repos.bookings.countOpenByStaff(
        check.staffIds,
        new Date(day.start),
        new Date(day.end),
        a.excludeBookingId,
      );
      staffId = pickBalancedStaff(check.staffIds, load);
    }
    if (staffId === undefined) throw slotUnavailable();
    return {
      staffId,
      start: new Date(a.start),
      end: new Date(a.start + durationMs),
      heldUntil: new Date(a.start + heldMs),
      cancellationCutoffMinutes: calendar.policy.cancellationCutoffMinutes,
    };
  }

  /** The booking, when the caller may see it (owner, the clinic's vendor or staff, admin); else 404. */
  async get(principal: Principal, id: string): Promise<BookingRecord> {
    const booking = await this.store.repos.bookings.findById(id);
    if (!booking) throw notFound();
    await this.actingAs(principal, booking, READ);
    return booking;
  }

  /**
   * Reschedules, changes the staff member or the notes. A new time or staff member goes through the
   * same check as a new booking (the booking itself left out of the busy time), with the duration and
   * buffer of its snapshot.
   */
  async update(principal: Principal, id: string, body: UpdateBookingBody): Promise<BookingRecord> {
    const current = await this.store.repos.bookings.findById(id);
    if (!current) throw notFound();
    const as = await this.actingAs(principal, current, CHANGE, { fresh: true });
    const newStart = body.start !== undefined ? Date.parse(body.start) : undefined;
    const moves =
      (newStart !== undefined && newStart !== current.start.getTime()) ||
      (body.staffId !== undefined && body.staffId !== current.staffId);

    let clinic: ClinicInfo | undefined;
    let service: ServiceInfo | undefined;
    if (moves) {
      clinic = await this.clinics.clinic(current.clinicId, { fresh: true });
      if (body.staffId !== undefined && !clinic.staff.some((s) => s.id === body.staffId)) {
        throw new ValidationError([
          { field: 'staffId', message: 'is not a staff member of this clinic', code: 'unknown_staff' },
        ]);
      }
      service = await this.clinics
        .service(current.clinicId, current.serviceId, { fresh: true })
        .catch((err: unknown) => {
          if (err instanceof NotFoundError)
            throw new ConflictError('service_not_bookable', 'This service is no longer offered');
          throw err;
        });
      if (!service.active) throw new ConflictError('service_not_bookable', 'This service is not offered at the moment');
    }

    return this.store.transaction(async (repos) => {
      const booking = await repos.bookings.findById(id, { forUpdate: true });
      if (!booking) throw notFound();
      if (!isOpen(booking.status))
        throw new ConflictError('booking_not_open', `A ${booking.status} booking cannot be changed`);
      const change: BookingChange = {};
      if (body.notes !== undefined) change.notes = body.notes || null;
      if (moves && clinic && service) {
        if (as === 'owner')
          await this.assertBeforeCutoff(
            repos,
            booking,
            'change_cutoff_passed',
            'It is too late to change this booking; contact the clinic',
          );
        const requestedStaff = body.staffId ?? (booking.staffRequested ? booking.staffId : undefined);
        const place = await this.place(repos, {
          clinic,
          staffIds: bookableStaff(clinic, service),
          timing: booking.service,
          start: newStart ?? booking.start.getTime(),
          requestedStaff,
          prefer: booking.staffId,
          excludeBookingId: booking.id,
        });
        change.staffId = place.staffId;
        change.start = place.start;
        change.end = place.end;
        change.heldUntil = place.heldUntil;
        if (body.staffId !== undefined) change.staffRequested = true;
        // The clinic confirmed another time; a move by the owner needs its confirmation again.
        if (as === 'owner' && booking.status === 'confirmed') {
          change.status = 'pending';
          change.confirmedAt = null;
        }
      }
      await repos.outbox.lockOrder();
      const updated = await repos.bookings.update(id, scopeOf(as, principal, booking), change).catch((err: unknown) => {
        if (isConstraintViolation(err, NO_OVERLAP_CONSTRAINT) || isDeadlock(err)) throw slotUnavailable();
        throw err;
      });
      if (!updated) throw notFound();
      const events = [
        bookingEvent(
          'booking.updated',
          updated,
          { userId: principal.userId, as },
          { changes: changedFields(booking, updated) },
        ),
      ];
      if (moves) events.push(bookingAvailabilityChanged('booking.updated', booking, updated));
      await repos.outbox.append(events);
      await this.reminders.followMove(repos, booking, updated);
      return updated;
    });
  }

  /**
   * Confirm, complete, no-show (the clinic) or cancel (the owner before the cut-off, the clinic any time with a
   * reason).
   */
  async transition(
    principal: Principal,
    id: string,
    action: BookingAction,
    input: { reason?: string },
  ): Promise<BookingRecord> {
    const current = await this.store.repos.bookings.findById(id);
    if (!current) throw notFound();
    const as = await this.actingAs(principal, current, action === 'cancel' ? CANCEL : CLINIC_ONLY, { fresh: true });
    if (action === 'cancel' && as === 'clinic' && !input.reason) {
      throw new ValidationError([
        { field: 'reason', message: 'is required when the clinic cancels', code: 'required' },
      ]);
    }

    return this.store.transaction(async (repos) => {
      const booking = await repos.bookings.findById(id, { forUpdate: true });
      if (!booking) throw notFound();
      const status = nextStatus(booking.status, action);
      const now = new Date(this.now());
      const change: BookingChange = { status };
      if (action === 'confirm') change.confirmedAt = now;
      if (action === 'complete' || action === 'no_show') {
        // Ending it early would release its time (only open bookings hold time) while it is still ahead.
        if (now < booking.start) throw new ConflictError('booking_not_started', 'This booking has not started yet');
        if (action === 'complete') change.completedAt = now;
        else change.noShowAt = now;
      }
      if (action === 'cancel') {
        if (as === 'owner')
          await this.assertBeforeCutoff(
            repos,
            booking,
            'cancellation_cutoff_passed',
            'It is too late to cancel this booking; contact the clinic',
          );
        change.cancelledAt = now;
        change.cancelledBy = principal.userId;
        change.cancelledByRole = as;
        change.cancellationReason = input.reason ?? null;
      }
      const updated = await repos.bookings.update(id, scopeOf(as, principal, booking), change);
      if (!updated) throw notFound();
      const type = EVENT_OF[action];
      // Every step out of pending/confirmed releases the staff member's time.
      const events = [bookingEvent(type, updated, { userId: principal.userId, as })];
      if (action !== 'confirm') events.push(bookingAvailabilityChanged(type, updated));
      await repos.outbox.append(events);
      if (action !== 'confirm') await this.reminders.endAll(repos, updated);
      return updated;
    });
  }

  /** A page of the caller's bookings (role=owner) or of a clinic they belong to (role=clinic). */
  async listPage(
    principal: Principal,
    q: ListBookingsQuery,
  ): Promise<{ items: BookingRecord[]; nextCursor: string | null }> {
    const filter: BookingListFilter = { statuses: q.status };
    if (q.role === 'clinic') {
      if (!q.clinicId)
        throw new BadRequestError('clinic_id_required', 'role=clinic needs a clinicId', [
          { field: 'clinicId', message: 'is required with role=clinic', code: 'required' },
        ]);
      await this.access.assert(principal, q.clinicId, 'read_bookings');
      filter.clinicId = q.clinicId;
    } else {
      assertPermission(principal, 'booking:read:own');
      filter.ownerId = principal.userId;
      if (q.clinicId) filter.clinicId = q.clinicId;
    }
    if (q.from !== undefined) {
      if (isLocalDate(q.from)) filter.localDateFrom = q.from;
      else filter.startsFrom = new Date(q.from);
    }
    if (q.to !== undefined) {
      if (isLocalDate(q.to)) filter.localDateTo = q.to;
      else filter.startsBefore = new Date(q.to);
    }
    const after = q.cursor ? decodeCursor(q.cursor, BOOKING_CURSOR) : undefined;
    const rows = await this.store.repos.bookings.listPage(
      filter,
      after && { start: new Date(after.s), id: after.i },
      q.limit,
    );
    return toPage(rows, q.limit, (b) => ({ s: b.start.toISOString(), i: b.id }));
  }

  /**
   * Whether the caller acts on the booking as the clinic or as its owner: the clinic when their link
   * to it holds the permission the use needs, else the owner with the owner's permission. 404 for
   * anyone linked neither way (a stranger cannot even learn the booking exists), 403 naming what a
   * linked caller lacks.
   */
  private async actingAs(
    principal: Principal,
    booking: BookingRecord,
    use: BookingUse,
    opts: { fresh?: boolean } = {},
  ): Promise<Actor['as']> {
    const owner = booking.ownerId === principal.userId;
    let clinic: ClinicInfo | undefined;
    try {
      clinic = await this.clinics.clinic(booking.clinicId, { fresh: opts.fresh });
    } catch (err) {
      // The owner still sees their booking when the clinic is gone or the clinic service is down.
      if (!owner) throw err instanceof NotFoundError ? notFound() : err;
    }
    if (clinic && clinicRoleFor(principal, clinic, use.clinic)) return 'clinic';
    const member = clinic !== undefined && clinicRoleOf(principal, clinic) !== undefined;
    if (owner && (use.own || !member)) {
      if (!use.own) throw new ForbiddenError('not_clinic_member', 'Only the clinic can do this');
      assertPermission(principal, use.own);
      return 'owner';
    }
    if (!member) throw notFound();
    // Linked to the clinic without the permission the use needs: 403 naming it.
    assertClinicAction(principal, clinic!, use.clinic, () => new ForbiddenError('not_clinic_member', 'No access'));
    return 'clinic';
  }

  /**
   * The owner's cancellation and reschedule deadline: the cut-off of the policy in force when the
   * booking was made (the clinic's current one only for bookings older than that snapshot).
   */
  private async assertBeforeCutoff(
    repos: Repositories,
    booking: BookingRecord,
    code: string,
    message: string,
  ): Promise<void> {
    const cutoffMinutes =
      booking.cancellationCutoffMinutes ??
      ((await repos.schedules.findPolicy(booking.clinicId)) ?? DEFAULT_POLICY).cancellationCutoffMinutes;
    if (this.now() > booking.start.getTime() - cutoffMinutes * MINUTE_MS) {
      throw new ConflictError(code, message, { cutoffMinutes });
    }
  }
}

const EVENT_OF: Record<BookingAction, BookingEventType> = {
  confirm: 'booking.confirmed',
  complete: 'booking.completed',
  no_show: 'booking.no_show',
  cancel: 'booking.cancelled',
};

/** The scope of a write: an owner's own bookings, or the bookings of the clinic they act for (checked by actingAs). */
function scopeOf(as: Actor['as'], principal: Principal, booking: BookingRecord): BookingScope {
  return as === 'owner' ? { ownerId: principal.userId } : { clinicId: booking.clinicId };
}

function notFound(): NotFoundError {
  return new NotFoundError('booking_not_found', 'No such booking');
}

/** Names of the client-visible fields a change touched, for the booking.updated event. */
function changedFields(before: BookingRecord, after: BookingRecord): string[] {
  const out: string[] = [];
  if (before.start.getTime() !== after.start.getTime()) out.push('start');
  if (before.staffId !== after.staffId) out.push('staffId');
  if (before.notes !== after.notes) out.push('notes');
  if (before.status !== after.status) out.push('status');
  return out;
}
