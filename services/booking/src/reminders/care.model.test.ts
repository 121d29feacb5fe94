import { DateTime } from 'luxon';
import { describe, expect, it } from 'vitest';
import { careJobs, careStillApplies, dueDateKey, type CarePreferences, type CareRecord } from './care.model.ts';

const ZONE = 'Asia/Makassar';
const prefs: CarePreferences = { offsetsDays: [14, 1], channels: ['email', 'sms'], timeZone: ZONE };
/** 2026-12-04 10:30 in Makassar (UTC+8). */
const NOW = DateTime.fromISO('2026-12-04T10:30', { zone: ZONE }).toMillis();
const at = (iso: string) => DateTime.fromISO(iso, { zone: ZONE }).toJSDate();

describe('careJobs', () => {
  it('puts each offset at the local hour on due date minus the offset, per channel', () => {
    const jobs = careJobs('2026-12-30', prefs, 9, NOW);
    expect(jobs).toEqual([
      { offsetMinutes: 20160, channel: 'email', dueAt: at('2026-12-16T09:00') },
      { offsetMinutes: 20160, channel: 'sms', dueAt: at('2026-12-16T09:00') },
      { offsetMinutes: 1440, channel: 'email', dueAt: at('2026-12-29T09:00') },
      { offsetMinutes: 1440, channel: 'sms', dueAt: at('2026-12-29T09:00') },
    ]);
  });

  it('sends a passed offset at once while the due date is ahead: one, the nearest to the due date', () => {
    // Due in 14 days and 09:00 has passed today: the 14-day reminder goes now.
    expect(careJobs('2026-12-18', { ...prefs, channels: ['email'] }, 9, NOW)).toEqual([
      { offsetMinutes: 1440, channel: 'email', dueAt: at('2026-12-17T09:00') },
      { offsetMinutes: 20160, channel: 'email', dueAt: new Date(NOW) },
    ]);
    // Due today: both offsets passed, one reminder now.
    expect(careJobs('2026-12-04', { ...prefs, channels: ['email'] }, 9, NOW)).toEqual([
      { offsetMinutes: 1440, channel: 'email', dueAt: new Date(NOW) },
    ]);
  });

  it('asks for nothing for a past due date, no channel, or offsets out of range', () => {
    expect(careJobs('2026-12-03', prefs, 9, NOW)).toEqual([]);
    expect(careJobs('2026-12-30', { ...prefs, channels: [] }, 9, NOW)).toEqual([]);
    expect(careJobs('2026-12-30', { ...prefs, offsetsDays: [0, 91, 1.5] }, 9, NOW)).toEqual([]);
  });
});

describe('careStillApplies', () => {
  const record: CareRecord = {
    recordId: '0193a0f0-0000-7000-8000-000000000001',
    ownerId: '0193a0f0-0000-7000-8000-0000000000aa',
    petId: '0193a0f0-0000-7000-8000-0000000000bb',
    petName: 'Milo',
    type: 'vaccination',
    title: 'Rabies',
    nextDueDate: '2026-12-18',
    petDeleted: false,
  };
  const job = { ownerId: record.ownerId, start: dueDateKey('2026-12-18') };
  it('holds for the same record, owner and due date with the pet there', () => {
    expect(careStillApplies(job, record)).toEqual({ ok: true });
  });
  it('fails when the record is gone, another owner’s, moved, cleared, or its pet deleted', () => {
    expect(careStillApplies(job, undefined)).toEqual({ ok: false, reason: 'record_deleted' });
    expect(careStillApplies({ ...job, ownerId: record.petId }, record)).toEqual({
      ok: false,
      reason: 'record_deleted',
    });
    expect(careStillApplies(job, { ...record, nextDueDate: '2026-12-19' })).toMatchObject({ reason: 'due_date_moved' });
    expect(careStillApplies(job, { ...record, nextDueDate: null })).toMatchObject({ reason: 'due_date_moved' });
    expect(careStillApplies(job, { ...record, petDeleted: true })).toMatchObject({ reason: 'pet_deleted' });
  });
});
