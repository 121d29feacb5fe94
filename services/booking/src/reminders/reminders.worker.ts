import { Counter, Gauge, Histogram, type Registry } from 'prom-client';
import {
  ChannelUnavailableError,
  classifySendError,
  type ChannelRegistry,
  type Logger,
  type NotificationMessage,
} from '@petpro/kit';
import type { BookingStore } from '../store.ts';
import type { ClinicDirectory } from '../upstream/clinic.client.ts';
import type { RecipientDirectory, ReminderRecipient } from '../upstream/recipients.client.ts';
import { MINUTE_MS } from '../shared/time.ts';
import { deliveryKey, retryDelayMs, stillApplies, type ReminderJob } from './reminders.model.ts';
import { appointmentReminder, careReminder } from './reminders.messages.ts';
import { careDeliveryKey, careStillApplies } from './care.model.ts';

export interface ReminderWorkerOptions {
  /** Jobs one pass claims (each replica claims its own; SKIP LOCKED keeps them apart). */
  batchSize: number;
  /** Sends in flight at once within a pass. */
  concurrency: number;
  /** How long a claimed job is this worker's; a crashed worker's jobs are taken over after it. */
  leaseMs: number;
  /** Attempts at a channel before the job fails for good. */
  maxAttempts: number;
  /** Where the owner sees and cancels a booking: `${base}/bookings/${id}`. */
  bookingUrl: (bookingId: string) => string;
  /** Where the owner sees a pet (care reminders): `${base}/pets/${id}`. */
  petUrl: (petId: string) => string;
}

/** How long a reminder for a channel without a sender (push, in_app until they exist) waits before looking again. */
const UNAVAILABLE_RETRY_MS = 10 * MINUTE_MS;

/**
 * Sends due reminders, in every replica. One pass: claim due jobs (a committed lease), then for each
 * re-read the booking and send only if the reminder still applies, write the delivery ledger row
 * (unique per booking, offset, channel and start) before handing it to the channel, and record the
 * outcome: sent, retried with back-off, failed for good, or skipped. Care jobs (a medical record's
 * due date) take the same path with the record (`care_records`) in place of the booking and a ledger
 * row unique per record, offset, channel and due date.
 *
 * What a crash can do: a worker that dies between the ledger row and the channel's answer leaves the
 * job `sending`; when its lease ends another worker takes it and sends again with the same
 * idempotency key (the mail's Message-ID), the only window where a receiver may see it twice. A
 * stop (deploy, restart) waits for the pass in progress, so it never leaves one.
 */
export class ReminderWorker {
  private readonly sent: Counter<'channel'>;
  private readonly failed: Counter<'channel' | 'code'>;
  private readonly skipped: Counter<'reason'>;
  private readonly lateness: Histogram<'channel'>;

  constructor(
    private readonly deps: {
      store: BookingStore;
      channels: ChannelRegistry;
      recipients: RecipientDirectory;
      clinics: ClinicDirectory;
      log: Logger;
      metrics: Registry;
      now?: () => number;
    },
    private readonly opts: ReminderWorkerOptions,
  ) {
    const registers = [deps.metrics];
    this.sent = new Counter({
      name: 'reminders_sent_total',
      help: 'Reminders delivered',
      labelNames: ['channel'],
      registers,
    });
    this.failed = new Counter({
      name: 'reminders_failed_total',
      help: 'Reminder send attempts that failed (retried or not)',
      labelNames: ['channel', 'code'],
      registers,
    });
    this.skipped = new Counter({
      name: 'reminders_skipped_total',
      help: 'Due reminders not sent because they no longer applied',
      labelNames: ['reason'],
      registers,
    });
    this.lateness = new Histogram({
      name: 'reminders_lateness_seconds',
      help: 'Seconds between a reminder’s due time and its delivery',
      labelNames: ['channel'],
      buckets: [1, 5, 15, 30, 60, 120, 300, 900],
      registers,
    });
    const store = deps.store;
    new Gauge({
      name: 'reminder_jobs',
      help: 'Reminder jobs by status (read at scrape time)',
      labelNames: ['status'],
      registers,
      async collect() {
        this.reset();
        for (const r of await store.repos.reminders.countByStatus()) this.set({ status: r.status }, r.count);
      },
    });
  }

  private now(): number {
    return (this.deps.now ?? Date.now)();
  }

  /** One pass: claims and works through due jobs until none is left; returns how many it handled. */
  async drain(): Promise<number> {
    let handled = 0;
    for (;;) {
      const jobs = await this.deps.store.repos.reminders.claimDue(
        new Date(this.now()),
        this.opts.batchSize,
        this.opts.leaseMs,
      );
      if (!jobs.length) return handled;
      await inParallel(jobs, this.opts.concurrency, (job) => this.work(job));
      handled += jobs.length;
    }
  }

  private async work(job: ReminderJob): Promise<void> {
    const { store, log } = this.deps;
    const repos = store.repos.reminders;
    try {
      if (job.kind === 'care') await this.sendCare(job);
      else await this.sendAppointment(job);
    } catch (err) {
      if (err instanceof RecordingFailed) throw err.cause;
      const e = classifySendError(err);
      this.failed.inc({ channel: job.channel, code: e.code });
      // Nothing after the appointment has started, or after a care reminder's due date has passed.
      const startsAt = job.start.getTime() + (job.kind === 'care' ? 24 * 60 * MINUTE_MS : 0);
      if (e instanceof ChannelUnavailableError) {
        // Not an attempt: the reminder waits for the channel until its appointment starts.
        const next = this.now() + UNAVAILABLE_RETRY_MS;
        if (next >= startsAt) return repos.finish(job.id, 'failed', e.code);
        return repos.retryAt(job.id, new Date(next), e.code, false);
      }
      const next = this.now() + (e.retryAfterMs ?? retryDelayMs(job.attempts));
      if (e.permanent || job.attempts >= this.opts.maxAttempts || next >= startsAt) {
        log.warn({ jobId: job.id, bookingId: job.bookingId, channel: job.channel, code: e.code }, 'reminder failed');
        await store.transaction(async (tx) => {
          await tx.reminders.markDeliveryFailed(job);
          await tx.reminders.finish(job.id, 'failed', `${e.code}: ${e.message}`.slice(0, 500));
        });
        return;
      }
      log.info(
        { jobId: job.id, channel: job.channel, code: e.code, attempt: job.attempts },
        'reminder will be retried',
      );
      await repos.retryAt(job.id, new Date(next), `${e.code}: ${e.message}`.slice(0, 500));
    }
  }

  private async sendAppointment(job: ReminderJob): Promise<void> {
    const { store } = this.deps;
    const booking = await store.repos.bookings.findById(job.bookingId);
    const applies = stillApplies(job, booking, this.now());
    if (!applies.ok) return this.skip(job, applies.reason);
    if (!this.deps.channels.has(job.channel)) throw new ChannelUnavailableError(job.channel);

    const recipient = await this.deps.recipients.recentRecipient(job.ownerId);
    if (!recipient.preferences.channels.includes(job.channel)) return this.skip(job, 'channel_switched_off');
    const message = await this.message(job, booking!, recipient);

    // The ledger row, committed before the send, under the booking's lock so that a cancel or a move
    // either happened before (and the re-read says so) or waits for it.
    const mine = await store.transaction(async (tx) => {
      const now = await tx.bookings.findById(job.bookingId, { forUpdate: true });
      const still = stillApplies(job, now, this.now());
      if (!still.ok) return still.reason;
      return (await tx.reminders.claimDelivery(job)) ? true : 'already_delivered';
    });
    await this.deliver(job, recipient, message, mine, deliveryKey(job));
  }

  /** A medical record's due date: re-read the record (still there, same due date, pet not deleted). */
  private async sendCare(job: ReminderJob): Promise<void> {
    const { store } = this.deps;
    const record = await store.repos.reminders.findCareRecord(job.subjectId);
    const applies = careStillApplies(job, record);
    if (!applies.ok) return this.skip(job, applies.reason);
    if (!this.deps.channels.has(job.channel)) throw new ChannelUnavailableError(job.channel);

    const recipient = await this.deps.recipients.recentRecipient(job.ownerId);
    if (!recipient.careChannels.includes(job.channel)) return this.skip(job, 'channel_switched_off');
    const message = careReminder(recipient.language, {
      record: record!,
      timeZone: recipient.timeZone,
      recipientName: recipient.name,
      petUrl: this.opts.petUrl(record!.petId),
    });
    // The ledger row under the record's lock: a change or delete from the feed happened before or waits.
    const mine = await store.transaction(async (tx) => {
      const still = careStillApplies(job, await tx.reminders.findCareRecord(job.subjectId, { forUpdate: true }));
      if (!still.ok) return still.reason;
      return (await tx.reminders.claimCareDelivery(job)) ? true : 'already_delivered';
    });
    await this.deliver(job, recipient, message, mine, careDeliveryKey(job));
  }

  /** Hands a claimed delivery to its channel and records it sent (`mine` is why not, when not claimed). */
  private async deliver(
    job: ReminderJob,
    recipient: ReminderRecipient,
    message: NotificationMessage,
    mine: true | string,
    idempotencyKey: string,
  ): Promise<void> {
    if (mine !== true) return this.skip(job, mine);
    const result = await this.deps.channels.send(job.channel, recipient, message, { idempotencyKey });
    const at = new Date(this.now());
    this.sent.inc({ channel: job.channel });
    this.lateness.observe({ channel: job.channel }, Math.max(0, (at.getTime() - job.dueAt.getTime()) / 1000));
    // Sent: from here on a failure must never put the job back for another send.
    await this.recordSent(job, result.id, at);
  }

  /**
   * Marks a delivered job sent, trying a few times: if the database stays away the job keeps its
   * lease and is taken over when it ends (the crash window of the class comment), never retried now.
   */
  private async recordSent(job: ReminderJob, providerId: string, at: Date): Promise<void> {
    for (let attempt = 1; ; attempt++) {
      try {
        return await this.deps.store.transaction((tx) => tx.reminders.markSent(job, providerId, at));
      } catch (err) {
        if (attempt >= 3) throw new RecordingFailed(err);
        await new Promise((r) => setTimeout(r, 200 * attempt));
      }
    }
  }

  private async skip(job: ReminderJob, reason: string): Promise<void> {
    this.skipped.inc({ reason });
    await this.deps.store.repos.reminders.finish(job.id, 'skipped', reason);
  }

  private async message(
    job: ReminderJob,
    booking: NonNullable<Awaited<ReturnType<BookingStore['repos']['bookings']['findById']>>>,
    recipient: ReminderRecipient,
  ): Promise<NotificationMessage> {
    const clinic = await this.deps.clinics.clinic(job.clinicId!);
    return appointmentReminder(recipient.language, {
      booking,
      clinic,
      recipientName: recipient.name,
      bookingUrl: this.opts.bookingUrl(booking.id),
    });
  }
}

/** A send that succeeded but could not be recorded: it must not be classified and retried. */
class RecordingFailed extends Error {
  constructor(override readonly cause: unknown) {
    super('a sent reminder could not be recorded');
  }
}

/**
 * Runs `fn` over `items` with at most `limit` in flight. Hand-written (six lines) rather than a
 * dependency such as p-limit for one call site.
 */
async function inParallel<T>(items: readonly T[], limit: number, fn: (item: T) => Promise<void>): Promise<void> {
  let next = 0;
  const lane = async () => {
    while (next < items.length) await fn(items[next++]!);
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, lane));
}
