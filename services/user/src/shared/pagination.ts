import { z } from '@petpro/kit';

/** `limit` and `cursor` as every list takes them. */
export const PageQuery = {
  limit: z.coerce.number({ error: 'must be a whole number' }).int('must be a whole number').min(1, 'must be at least 1').max(100, 'must be at most 100').default(20),
  cursor: z.string().max(500).optional(),
};

/** Makes an opaque cursor from the sort key of the last item returned. */
export function encodeCursor(values: Array<string | number>): string {
  return Buffer.from(JSON.stringify(values)).toString('base64url');
}

/**
 * Reads a cursor back into its sort key; undefined when it was not made by encodeCursor with this
 * shape (the caller turns that into a 400 naming `cursor`).
 */
export function decodeCursor(cursor: string, shape: Array<'string' | 'number'>): Array<string | number> | undefined {
  try {
    const values: unknown = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
    if (!Array.isArray(values) || values.length !== shape.length) return undefined;
    return values.every((v, i) => typeof v === shape[i]) ? (values as Array<string | number>) : undefined;
  } catch {
    return undefined;
  }
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True for a UUID: a cursor's id is compared in SQL, where anything else (36 dashes) made a 500. */
export function isCursorId(value: unknown): value is string {
  return typeof value === 'string' && UUID_RE.test(value);
}

/** True for an ISO instant PostgreSQL can hold (a year it knows); anything else in a cursor made a 500. */
export function isCursorInstant(value: unknown): value is string {
  if (typeof value !== 'string') return false;
  const at = new Date(value);
  const year = at.getUTCFullYear();
  return Number.isFinite(at.getTime()) && year >= 1 && year <= 9999;
}

/** True for a real calendar date YYYY-MM-DD (2026-02-30 in a cursor made a 500). */
export function isCursorDate(value: unknown): value is string {
  if (typeof value !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(value) || value < '0001-01-01') return false;
  const at = new Date(`${value}T00:00:00Z`);
  return Number.isFinite(at.getTime()) && at.toISOString().slice(0, 10) === value;
}

/** Cuts a `limit + 1` fetch into a page and the cursor of the next one. */
export function toPage<T>(rows: T[], limit: number, keyOf: (last: T) => Array<string | number>): { items: T[]; nextCursor: string | null } {
  const items = rows.slice(0, limit);
  const last = items[items.length - 1];
  return { items, nextCursor: rows.length > limit && last !== undefined ? encodeCursor(keyOf(last)) : null };
}

/** The response schema of a list of `item`. */
export const pageOf = <T extends z.ZodType>(item: T) => z.object({ items: z.array(item), nextCursor: z.string().nullable() });
