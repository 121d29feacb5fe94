import { dictionary } from '@zxcvbn-ts/language-common';
import type { FieldError } from '@petpro/kit';

/** OWASP ASVS: at least 8 characters, at least 64 allowed (we allow 128), no composition rules. */
export const PASSWORD_MIN = 8;
export const PASSWORD_MAX = 128;

// The ~49,000 most common passwords, shipped inside @zxcvbn-ts/language-common (no download at run time).
const COMMON = new Set((dictionary['passwords-common'] as string[]).map((p) => p.toLowerCase()));

/** The reasons a new password is refused, as field errors on `field` (empty when it is acceptable). */
export function checkPassword(
  password: string,
  context: { email?: string; name?: string } = {},
  field = 'password',
): FieldError[] {
  const length = [...password.normalize('NFC')].length;
  if (length < PASSWORD_MIN)
    return [{ field, code: 'password_too_short', message: `Use at least ${PASSWORD_MIN} characters` }];
  if (length > PASSWORD_MAX)
    return [{ field, code: 'password_too_long', message: `Use at most ${PASSWORD_MAX} characters` }];
  const lower = password.toLowerCase();
  if (COMMON.has(lower))
    return [
      { field, code: 'password_too_common', message: 'This password is among the most common ones; choose another' },
    ];
  if (
    context.email &&
    (lower === context.email.toLowerCase() || lower === context.email.split('@')[0]?.toLowerCase())
  ) {
    return [{ field, code: 'password_matches_email', message: 'The password must not be your email address' }];
  }
  return [];
}

/** Case- and whitespace-normalised email address (the form stored and compared). */
export function normaliseEmail(email: string): string {
  return email.normalize('NFC').trim().toLowerCase();
}
