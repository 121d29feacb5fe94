import { z } from './api-router.ts';
import { BadRequestError } from './errors.ts';

/**
 * What a cursor field may hold; each is checked so nothing PostgreSQL cannot compare (or chokes on)
 * reaches SQL. Numbers always carry their range: a cursor is a position in a page the service wrote,
 * so a value outside what the service could have written is a forgery (a negative distance, a tier
 * that does not exist), refused before it can make a slow or failing query.
 */
export type CursorField =
  | 'string'
  | 'uuid'
  | 'instant'
  | 'date'
  | { type: 'number'; min: number; max: number; integer?: boolean };
type FieldValue<T extends CursorField> = T extends { type: 'number' } ? number : string;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
/** An ISO 8601 instant as the services write it: date, time, optional fraction (PostgreSQL keeps 6 digits), offset. */
const INSTANT_RE = /^(\d{4})-(\d{2})-(\d{2})T(\d{2}):(\d{2}):(\d{2})(?:\.\d{1,6})?(?:Z|[+-](\d{2}):(\d{2}))$/;
/** C0 and C1 control characters and DEL: a NUL made PostgreSQL fail with a 500, the others are never in a name. */
const CONTROL_RE = /[\u0000-\u001f\u007f-\u009f]/;
/** Longer than any name or key a service pages by. */
const MAX_STRING_LENGTH = 1_000;

/** Makes an opaque keyset cursor (base64url JSON) from the sort key of the last item of a page. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

/** A real calendar day in years 0001-9999 (2026-02-30 made a 500). */
function isCalendarDate(y: number, m: number, d: number): boolean {
  if (y < 1 || y > 9999) return false;
  const at = new Date(0);
  at.setUTCFullYear(y, m - 1, d);
  return at.getUTCFullYear() === y && at.getUTCMonth() === m - 1 && at.getUTCDate() === d;
}

function isInstant(v: string): boolean {
  const m = INSTANT_RE.exec(v);
  if (!m) return false;
  const [y, mo, d, h, mi, s, oh, om] = m.slice(1).map((x) => (x === undefined ? 0 : Number(x))) as number[];
  if (!isCalendarDate(y!, mo!, d!) || h! > 23 || mi! > 59 || s! > 59 || oh! > 15 || om! > 59) return false;
  // The instant itself must fall in a year PostgreSQL and JavaScript agree on.
  const year = new Date(v).getUTCFullYear();
  return year >= 1 && year <= 9999;
}

function valid(field: CursorField, v: unknown): boolean {
  if (typeof field === 'object')
    return (
      typeof v === 'number' &&
      Number.isFinite(v) &&
      v >= field.min &&
      v <= field.max &&
      (!field.integer || Number.isInteger(v))
    );
  switch (field) {
    case 'string':
      return typeof v === 'string' && v.length <= MAX_STRING_LENGTH && !CONTROL_RE.test(v) && v.isWellFormed();
    case 'uuid': // 36 dashes made a 500
      return typeof v === 'string' && UUID_RE.test(v);
    case 'instant': // not anything `new Date()` accepts: only what the services write
      return typeof v === 'string' && isInstant(v);
    case 'date': {
      const m = typeof v === 'string' ? /^(\d{4})-(\d{2})-(\d{2})$/.exec(v) : null;
      return m !== null && isCalendarDate(Number(m[1]), Number(m[2]), Number(m[3]));
    }
  }
}

/**
 * Reads a cursor a client sent back, checking each named field against its type and range;
 * anything this service could not have written is a 400 `invalid_cursor` naming `query.cursor`,
 * never a 500.
 */
export function decodeCursor<K extends Record<string, CursorField>>(
  cursor: string,
  shape: K,
): { [F in keyof K]: FieldValue<K[F]> } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    value = undefined;
  }
  const obj =
    value && typeof value === 'object' && !Array.isArray(value) ? (value as Record<string, unknown>) : undefined;
  if (!obj || !Object.entries(shape).every(([field, type]) => valid(type, obj[field]))) {
    throw new BadRequestError('invalid_cursor', 'The cursor is not valid', [
      { field: 'query.cursor', message: 'is not a cursor from a previous page', code: 'invalid_cursor' },
    ]);
  }
  return obj as { [F in keyof K]: FieldValue<K[F]> };
}

/**
 * Cuts a `limit + 1` fetch into a page and the cursor of the next one: the extra row only says that
 * more follow; the cursor is the sort key of the page's last item (`keyOf`), read back by decodeCursor.
 */
export function toPage<T>(
  rows: T[],
  limit: number,
  keyOf: (last: T) => Record<string, string | number>,
): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** The response schema of a page of `item` (what toPage returns, items mapped to their view). */
export const pageOf = <T extends z.ZodType>(item: T) =>
  z.object({ items: z.array(item), nextCursor: z.string().nullable() });

/** `limit` (1-100, default 20) and `cursor` as a list endpoint takes them: spread into its query schema. */
export const pageQuery = {
  limit: z.coerce
    .number({ error: 'must be a whole number' })
    .int('must be a whole number')
    .min(1, 'must be at least 1')
    .max(100, 'must be at most 100')
    .default(20),
  cursor: z.string().max(500).optional(),
};
