/** Deterministic, immutable output helpers. */

/** A record with keys inserted in sorted order (so `JSON.stringify` is deterministic). */
export function sortedRecord<T>(entries: Iterable<readonly [string, T]>): Record<string, T> {
  const list = [...entries].sort((a, b) => (a[0] < b[0] ? -1 : a[0] > b[0] ? 1 : 0));
  const out: Record<string, T> = {};
  for (const [k, v] of list) out[k] = v;
  return out;
}

/** A copy of `obj` without keys whose value is `undefined` (shallow). */
export function compact<T extends object>(obj: T): T {
  const out: Record<string, unknown> = {};
  for (const k in obj) {
    const v = obj[k];
    if (v !== undefined) out[k] = v;
  }
  return out as T;
}

/** Freezes a plain JSON value and everything inside it (iteratively: no recursion limit). */
export function deepFreeze<T>(value: T): T {
  if (typeof value !== 'object' || value === null || Object.isFrozen(value)) return value;
  // Everything on the stack is an object that is not frozen yet (a shared one may be pushed twice:
  // freezing it again is harmless).
  const stack: object[] = [value];
  while (stack.length > 0) {
    const v = stack.pop()!;
    Object.freeze(v);
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const x: unknown = v[i];
        if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) stack.push(x);
      }
      continue;
    }
    for (const k of Object.keys(v)) {
      const x = (v as Record<string, unknown>)[k];
      if (typeof x === 'object' && x !== null && !Object.isFrozen(x)) stack.push(x);
    }
  }
  return value;
}
