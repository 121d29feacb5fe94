import { sql, type Kysely, type Selectable } from 'kysely';
import { v7 as uuidv7 } from 'uuid';
import type { Channel } from '@petpro/kit';
import type { CareRecordsTable, DB, ReminderJobsTable, ReminderJobStatus } from '../db.ts';
import type { ReminderJob, ReminderSpec } from './reminders.model.ts';
import type { CareJobSpec, CareRecord } from './care.model.ts';

const LIVE = ['scheduled', 'sending'] as const;

function toCareRecord(r: Selectable<CareRecordsTable>): CareRecord {
  return {
    recordId: r.record_id,
    ownerId: r.owner_id,
    petId: r.pet_id,
    petName: r.pet_name,
    type: r.type,
    title: r.title,
    nextDueDate: r.next_due_date,
    petDeleted: r.pet_deleted,
  };
}

const jobCols = [
  'id',
  'kind',
  'booking_id',
  'subject_id',
  'owner_id',
  'clinic_id',
  'offset_minutes',
  'channel',
  'starts_at',
  'due_at',
  'status',
  'attempts',
  'next_attempt_at',
  'last_error',
  'sent_at',
  'created_at',
] as const;

type JobRow = Pick<Selectable<ReminderJobsTable>, (typeof jobCols)[number]>;

function toJob(r: JobRow): ReminderJob {
  return {
    id: r.id,
    kind: r.kind,
    // The table's check: an appointment job has its booking, a care job its record.
    bookingId: (r.booking_id ?? r.subject_id)!,
    subjectId: (r.kind === 'care' ? r.subject_id : r.booking_id)!,
    ownerId: r.owner_id,
    clinicId: r.clinic_id,
    offsetMinutes: r.offset_minutes,
    channel: r.channel,
    start: r.starts_at,
    dueAt: r.due_at,
    status: r.status,
    attempts: r.attempts,
    nextAttemptAt: r.next_attempt_at,
    lastError: r.last_error,
    sentAt: r.sent_at,
    createdAt: r.created_at,
  };
}

/** The jobs one booking's reminders produce for one start. */
export interface NewJobs {
  bookingId: string;
  ownerId: string;
  clinicId: string;
  start: Date;
  reminders: Array<ReminderSpec & { dueAt: Date }>;
}

/** The only SQL of reminders: the plan of each booking, the job queue and the delivery ledger. */
export class RemindersRepository {
  constructor(private readonly db: Kysely<DB>) {}

  async findPlan(bookingId: string): Promise<ReminderSpec[]> {
    const rows = await this.db
      .selectFrom('booking_reminders')
      .select(['offset_minutes', 'channel'])
      .where('booking_id', '=', bookingId)
      .orderBy('offset_minutes', 'desc')
      .orderBy('channel')
      .execute();
    return rows.map((r) => ({ offsetMinutes: r.offset_minutes, channel: r.channel }));
  }

  async replacePlan(bookingId: string, reminders: readonly ReminderSpec[]): Promise<void> {
    await this.db.deleteFrom('booking_reminders').where('booking_id', '=', bookingId).execute();
    await this.addPlan(bookingId, reminders);
  }

  /** The reminders of a booking that has none yet (a new one). */
  async addPlan(bookingId: string, reminders: readonly ReminderSpec[]): Promise<void> {
    if (!reminders.length) return;
    await this.db
      .insertInto('booking_reminders')
      .values(reminders.map((r) => ({ booking_id: bookingId, offset_minutes: r.offsetMinutes, channel: r.channel })))
      .execute();
  }

  /** Adds the jobs; a reminder that already has a live job for this start keeps it (no duplicate). */
  async addJobs(jobs: NewJobs): Promise<void> {
    if (!jobs.reminders.length) return;
    await this.db
      .insertInto('reminder_jobs')
      .values(
        jobs.reminders.map((r) => ({
          id: uuidv7(),
          booking_id: jobs.bookingId,
          owner_id: jobs.ownerId,
          clinic_id: jobs.clinicId,
          offset_minutes: r.offsetMinutes,
          channel: r.channel,
          starts_at: jobs.start,
          due_at: r.dueAt,
          next_attempt_at: r.dueAt,
        })),
      )
      .onConflict((oc) =>
        oc.columns(['booking_id', 'offset_minutes', 'channel', 'starts_at']).where('status', 'in', LIVE).doNothing(),
      )
      .execute();
  }

  /**
   * Ends the booking's waiting jobs (`cancelled`, with why), all of them or those not in `keep`. A job
   * being sent right now is left to the worker, which re-reads the booking before it sends.
   */
  async cancelWaiting(bookingId: string, reason: string, keep: readonly ReminderSpec[] = []): Promise<void> {
    let q = this.db
      .updateTable('reminder_jobs')
      .set({ status: 'cancelled', last_error: reason, updated_at: sql`now()` })
      .where('booking_id', '=', bookingId)
      .where('status', '=', 'scheduled');
    for (const k of keep)
      q = q.where((eb) => eb.not(eb.and([eb('offset_minutes', '=', k.offsetMinutes), eb('channel', '=', k.channel)])));
    await q.execute();
  }

  /** The booking's jobs for one start, latest reminder first. */
  async listForStart(bookingId: string, start: Date): Promise<ReminderJob[]> {
    const rows = await this.db
      .selectFrom('reminder_jobs')
      .select(jobCols)
      .where('booking_id', '=', bookingId)
      .where('starts_at', '=', start)
      .where('status', '!=', 'cancelled')
      .orderBy('due_at')
      .orderBy('channel')
      .execute();
    return rows.map(toJob);
  }

  /**
   * Claims up to `limit` due jobs for this worker: waiting ones whose time has come, and ones whose
   * lease ran out (a worker that crashed mid-send). SKIP LOCKED lets every replica claim at once
   * without two claiming the same job; the lease is committed before anything is sent.
   */
  async claimDue(now: Date, limit: number, leaseMs: number): Promise<ReminderJob[]> {
    const { rows } = await sql<JobRow>`
      update reminder_jobs j set
        status = 'sending',
        attempts = j.attempts + 1,
        locked_until = ${new Date(now.getTime() + leaseMs)},
        updated_at = now()
      where j.id in (
        select id from reminder_jobs
        where (status = 'scheduled' and next_attempt_at <= ${now})
           or (status = 'sending' and locked_until < ${now})
        order by next_attempt_at
        limit ${limit}
        for update skip locked
      )
      returning ${sql.join(jobCols.map((c) => sql.ref(`j.${c}`)))}`.execute(this.db);
    return rows.map(toJob);
  }

  /**
   * Writes the ledger row of a delivery before it is handed to the channel. True when this job may
   * send: the key is new, or it is this job's own unfinished row (a retry, or a lease taken over after
   * a crash). False when the reminder was already delivered or claimed by another job.
   */
  async claimDelivery(job: ReminderJob): Promise<boolean> {
    const { rows } = await sql<{ job_id: string }>`
      insert into reminder_deliveries (booking_id, offset_minutes, channel, starts_at, job_id)
      values (${job.bookingId}, ${job.offsetMinutes}, ${job.channel}, ${job.start}, ${job.id})
      on conflict (booking_id, offset_minutes, channel, starts_at) do update set job_id = excluded.job_id
        where reminder_deliveries.status = 'sending' and reminder_deliveries.job_id = excluded.job_id
      returning job_id`.execute(this.db);
    return rows.length === 1;
  }

  /** The care counterpart of `claimDelivery`: the ledger key is the record, offset, channel and due date. */
  async claimCareDelivery(job: ReminderJob): Promise<boolean> {
    const { rows } = await sql<{ job_id: string }>`
      insert into reminder_deliveries (kind, subject_id, offset_minutes, channel, starts_at, job_id)
      values ('care', ${job.subjectId}, ${job.offsetMinutes}, ${job.channel}, ${job.start}, ${job.id})
      on conflict (subject_id, offset_minutes, channel, starts_at) do update set job_id = excluded.job_id
        where reminder_deliveries.status = 'sending' and reminder_deliveries.job_id = excluded.job_id
      returning job_id`.execute(this.db);
    return rows.length === 1;
  }

  /** Adds a record's care jobs for one due date; one that already has a live job keeps it (no duplicate). */
  async addCareJobs(job: { recordId: string; ownerId: string; dueDate: Date; reminders: CareJobSpec[] }) {
    if (!job.reminders.length) return;
    await this.db
      .insertInto('reminder_jobs')
      .values(
        job.reminders.map((r) => ({
          id: uuidv7(),
          kind: 'care' as const,
          subject_id: job.recordId,
          owner_id: job.ownerId,
          offset_minutes: r.offsetMinutes,
          channel: r.channel,
          starts_at: job.dueDate,
          due_at: r.dueAt,
          next_attempt_at: r.dueAt,
        })),
      )
      .onConflict((oc) =>
        oc
          .columns(['subject_id', 'offset_minutes', 'channel', 'starts_at'])
          .where('kind', '=', 'care')
          .where('status', 'in', LIVE)
          .doNothing(),
      )
      .execute();
  }

  /**
   * Cancels the records' care jobs not yet sent; `keep` spares those of that due date, `dueAfter`
   * spares those already due (a job waiting for its retry or for the worker stays).
   */
  async cancelCareWaiting(
    recordIds: readonly string[],
    reason: string,
    opts: { keep?: Date; dueAfter?: Date } = {},
  ): Promise<void> {
    if (!recordIds.length) return;
    let q = this.db
      .updateTable('reminder_jobs')
      .set({ status: 'cancelled', last_error: reason, updated_at: sql`now()` })
      .where('kind', '=', 'care')
      .where('subject_id', 'in', recordIds)
      .where('status', '=', 'scheduled');
    if (opts.keep) q = q.where('starts_at', '!=', opts.keep);
    if (opts.dueAfter) q = q.where('due_at', '>', opts.dueAfter);
    await q.execute();
  }

  /** The record as last told by the user service; `forUpdate` locks it (the ledger claim at send time). */
  async findCareRecord(recordId: string, opts: { forUpdate?: boolean } = {}): Promise<CareRecord | undefined> {
    let q = this.db.selectFrom('care_records').selectAll().where('record_id', '=', recordId);
    if (opts.forUpdate) q = q.forUpdate();
    const r = await q.executeTakeFirst();
    return r && toCareRecord(r);
  }

  async saveCareRecord(r: CareRecord): Promise<void> {
    const values = {
      owner_id: r.ownerId,
      pet_id: r.petId,
      pet_name: r.petName,
      type: r.type,
      title: r.title,
      next_due_date: r.nextDueDate,
      pet_deleted: r.petDeleted,
    };
    await this.db
      .insertInto('care_records')
      .values({ record_id: r.recordId, ...values })
      .onConflict((oc) => oc.column('record_id').doUpdateSet({ ...values, updated_at: sql`now()` }))
      .execute();
  }

  async deleteCareRecord(recordId: string, ownerId: string): Promise<void> {
    await this.db
      .deleteFrom('care_records')
      .where('record_id', '=', recordId)
      .where('owner_id', '=', ownerId)
      .execute();
  }

  async renameCarePet(ownerId: string, petId: string, petName: string): Promise<void> {
    await this.db
      .updateTable('care_records')
      .set({ pet_name: petName, updated_at: sql`now()` })
      .where('owner_id', '=', ownerId)
      .where('pet_id', '=', petId)
      .execute();
  }

  /** Marks an owner's pet deleted or restored; answers its records. */
  /** The owner's records that can still have care reminders (a due date, the pet not deleted). */
  async listLiveCareRecords(ownerId: string): Promise<CareRecord[]> {
    const rows = await this.db
      .selectFrom('care_records')
      .selectAll()
      .where('owner_id', '=', ownerId)
      .where('pet_deleted', '=', false)
      .where('next_due_date', 'is not', null)
      .execute();
    return rows.map(toCareRecord);
  }

  async setCarePetDeleted(ownerId: string, petId: string, deleted: boolean): Promise<CareRecord[]> {
    const rows = await this.db
      .updateTable('care_records')
      .set({ pet_deleted: deleted, updated_at: sql`now()` })
      .where('owner_id', '=', ownerId)
      .where('pet_id', '=', petId)
      .returningAll()
      .execute();
    return rows.map(toCareRecord);
  }

  async markSent(job: ReminderJob, providerId: string, at: Date): Promise<void> {
    await this.db
      .updateTable('reminder_deliveries')
      .set({ status: 'sent', provider_id: providerId.slice(0, 200), sent_at: at })
      .where(job.kind === 'care' ? 'subject_id' : 'booking_id', '=', job.subjectId)
      .where('offset_minutes', '=', job.offsetMinutes)
      .where('channel', '=', job.channel)
      .where('starts_at', '=', job.start)
      .where('job_id', '=', job.id)
      .execute();
    await this.finish(job.id, 'sent', null, at);
  }

  /** Ends a job that will never send (`skipped`: no longer applies; `failed`: permanent error or time up). */
  async finish(
    jobId: string,
    status: Exclude<ReminderJobStatus, 'scheduled' | 'sending'>,
    why: string | null,
    at?: Date,
  ) {
    await this.db
      .updateTable('reminder_jobs')
      .set({ status, last_error: why, sent_at: at ?? null, locked_until: null, updated_at: sql`now()` })
      .where('id', '=', jobId)
      .where('status', '=', 'sending')
      .execute();
  }

  /** Marks the ledger row of a delivery that failed for good, so the key stays spent. */
  async markDeliveryFailed(job: ReminderJob): Promise<void> {
    await this.db
      .updateTable('reminder_deliveries')
      .set({ status: 'failed' })
      .where(job.kind === 'care' ? 'subject_id' : 'booking_id', '=', job.subjectId)
      .where('offset_minutes', '=', job.offsetMinutes)
      .where('channel', '=', job.channel)
      .where('starts_at', '=', job.start)
      .where('job_id', '=', job.id)
      .execute();
  }

  /** Puts a claimed job back in the queue for `at`; `countAttempt: false` when it never reached a channel. */
  async retryAt(jobId: string, at: Date, why: string, countAttempt = true): Promise<void> {
    await this.db
      .updateTable('reminder_jobs')
      .set((eb) => ({
        status: 'scheduled',
        next_attempt_at: at,
        last_error: why,
        locked_until: null,
        attempts: countAttempt ? eb.ref('attempts') : eb('attempts', '-', 1),
        updated_at: sql`now()`,
      }))
      .where('id', '=', jobId)
      .where('status', '=', 'sending')
      .execute();
  }

  /** A page of jobs for the admin view, by due time. */
  async listPage(
    filter: { status?: ReminderJobStatus; channel?: Channel },
    after: { dueAt: Date; id: string } | undefined,
    limit: number,
  ): Promise<ReminderJob[]> {
    let q = this.db.selectFrom('reminder_jobs').select(jobCols);
    if (filter.status) q = q.where('status', '=', filter.status);
    if (filter.channel) q = q.where('channel', '=', filter.channel);
    if (after)
      q = q.where((eb) =>
        eb.or([eb('due_at', '>', after.dueAt), eb.and([eb('due_at', '=', after.dueAt), eb('id', '>', after.id)])]),
      );
    const rows = await q
      .orderBy('due_at')
      .orderBy('id')
      .limit(limit + 1)
      .execute();
    return rows.map(toJob);
  }

  /** Jobs per status (the metrics gauge). */
  async countByStatus(): Promise<Array<{ status: ReminderJobStatus; count: number }>> {
    const rows = await this.db
      .selectFrom('reminder_jobs')
      .select(['status', (eb) => eb.fn.countAll<string>().as('count')])
      .groupBy('status')
      .execute();
    return rows.map((r) => ({ status: r.status, count: Number(r.count) }));
  }

  /** Clinics with open bookings between `from` and `to`, with their zones (candidates for an agenda mail). */
  async clinicsBookedBetween(from: Date, to: Date): Promise<Array<{ clinicId: string; timeZone: string }>> {
    const rows = await this.db
      .selectFrom('bookings')
      .select(['clinic_id', 'time_zone'])
      .distinct()
      .where('starts_at', '>=', from)
      .where('starts_at', '<', to)
      .where('status', 'in', ['pending', 'confirmed'])
      .execute();
    return rows.map((r) => ({ clinicId: r.clinic_id, timeZone: r.time_zone }));
  }

  /**
   * Takes the agenda mail of a clinic's local day: true for the one caller that inserts the row (the
   * others wait on the key until it commits, then get false), so each day's agenda goes out once.
   */
  async claimAgenda(clinicId: string, localDate: string): Promise<boolean> {
    const row = await this.db
      .insertInto('clinic_agenda_mails')
      .values({ clinic_id: clinicId, local_date: localDate })
      .onConflict((oc) => oc.doNothing())
      .returning('clinic_id')
      .executeTakeFirst();
    return row !== undefined;
  }
}
