/**
 * FEEL compiled once per source (feelin's `compileExpression`, added by the workspace patch
 * `patches/feelin@8.2.0.patch`): parsing is about 95 % of an `evaluate()` call, so a compiled
 * expression evaluates about 20× faster. feelin's parser is context-sensitive: a context key that is
 * not a plain name (`first-name`, `a b`, `x.y`, also nested in plain objects) changes how the source
 * is parsed, so the cache key is the source plus the set of such keys in the context (just the source
 * when there are none, the usual case). Bounded (LRU by insertion, {@link FEEL_CACHE_MAX} entries).
 */
import { compileExpression, evaluate } from 'feelin';

/** What feelin returns for one evaluation. */
export interface FeelResult {
  readonly value: unknown;
  readonly warnings: readonly unknown[];
}

type Compiled = (ctx?: Record<string, unknown>) => FeelResult;

/** Maximum number of compiled expressions kept. */
export const FEEL_CACHE_MAX = 2048;
/** Object members walked per context to find non-plain keys; beyond it, plain `evaluate()` is used. */
const SHAPE_BUDGET = 4096;
const PLAIN = /^[\p{L}\p{N}_$?]+$/u;

const cache = new Map<string, Compiled>();

/**
 * The non-plain keys of `ctx` (in nested plain objects too, not inside lists, which feelin's parser
 * does not look into) joined into a key part; `''` when there are none; `undefined` when the context
 * is too large to inspect.
 */
function shapeKey(ctx: Readonly<Record<string, unknown>>): string | undefined {
  let odd: string[] | undefined;
  let budget = SHAPE_BUDGET;
  // Paths, not bare keys: `first-name` at the top parses otherwise than `x.first-name`.
  const stack: { readonly o: object; readonly at: string }[] = [{ o: ctx, at: '' }];
  while (stack.length > 0) {
    const { o, at } = stack.pop()!;
    for (const k in o) {
      if (!Object.hasOwn(o, k)) continue;
      if (--budget < 0) return undefined;
      const path = at === '' ? k : `${at}\u0002${k}`;
      if (!PLAIN.test(k)) (odd ??= []).push(path);
      const v = (o as Record<string, unknown>)[k];
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto === Object.prototype || proto === null) stack.push({ o: v, at: path });
      }
    }
  }
  return odd === undefined ? '' : odd.sort().join('\u0000');
}

/**
 * Evaluates FEEL like feelin's `evaluate(source, ctx)` (same value, same warnings; syntax errors
 * throw the same way), parsing each (source, context shape) only once.
 *
 * @example
 * evaluateFeel('count(claims) > 2', { claims: [1, 2, 3] }).value // true
 */
export function evaluateFeel(source: string, ctx: Readonly<Record<string, unknown>> = {}): FeelResult {
  const shape = shapeKey(ctx);
  if (shape === undefined) return evaluate(source, ctx as Record<string, unknown>);
  const key = shape === '' ? source : `${source}\u0001${shape}`;
  let fn = cache.get(key);
  if (fn === undefined) {
    fn = compileExpression(source, ctx as Record<string, unknown>);
    if (cache.size >= FEEL_CACHE_MAX) cache.delete(cache.keys().next().value as string);
    cache.set(key, fn);
  }
  return fn(ctx as Record<string, unknown>);
}
