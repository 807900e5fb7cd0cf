/**
 * Masking of sensitive values (`x-sensitive`) for roles that may not see them.
 */
import type { SensitiveKind } from './definition.js';

/**
 * Masks one value. Strings by kind: ID number keeps the first 6 and last 4 characters
 * (`110101********1234`), phone the first 3 and last 4 (`138****5678`), a name its first character
 * (`张**`), an address its first 6 characters; other text becomes `****`. Objects and arrays are
 * masked leaf by leaf; numbers and booleans become `null`.
 *
 * @example
 * ```ts
 * maskValue('11010519491231002X', 'idcard'); // '110105********002X'
 * ```
 */
export function maskValue(value: unknown, kind: SensitiveKind): unknown {
  if (typeof value === 'string') return maskString(value, kind);
  if (Array.isArray(value)) return value.map((v) => maskValue(v, 'text'));
  if (value !== null && typeof value === 'object') {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(value)) out[k] = maskValue(v, 'text');
    return out;
  }
  return value === undefined ? undefined : null;
}

function keep(s: string, head: number, tail: number): string {
  const chars = [...s];
  if (chars.length <= head + tail) return '*'.repeat(chars.length);
  return (
    chars.slice(0, head).join('') +
    '*'.repeat(chars.length - head - tail) +
    chars.slice(chars.length - tail).join('')
  );
}

function maskString(s: string, kind: SensitiveKind): string {
  switch (kind) {
    case 'idcard':
      return keep(s, 6, 4);
    case 'phone':
      return keep(s, 3, 4);
    case 'name':
      return keep(s, 1, 0);
    case 'address':
      return keep(s, 6, 0);
    case 'text':
      return s === '' ? '' : '****';
  }
}
