import { BadRequestError } from '@petpro/kit';

/** An opaque cursor for keyset pagination: the sort key of the last item, base64url JSON. */
export function encodeCursor(key: Record<string, string | number>): string {
  return Buffer.from(JSON.stringify(key), 'utf8').toString('base64url');
}

const UUID_RE = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** Decodes a cursor, checking each named field's type (`uuid` is a string shaped as one); 400 `invalid_cursor` otherwise. */
export function decodeCursor<K extends Record<string, 'string' | 'number' | 'uuid'>>(cursor: string, shape: K): { [F in keyof K]: K[F] extends 'number' ? number : string } {
  let value: unknown;
  try {
    value = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw new BadRequestError('invalid_cursor', 'The cursor is not valid');
  }
  if (!value || typeof value !== 'object') throw new BadRequestError('invalid_cursor', 'The cursor is not valid');
  const obj = value as Record<string, unknown>;
  for (const [field, type] of Object.entries(shape)) {
    const v = obj[field];
    const ok = type === 'uuid' ? typeof v === 'string' && UUID_RE.test(v) : typeof v === type && (type !== 'number' || Number.isFinite(v));
    if (!ok) throw new BadRequestError('invalid_cursor', 'The cursor is not valid');
  }
  return obj as { [F in keyof K]: K[F] extends 'number' ? number : string };
}
