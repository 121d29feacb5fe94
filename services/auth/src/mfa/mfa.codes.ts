import { randomInt } from 'node:crypto';
import { Secret, TOTP } from 'otpauth';

/** RFC 6238 as every authenticator app reads it: SHA-1, 6 digits, 30-second steps. */
const TOTP_PARAMS = { algorithm: 'SHA1', digits: 6, period: 30 } as const;
/** Codes of the step before and after the current one pass too (clock drift, typing time). */
export const TOTP_WINDOW = 1;

/** A new authenticator secret: 160 random bits (RFC 4226's recommendation), in base32. */
export function newTotpSecret(): string {
  return new Secret({ size: 20 }).base32;
}

/** The `otpauth://` URI an authenticator app scans. */
export function totpUri(secret: string, label: string, issuer: string): string {
  return new TOTP({ ...TOTP_PARAMS, issuer, label, secret: Secret.fromBase32(secret) }).toString();
}

/**
 * The time step `code` belongs to (within ±TOTP_WINDOW of `now`), or null when it matches none. The
 * caller accepts it only when the step is later than the last one accepted, so a code works once.
 */
export function totpStepOf(secret: string, code: string, now = Date.now()): number | null {
  if (!/^\d{6}$/.test(code)) return null;
  const totp = new TOTP({ ...TOTP_PARAMS, secret: Secret.fromBase32(secret) });
  const delta = totp.validate({ token: code, timestamp: now, window: TOTP_WINDOW });
  return delta === null ? null : totp.counter({ timestamp: now }) + delta;
}

/** A texted code: 6 random digits. */
export function newSmsCode(): string {
  return String(randomInt(0, 1_000_000)).padStart(6, '0');
}

// Crockford's base32: no I, L, O or U, so a code read aloud or copied by hand survives.
const BACKUP_ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const BACKUP_LENGTH = 12; // 60 random bits each
export const BACKUP_CODE_COUNT = 10;

/** A new set of backup codes, shown once, formatted `XXXX-XXXX-XXXX`. */
export function newBackupCodes(count = BACKUP_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const raw = Array.from({ length: BACKUP_LENGTH }, () => BACKUP_ALPHABET[randomInt(BACKUP_ALPHABET.length)]).join(
      '',
    );
    return raw.match(/.{4}/g)!.join('-');
  });
}

/**
 * The canonical form of a typed backup code (case, dashes and spaces ignored, Crockford's look-alikes
 * mapped), or null when it cannot be one. The stored hash is of this form.
 */
export function normaliseBackupCode(input: string): string | null {
  const s = input.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (s.length !== BACKUP_LENGTH) return null;
  for (const c of s) if (!BACKUP_ALPHABET.includes(c)) return null;
  return s;
}
