import { DateTime } from 'luxon';

/** Age in completed years and months on `today` (YYYY-MM-DD, the owner's date) for a birth date; null without one. */
export function deriveAge(
  birthDate: string | null,
  today: string,
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
export function birthDateFromEstimatedAge(years: number, today: string): string {
  const months = Math.round(years * 12);
  return DateTime.fromISO(today, { zone: 'utc' }).minus({ months }).toISODate()!;
}
