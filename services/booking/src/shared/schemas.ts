/** Zod pieces shared by the booking service's endpoints. */
import { localEndTimeString, localTimeString, z } from '@petpro/kit';

/** A local wall-clock time `HH:MM` (24 h). */
export const LocalTime = localTimeString().openapi({ example: '09:00' });
/** A local end time: `HH:MM` or `24:00` (until midnight). */
export const LocalEndTime = localEndTimeString().openapi({ example: '17:00' });
/**
 * Years a date or instant may fall in. PostgreSQL has no year 0 (`0000-01-01` made a 500), and before
 * the 20th century zones had local mean time offsets of fractional minutes that no ISO offset can carry.
 */
const MIN_YEAR = '1970';
const MAX_YEAR = '9999';
const inYears = (v: string) => !/^\d{4}/.test(v) || (v.slice(0, 4) >= MIN_YEAR && v.slice(0, 4) <= MAX_YEAR);
const YEARS_MESSAGE = `must be between the years ${MIN_YEAR} and ${MAX_YEAR}`;
/** A calendar date `YYYY-MM-DD`. */
export const LocalDate = z.iso
  .date({ error: 'must be a date YYYY-MM-DD' })
  .refine(inYears, YEARS_MESSAGE)
  .openapi({ example: '2027-05-03' });
/** An instant with an explicit offset (`Z` or `+07:00`). */
export const Instant = z.iso
  .datetime({ offset: true, error: 'must be an ISO 8601 date-time with an offset' })
  .refine(inYears, YEARS_MESSAGE)
  .openapi({ example: '2027-05-03T09:00:00+07:00' });
/** A clinic-local date or an instant. */
export const DateOrInstant = z.union([LocalDate, Instant], {
  error: 'must be a date YYYY-MM-DD or an ISO 8601 date-time with an offset',
});

export const Uuid = z.uuid({ error: 'must be a UUID' });

export const ClinicParams = z.object({ clinicId: Uuid });
