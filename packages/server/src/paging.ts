/**
 * Opaque keyset cursors: base64url of a small JSON array of the last row's sort key. A cursor the
 * server did not produce (wrong shape, wrong types, garbage) is `API_ERR_BAD_CURSOR`; it never
 * reaches SQL unchecked, and it cannot widen what a caller sees (the county filter is applied
 * independently).
 *
 * @example
 * ```ts
 * const next = encodeCursor(['2026-03-01T00:00:00.000Z', caseId]);
 * const [at, id] = decodeCursor(next, ['date', 'uuid']);
 * ```
 */
import { apiError } from './errors.js';

/** The type of one cursor element. */
export type CursorPart = 'date' | 'uuid' | 'int' | 'string' | 'nullable-date';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;
const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Encodes a sort key as a cursor. */
export function encodeCursor(parts: ReadonlyArray<string | number | null>): string {
  return Buffer.from(JSON.stringify(parts)).toString('base64url');
}

/** Decodes and checks a cursor against the expected shape. */
export function decodeCursor(cursor: string, shape: readonly CursorPart[]): Array<string | number | null> {
  if (cursor.length > 512 || !/^[A-Za-z0-9_-]+$/.test(cursor)) throw apiError('API_ERR_BAD_CURSOR');
  let parsed: unknown;
  try {
    parsed = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw apiError('API_ERR_BAD_CURSOR');
  }
  if (!Array.isArray(parsed) || parsed.length !== shape.length) throw apiError('API_ERR_BAD_CURSOR');
  return shape.map((kind, i) => {
    const v: unknown = parsed[i];
    switch (kind) {
      case 'date':
        if (typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v))) return v;
        break;
      case 'nullable-date':
        if (v === null || (typeof v === 'string' && ISO.test(v) && !Number.isNaN(Date.parse(v)))) return v;
        break;
      case 'uuid':
        if (typeof v === 'string' && UUID.test(v)) return v;
        break;
      case 'int':
        if (typeof v === 'number' && Number.isSafeInteger(v)) return v;
        break;
      case 'string':
        if (typeof v === 'string' && v.length <= 200) return v;
        break;
    }
    throw apiError('API_ERR_BAD_CURSOR');
  });
}
