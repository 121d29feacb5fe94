import { BadRequestError } from './errors.ts';

/** What a cursor field may hold; each is checked so nothing PostgreSQL cannot compare reaches SQL. */
export type CursorFieldType = 'string' | 'number' | 'uuid' | 'instant' | 'date';
type FieldValue<T extends CursorFieldType> = T extends 'number' ? number : string;

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Makes an opaque keyset cursor (base64url JSON) from the sort key of the last item of a page. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

function valid(type: CursorFieldType, v: unknown): boolean {
  switch (type) {
    case 'number':
      return typeof v === 'number' && Number.isFinite(v);
    case 'string':
      return typeof v === 'string';
    case 'uuid': // 36 dashes made a 500
      return typeof v === 'string' && UUID_RE.test(v);
    case 'instant': {
      // an ISO instant in a year PostgreSQL knows
      if (typeof v !== 'string') return false;
      const at = new Date(v);
      const year = at.getUTCFullYear();
      return Number.isFinite(at.getTime()) && year >= 1 && year <= 9999;
    }
    case 'date': {
      // a real calendar date YYYY-MM-DD (2026-02-30 made a 500)
      if (typeof v !== 'string' || !/^\d{4}-\d{2}-\d{2}$/.test(v) || v < '0001-01-01') return false;
      const at = new Date(`${v}T00:00:00Z`);
      return Number.isFinite(at.getTime()) && at.toISOString().slice(0, 10) === v;
    }
  }
}

/**
 * Reads a cursor a client sent back, checking each named field against its type; anything this
 * service could not have written is a 400 `invalid_cursor` naming `query.cursor`, never a 500.
 */
export function decodeCursor<K extends Record<string, CursorFieldType>>(
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
