import { BadRequestError } from '@petpro/kit';

/** Position after the last item of a page ordered by (start, id). */
export interface Cursor {
  start: Date;
  id: string;
}

/** Opaque to clients: base64url of the position, so the order's columns can change without breaking them. */
export function encodeCursor(c: Cursor): string {
  return Buffer.from(JSON.stringify({ s: c.start.toISOString(), i: c.id })).toString('base64url');
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Reads a cursor from a client; 400 `invalid_cursor` for anything this service did not make. */
export function decodeCursor(value: string): Cursor {
  try {
    const parsed = JSON.parse(Buffer.from(value, 'base64url').toString('utf8')) as { s?: unknown; i?: unknown };
    const start = typeof parsed.s === 'string' ? new Date(parsed.s) : undefined;
    // Only what the database can compare: a real UUID (36 dashes made a 500) and a year PostgreSQL knows.
    const year = start?.getUTCFullYear();
    if (start && year !== undefined && year >= 1 && year <= 9999 && typeof parsed.i === 'string' && UUID_RE.test(parsed.i)) return { start, id: parsed.i };
  } catch {
    // fall through
  }
  throw new BadRequestError('invalid_cursor', 'The cursor is not valid', [{ field: 'cursor', message: 'is not a cursor from a previous page', code: 'invalid_cursor' }]);
}
