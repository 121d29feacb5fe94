import { z } from '@petpro/kit';

/** A trimmed single-line text field of 1..max characters. */
export const line = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !/[\u0000-\u001f\u007f]/.test(v), 'must be a single line of text');

/** A trimmed multi-line text field of 1..max characters (control characters other than newlines and tabs refused). */
export const text = (max: number) =>
  z
    .string()
    .trim()
    .min(1, 'must not be empty')
    .max(max, `must be at most ${max} characters`)
    .refine((v) => !/[\u0000-\u0008\u000b\u000c\u000e-\u001f\u007f]/.test(v), 'must not contain control characters');

/** The ID of a resource in a path. */
export const IdParam = z.uuid({ error: 'must be a UUID' });
