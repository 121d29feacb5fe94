import type { FieldError } from '@petpro/kit';
import { DUE_DATE_TYPES, type RecordFields } from './medical-records.repository.ts';

/** Rules across fields of a whole record (checked after a patch is merged too): the errors, or none. */
export function recordProblems(r: Pick<RecordFields, 'type' | 'date' | 'nextDueDate'>): FieldError[] {
  const errors: FieldError[] = [];
  if (r.nextDueDate !== null) {
    if (!DUE_DATE_TYPES.includes(r.type))
      errors.push({
        field: 'nextDueDate',
        message: `only ${DUE_DATE_TYPES.join(' and ')} records have a next due date`,
        code: 'not_allowed',
      });
    else if (r.nextDueDate < r.date)
      errors.push({ field: 'nextDueDate', message: 'must not be before date', code: 'too_small' });
  }
  return errors;
}
