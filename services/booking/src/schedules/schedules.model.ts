/**
 * Schedule records as the service works with them (never rows), the default booking policy, and the
 * expansion of weekly recurring blocks into the instants the availability engine takes.
 */
import { DateTime } from 'luxon';
import type { BlockedTime } from '../availability/availability.engine.ts';
import type { ScheduleRule } from '../availability/local-days.ts';

/** A stored weekly rule. */
export interface RuleRecord extends ScheduleRule {
  id: string;
  staffId: string | null;
  validFrom: string | null;
  validUntil: string | null;
}

/** A stored block; `recurrence` repeats [start, end) every week at the same local times. */
export interface BlockRecord {
  id: string;
  clinicId: string;
  staffId: string | null;
  start: Date;
  end: Date;
  reason: string;
  recurrence: { weekly: true; until: string | null } | null;
  createdBy: string;
  createdAt: Date;
}

/** A clinic's booking policy. */
export interface PolicyRecord {
  minNoticeMinutes: number;
  maxAdvanceDays: number;
  cancellationCutoffMinutes: number;
  slotStepMinutes: number;
  /** The clinic's agenda of the day mailed to its owner at 07:00 in its zone. */
  dailyAgendaMail: boolean;
}

/** The policy of a clinic that never saved one (the API's documented defaults). */
export const DEFAULT_POLICY: Readonly<PolicyRecord> = Object.freeze({
  minNoticeMinutes: 60,
  maxAdvanceDays: 90,
  cancellationCutoffMinutes: 120,
  slotStepMinutes: 15,
  dailyAgendaMail: true,
});

/**
 * The blocked intervals that touch [windowStart, windowEnd). A weekly block's occurrences are computed
 * in the clinic's zone with calendar arithmetic, so "Fridays 12:00-13:00" stays at 12:00 local across a
 * DST change; `until` is the last local date an occurrence may start on.
 */
export function expandBlocks(
  blocks: readonly BlockRecord[],
  zone: string,
  windowStart: number,
  windowEnd: number,
): BlockedTime[] {
  const out: BlockedTime[] = [];
  for (const b of blocks) {
    const start = b.start.getTime();
    const end = b.end.getTime();
    if (!b.recurrence) {
      if (end > windowStart && start < windowEnd) out.push({ staffId: b.staffId, start, end });
      continue;
    }
    const localStart = DateTime.fromMillis(start, { zone });
    const localEnd = DateTime.fromMillis(end, { zone });
    // Start a week early: DST can shift an occurrence by an hour against the elapsed-time estimate.
    const skip = Math.max(0, Math.floor((windowStart - end) / (7 * 86_400_000)) - 1);
    for (let week = skip; ; week++) {
      const s = localStart.plus({ weeks: week });
      if (s.toMillis() >= windowEnd) break;
      if (b.recurrence.until !== null && s.toISODate()! > b.recurrence.until) break;
      const e = localEnd.plus({ weeks: week }).toMillis();
      if (e > windowStart) out.push({ staffId: b.staffId, start: s.toMillis(), end: e });
    }
  }
  return out;
}
