/**
 * Canonical JSON: object keys sorted by UTF-16 code units, no whitespace, `undefined` members
 * dropped, `Date` as ISO 8601. Two equal values always give the same text, so it is what the
 * store hashes (deployment ids, audit chain, idempotency request hashes).
 */
import { createHash } from 'node:crypto';

/**
 * Canonical JSON text of `value`.
 *
 * @example
 * ```ts
 * canonicalJson({ b: 1, a: [true, null] }) === '{"a":[true,null],"b":1}';
 * ```
 */
export function canonicalJson(value: unknown): string {
  return JSON.stringify(normalise(value));
}

function normalise(value: unknown): unknown {
  if (value instanceof Date) return value.toISOString();
  if (Array.isArray(value)) return value.map((v) => (v === undefined ? null : normalise(v)));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const k of Object.keys(value).sort()) {
      const v = (value as Record<string, unknown>)[k];
      if (v !== undefined) out[k] = normalise(v);
    }
    return out;
  }
  if (typeof value === 'number' && !Number.isFinite(value))
    throw new TypeError('canonical JSON: non-finite number');
  if (typeof value === 'bigint') return value.toString();
  return value;
}

/** sha256 hex of a string (UTF-8). */
export function sha256Hex(text: string | Uint8Array): string {
  return createHash('sha256').update(text).digest('hex');
}
