import { decodeCursor as decodeKey, encodeCursor as encodeKey } from '@petpro/kit';

/** Position after the last item of a page ordered by (start, id). */
export interface Cursor {
  start: Date;
  id: string;
}

/** Opaque to clients (the kit's keyset cursor), so the order's columns can change without breaking them. */
export function encodeCursor(c: Cursor): string {
  return encodeKey({ s: c.start.toISOString(), i: c.id });
}

/** Reads a cursor from a client; 400 `invalid_cursor` for anything this service did not make. */
export function decodeCursor(value: string): Cursor {
  const { s, i } = decodeKey(value, { s: 'instant', i: 'uuid' });
  return { start: new Date(s), id: i };
}
