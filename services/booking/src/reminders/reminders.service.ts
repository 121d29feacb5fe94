import {
  BadRequestError,
  ConflictError,
  ForbiddenError,
  NotFoundError,
  decodeCursor,
  isAdmin,
  toPage,
  type Principal,
} from '@petpro/kit';
import type { BookingStore, Repositories } from '../store.ts';
import { isOpen, type BookingRecord } from '../bookings/bookings.model.ts';
import { dueAt, pastReminderAtSave, type ReminderJob, type ReminderSpec } from './reminders.model.ts';
import type { AdminRemindersQuery, PutRemindersBody } from './reminders.schemas.ts';

const JOB_CURSOR = { d: 'instant', i: 'uuid' } as const;

export interface RemindersDeps {
  store: BookingStore;
  now?: () => number;
}

/**
 * A booking's reminders: the defaults from the owner's preferences when it is made, the owner's
 * changes, and the jobs that follow the booking (added, moved, ended) inside the booking's own
 * transaction: the bookings service calls `scheduleNew`, `followMove` and `endAll` with its `repos`.
 */
export class RemindersService {
  private readonly now: () => number;

  constructor(private readonly deps: RemindersDeps) {
    this.now = deps.now ?? Date.now;
  }

  /** In the booking's transaction: records its reminders and queues those still ahead. */
  async scheduleNew(repos: Repositories, booking: BookingRecord, reminders: ReminderSpec[]): Promise<void> {
    await repos.reminders.addPlan(booking.id, reminders);
    await this.queue(repos, booking, reminders);
  }

  /** In the move's transaction: the old start's waiting jobs end, the new start gets its own. */
  async followMove(repos: Repositories, before: BookingRecord, after: BookingRecord): Promise<void> {
    if (before.start.getTime() === after.start.getTime()) return;
    await repos.reminders.cancelWaiting(after.id, 'booking_moved');
    await this.queue(repos, after, await repos.reminders.findPlan(after.id));
  }

  /** In the transaction that closes the booking (cancelled, completed, no-show): nothing more goes out. */
  async endAll(repos: Repositories, booking: BookingRecord): Promise<void> {
    await repos.reminders.cancelWaiting(booking.id, `booking_${booking.status}`);
  }

  private async queue(repos: Repositories, booking: BookingRecord, reminders: ReminderSpec[]): Promise<void> {
    const now = this.now();
    const ahead = reminders
      .map((r) => ({ ...r, dueAt: dueAt(booking.start, r.offsetMinutes) }))
      .filter((r) => r.dueAt.getTime() > now);
    await repos.reminders.addJobs({
      bookingId: booking.id,
      ownerId: booking.ownerId,
      clinicId: booking.clinicId,
      start: booking.start,
      reminders: ahead,
    });
  }

  /** GET /bookings/{id}/reminders: the owner's own booking only (404 for anyone else). */
  async findForOwner(principal: Principal, bookingId: string) {
    const booking = await this.deps.store.repos.bookings.findById(bookingId);
    if (!booking || booking.ownerId !== principal.userId) throw notFound();
    const [plan, jobs] = await Promise.all([
      this.deps.store.repos.reminders.findPlan(booking.id),
      this.deps.store.repos.reminders.listForStart(booking.id, booking.start),
    ]);
    return { start: booking.start, plan, jobs };
  }

  /**
   * PUT /bookings/{id}/reminders: replaces the booking's reminders. A time already gone is refused
   * (400 `reminder_time_passed`) unless the booking was made less than that offset ahead, when it is
   * kept and skipped. Runs under the booking's row lock, so it cannot interleave with a move or cancel.
   */
  async replaceForOwner(principal: Principal, bookingId: string, body: PutRemindersBody) {
    return this.deps.store.transaction(async (repos) => {
      const booking = await repos.bookings.findById(bookingId, { forUpdate: true });
      if (!booking || booking.ownerId !== principal.userId) throw notFound();
      if (!isOpen(booking.status))
        throw new ConflictError('booking_not_open', `A ${booking.status} booking has no reminders to change`);
      const now = this.now();
      const passed = body.reminders
        .map((r, index) => ({ r, index }))
        .filter(({ r }) => dueAt(booking.start, r.offsetMinutes).getTime() <= now)
        .filter(({ r }) => pastReminderAtSave(booking, r) === 'refuse');
      if (passed.length)
        throw new BadRequestError(
          'reminder_time_passed',
          'A reminder’s time has already passed',
          passed.map(({ index }) => ({
            field: `reminders.${index}.offsetMinutes`,
            message: 'is earlier than now',
            code: 'reminder_time_passed',
          })),
        );
      await repos.reminders.replacePlan(booking.id, body.reminders);
      await repos.reminders.cancelWaiting(booking.id, 'reminder_removed', body.reminders);
      await this.queue(repos, booking, body.reminders);
      const jobs = await repos.reminders.listForStart(booking.id, booking.start);
      return { start: booking.start, plan: await repos.reminders.findPlan(booking.id), jobs };
    });
  }

  /** GET /admin/reminders: admins only. */
  async listPage(
    principal: Principal,
    q: AdminRemindersQuery,
  ): Promise<{ items: ReminderJob[]; nextCursor: string | null }> {
    if (!isAdmin(principal)) throw new ForbiddenError('admin_only', 'Only administrators can see reminders');
    const after = q.cursor ? decodeCursor(q.cursor, JOB_CURSOR) : undefined;
    const rows = await this.deps.store.repos.reminders.listPage(
      { status: q.status, channel: q.channel },
      after && { dueAt: new Date(after.d), id: after.i },
      q.limit,
    );
    return toPage(rows, q.limit, (j) => ({ d: j.dueAt.toISOString(), i: j.id }));
  }
}

function notFound(): NotFoundError {
  return new NotFoundError('booking_not_found', 'No such booking');
}
