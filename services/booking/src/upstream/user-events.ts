/**
 * The user service's medical record, pet and care-preference events (its kit event feed), followed for
 * care reminders: each event updates the local copy of the record (`care_records`) and adds, moves or
 * removes its reminder jobs in the transaction that moves the feed cursor, so each change applies
 * exactly once.
 */
import { startFeedConsumer, type FeedEvent, type Logger, type ServiceClient } from '@petpro/kit';
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { DB } from '../db.ts';
import { RemindersRepository } from '../reminders/reminders.repository.ts';
import { careJobs, dueDateKey, type CarePreferences, type CareRecord } from '../reminders/care.model.ts';
import type { RecipientDirectory } from './recipients.client.ts';

const RecordPayload = z.object({
  recordId: z.uuid(),
  petId: z.uuid(),
  ownerId: z.uuid(),
  petName: z.string().max(200),
  type: z.string().max(40),
  title: z.string().max(500),
  nextDueDate: z.iso.date().nullable(),
});
const OwnerPayload = z.object({ ownerId: z.uuid() });
const PetPayload = OwnerPayload.extend({ petId: z.uuid() });
const RenamePayload = PetPayload.extend({ petName: z.string().max(200) });

export interface CareScheduling {
  /** The owner's care preferences (user service). */
  preferences: (ownerId: string) => Promise<CarePreferences>;
  /** Local hour (owner's zone) at which care reminders go out. */
  hour: number;
  now?: () => number;
}

/** Applies one page of user events in the consumer's transaction. */
export async function applyUserEvents(events: FeedEvent[], trx: Kysely<DB>, care: CareScheduling): Promise<void> {
  const repo = new RemindersRepository(trx);
  const prefs = new Map<string, CarePreferences>();
  /** Adds a record's reminders; `aheadOnly` leaves out those whose time has passed (not sent anew). */
  const schedule = async (r: CareRecord, opts: { aheadOnly?: boolean } = {}) => {
    if (!r.nextDueDate || r.petDeleted) return;
    let p = prefs.get(r.ownerId);
    if (!p) prefs.set(r.ownerId, (p = await care.preferences(r.ownerId)));
    const now = (care.now ?? Date.now)();
    const reminders = careJobs(r.nextDueDate, p, care.hour, now);
    await repo.addCareJobs({
      recordId: r.recordId,
      ownerId: r.ownerId,
      dueDate: dueDateKey(r.nextDueDate),
      reminders: opts.aheadOnly ? reminders.filter((j) => j.dueAt.getTime() > now) : reminders,
    });
  };
  for (const e of events) {
    if (e.type === 'medical_record.created' || e.type === 'medical_record.updated') {
      const p = RecordPayload.safeParse(e.payload);
      if (!p.success) continue;
      const before = await repo.findCareRecord(p.data.recordId);
      if (before && before.ownerId !== p.data.ownerId) continue;
      const record: CareRecord = { ...p.data, petDeleted: before?.petDeleted ?? false };
      await repo.saveCareRecord(record);
      // A moved (or removed) due date ends the waiting jobs of the old one; the same date keeps them.
      await repo.cancelCareWaiting([record.recordId], 'due_date_changed', {
        keep: record.nextDueDate ? dueDateKey(record.nextDueDate) : undefined,
      });
      await schedule(record);
    } else if (e.type === 'medical_record.deleted') {
      const p = RecordPayload.safeParse(e.payload);
      if (!p.success) continue;
      await repo.deleteCareRecord(p.data.recordId, p.data.ownerId);
      await repo.cancelCareWaiting([p.data.recordId], 'record_deleted');
    } else if (e.type === 'pet.renamed') {
      const p = RenamePayload.safeParse(e.payload);
      if (p.success) await repo.renameCarePet(p.data.ownerId, p.data.petId, p.data.petName);
    } else if (e.type === 'pet.deleted' || e.type === 'pet.restored') {
      const p = PetPayload.safeParse(e.payload);
      if (!p.success) continue;
      const deleted = e.type === 'pet.deleted';
      const records = await repo.setCarePetDeleted(p.data.ownerId, p.data.petId, deleted);
      if (deleted)
        await repo.cancelCareWaiting(
          records.map((r) => r.recordId),
          'pet_deleted',
        );
      else for (const r of records) await schedule(r);
    } else if (e.type === 'preferences.care_changed') {
      // New offsets, zone or channels: the reminders still ahead end and the owner's records are
      // scheduled again from the preferences as they are now, for the times still ahead. A reminder
      // already due stays with the worker (waiting for its turn or a retry; the channel is re-checked
      // at send time), and a time already passed is not scheduled anew.
      const p = OwnerPayload.safeParse(e.payload);
      if (!p.success) continue;
      prefs.delete(p.data.ownerId);
      const records = await repo.listLiveCareRecords(p.data.ownerId);
      await repo.cancelCareWaiting(
        records.map((r) => r.recordId),
        'preferences_changed',
        { dueAfter: new Date((care.now ?? Date.now)()) },
      );
      for (const r of records) await schedule(r, { aheadOnly: true });
    }
  }
}

/** Starts following the user feed; returns the stop function (for ctx.onClose). */
export function followUserEvents(deps: {
  db: Kysely<DB>;
  client: ServiceClient;
  recipients: RecipientDirectory;
  log: Logger;
  intervalMs: number;
  hour: number;
}): () => Promise<void> {
  const care: CareScheduling = {
    hour: deps.hour,
    preferences: async (ownerId) => (await deps.recipients.preferences(ownerId)).care,
  };
  return startFeedConsumer({
    db: deps.db,
    client: deps.client,
    source: 'user',
    log: deps.log,
    intervalMs: deps.intervalMs,
    handle: (events, trx) => applyUserEvents(events, trx, care),
  });
}
