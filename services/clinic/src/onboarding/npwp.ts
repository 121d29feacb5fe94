/**
 * Indonesian tax ids (NPWP). Two forms are in use: the classic 15 digits, usually written
 * `01.234.567.8-901.000`, and the 16-digit form introduced in 2024 (for individuals, the NIK).
 * Accepted: 15 or 16 plain digits, or exactly the dotted 15-digit layout. Stored as digits only.
 */
const DOTTED_15 = /^\d{2}\.\d{3}\.\d{3}\.\d-\d{3}\.\d{3}$/;
const PLAIN = /^(\d{15}|\d{16})$/;

/** The NPWP as digits only, or undefined when the input is not a valid NPWP. */
export function normaliseNpwp(input: string): string | undefined {
  const value = input.trim();
  let digits: string;
  if (PLAIN.test(value)) digits = value;
  else if (DOTTED_15.test(value)) digits = value.replace(/[.-]/g, '');
  else return undefined;
  // A run of one repeated digit is a placeholder, not a registration.
  if (/^(\d)\1+$/.test(digits)) return undefined;
  return digits;
}

/** Writes a 15-digit NPWP in its usual dotted layout; 16-digit ones are shown as they are. */
export function formatNpwp(digits: string): string {
  if (digits.length !== 15) return digits;
  return (
    `${digits.slice(0, 2)}.${digits.slice(2, 5)}.${digits.slice(5, 8)}.` +
    `${digits.slice(8, 9)}-${digits.slice(9, 12)}.${digits.slice(12)}`
  );
}
