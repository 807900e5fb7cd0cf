/**
 * The JSON body parser: `JSON.parse` plus a refusal of prototype-poisoning keys, so that such
 * bodies get their own code (`API_ERR_PROTOTYPE_POISONING`) instead of fastify's generic "invalid
 * JSON". A body is refused when any object in it has an own `__proto__` key, or a `constructor` key
 * whose value is an object with a `prototype` key (the same rule as fastify's
 * `onProtoPoisoning` / `onConstructorPoisoning: 'error'`).
 *
 * @example
 * ```ts
 * parseJsonBody('{"__proto__":{"admin":true}}'); // throws API_ERR_PROTOTYPE_POISONING
 * ```
 */
import { apiError } from './errors.js';

const SUSPICIOUS = /__proto__|constructor|\\u/i;

/** Parses a JSON request body or throws a coded 400. */
export function parseJsonBody(text: string): unknown {
  if (text.length === 0) throw apiError('API_ERR_MALFORMED_JSON', { reason: 'empty body' });
  let value: unknown;
  try {
    value = JSON.parse(text);
  } catch {
    throw apiError('API_ERR_MALFORMED_JSON');
  }
  if (SUSPICIOUS.test(text)) assertNoPoison(value);
  return value;
}

function assertNoPoison(root: unknown): void {
  const stack: unknown[] = [root];
  while (stack.length > 0) {
    const node = stack.pop();
    if (typeof node !== 'object' || node === null) continue;
    if (Array.isArray(node)) {
      for (const item of node) stack.push(item);
      continue;
    }
    if (Object.hasOwn(node, '__proto__')) throw apiError('API_ERR_PROTOTYPE_POISONING', { key: '__proto__' });
    const ctor = Object.hasOwn(node, 'constructor')
      ? (node as Record<string, unknown>)['constructor']
      : undefined;
    if (typeof ctor === 'object' && ctor !== null && Object.hasOwn(ctor, 'prototype')) {
      throw apiError('API_ERR_PROTOTYPE_POISONING', { key: 'constructor.prototype' });
    }
    for (const v of Object.values(node)) stack.push(v);
  }
}
