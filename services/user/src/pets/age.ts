import { DateTime } from 'luxon';
import { HOME_ZONE, todayIn } from '../shared/dates.ts';

/** Age in completed years and months on `today` (YYYY-MM-DD) for a birth date; null without one. */
export function deriveAge(
  birthDate: string | null,
  today: string = todayIn(HOME_ZONE),
): { ageYears: number | null; ageMonths: number | null } {
  if (!birthDate) return { ageYears: null, ageMonths: null };
  const born = DateTime.fromISO(birthDate, { zone: 'utc' });
  const now = DateTime.fromISO(today, { zone: 'utc' });
  if (!born.isValid || !now.isValid || born > now) return { ageYears: 0, ageMonths: 0 };
  // Calendar months, clamped at month ends (Luxon): a pet born on 29 February turns a year older on 28 February.
  const months = Math.floor(now.diff(born, 'months').months);
  return { ageYears: Math.floor(months / 12), ageMonths: months };
}

/**
 * The birth date implied by an estimated age ("about 3 years", "about 0.5 years"): the age is
 * rounded to whole months and counted back from `today`.
 */
export function birthDateFromEstimatedAge(years: number, today: string = todayIn(HOME_ZONE)): string {
  const months = Math.round(years * 12);
  return DateTime.fromISO(today, { zone: 'utc' }).minus({ months }).toISODate()!;
}
