import { createHash } from 'node:crypto';

/** Header of POST /bookings that makes retries safe. */
export const IDEMPOTENCY_HEADER = 'idempotency-key';

const KEY_RE = /^[\x21-\x7e]{1,255}$/;

/** True for a usable key: 1-255 visible ASCII characters (UUIDs, ULIDs, random strings). */
export function isValidIdempotencyKey(key: string): boolean {
  return KEY_RE.test(key);
}

/** Stable JSON: object keys sorted, null and undefined members dropped (an absent field and null mean the same). */
export function canonicalJson(value: unknown): string {
  if (Array.isArray(value)) return `[${value.map((v) => canonicalJson(v ?? null)).join(',')}]`;
  if (value !== null && typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined && v !== null)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The fingerprint that tells a retry (same body) from a reuse of the key for another request. */
export function requestHash(body: unknown): string {
  return createHash('sha256').update(canonicalJson(body)).digest('hex');
}
