/**
 * Phone numbers as users in Indonesia type them, normalised to E.164 (`+62…`):
 * `0812-3456-7890`, `+62 812 3456 7890`, `62812…`, `(021) 555 1234`, `812…` (mobile without the 0),
 * and the international prefix `0062…`. Numbers of other countries are accepted only in `+` form.
 */

// Indonesian national significant numbers (without the trunk 0) are 8 to 12 digits:
// mobile 8xx-xxxx-xxx(x)(x), landline area code 2-3 digits + 5-8 digits.
const ID_NSN = /^[1-9]\d{7,11}$/;
// E.164 allows at most 15 digits including the country code.
const FOREIGN_E164 = /^\+[1-9]\d{6,14}$/;

/** The E.164 form of `input`, or undefined when it is not a phone number we understand. */
export function normalisePhone(input: string): string | undefined {
  const trimmed = input.trim();
  if (!/^[+\d\s().-]+$/.test(trimmed) || (trimmed.match(/\+/g)?.length ?? 0) > 1 || trimmed.indexOf('+') > 0)
    return undefined;
  const hasPlus = trimmed.startsWith('+');
  let digits = trimmed.replace(/\D/g, '');
  if (hasPlus) {
    if (digits.startsWith('62')) return ID_NSN.test(digits.slice(2)) ? `+${digits}` : undefined;
    return FOREIGN_E164.test(`+${digits}`) ? `+${digits}` : undefined;
  }
  if (digits.startsWith('0062')) digits = digits.slice(4);
  else if (digits.startsWith('62') && digits.length >= 10) digits = digits.slice(2);
  else if (digits.startsWith('0')) digits = digits.slice(1);
  // Without any prefix only a mobile number (8…) is unambiguous.
  else if (!digits.startsWith('8')) return undefined;
  return ID_NSN.test(digits) ? `+62${digits}` : undefined;
}
