import fc from 'fast-check';
import { evaluate } from 'feelin';
import { describe, expect, it } from 'vitest';
import { evaluateFeel } from './feel-cache.js';

/** Variable names: plain ones, and ones that change how feelin parses (space, dash, dot). */
const NAMES = ['a', 'b', 'n', '分类', 'first name', 'first-name', 'x.y'] as const;

const leaf = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom('x', '劳动', ''),
  fc.boolean(),
  fc.constant(null),
);
const value = fc.oneof(
  leaf,
  fc.array(leaf, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('k', 'first-name', 'a b'), leaf, { maxKeys: 2 }),
);
const context = fc.dictionary(fc.constantFrom(...NAMES, 'first', 'name'), value, { maxKeys: 5 });

const atom = fc.oneof(
  fc.constantFrom(...NAMES, 'missing', 'b.k', 'b.first-name', 'a.a b'),
  fc.integer({ min: -3, max: 9 }).map(String),
  fc.constantFrom('"x"', 'true', 'null', 'date("2026-03-02")', '[1, 2]'),
);
const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc
      .tuple(tie('e'), fc.constantFrom(' + ', ' - ', ' * ', ' = ', ' != ', ' < ', ' and ', ' or '), tie('e'))
      .map(([l, op, r]) => `(${l}${op}${r})`),
    tie('e').map((e) => `not(${e})`),
    tie('e').map((e) => `count(${e})`),
    tie('e').map((e) => `if ${e} then 1 else "z"`),
    tie('e').map((e) => `string(${e})`),
    tie('e').map((e) => `for i in [1, 2] return ${e}`),
  ),
})).e;

/** Outcome of one evaluation for comparison: value (as JSON-ish text) and warnings count, or the throw. */
function outcome(f: () => { value: unknown; warnings: readonly unknown[] }): unknown {
  try {
    const r = f();
    return { value: String(JSON.stringify(r.value) ?? r.value), warnings: r.warnings.length };
  } catch (e) {
    return { threw: e instanceof Error ? e.name : 'non-error' };
  }
}

describe('compiled FEEL (feelin compileExpression via evaluateFeel)', () => {
  it('given generated expressions and contexts, when evaluated compiled, then value and warnings equal evaluate()', () => {
    fc.assert(
      fc.property(expr, context, context, (src, ctx1, ctx2) => {
        // Both contexts go through the same cached expression (when their shapes agree).
        expect(outcome(() => evaluateFeel(src, ctx1))).toEqual(outcome(() => evaluate(src, ctx1)));
        expect(outcome(() => evaluateFeel(src, ctx2))).toEqual(outcome(() => evaluate(src, ctx2)));
      }),
      { numRuns: 300 },
    );
  });

  it('given one compiled expression, when evaluated with two contexts in turn, then nothing leaks between calls', () => {
    const src = 'if flag then a + 1 else missing.x';
    // given: a call that warns (missing variable) and one that does not
    const warned = evaluateFeel(src, { flag: false, a: 1 });
    const clean = evaluateFeel(src, { flag: true, a: 41 });
    const again = evaluateFeel(src, { flag: false, a: 1 });
    expect(warned.value).toBeNull();
    expect(warned.warnings.length).toBeGreaterThan(0);
    expect(clean).toEqual({ value: 42, warnings: [] });
    expect(again.warnings.length).toBe(warned.warnings.length);
    // then: the first result was not changed by the later calls
    expect(warned.warnings.length).toBe(evaluate(src, { flag: false, a: 1 }).warnings.length);
    // and a variable of the first context is not visible to the second
    expect(evaluateFeel('a', { a: 5 }).value).toBe(5);
    expect(evaluateFeel('a', {}).value).toBeNull();
  });

  it('given context keys that are not plain names, when the same source runs with and without them, then each parse matches evaluate()', () => {
    const src = 'first-name';
    const withKey = { 'first-name': 1, first: 5, name: 2 };
    const withoutKey = { first: 5, name: 2 };
    expect(evaluateFeel(src, withKey).value).toBe(evaluate(src, withKey).value);
    expect(evaluateFeel(src, withoutKey).value).toBe(evaluate(src, withoutKey).value);
    expect(evaluateFeel(src, withKey).value).toBe(1);
    expect(evaluateFeel(src, withoutKey).value).toBe(3);
    // the same key nested is another shape: the top-level name is not known there
    expect(evaluateFeel(src, { x: withKey, first: 5, name: 2 }).value).toBe(3);
    expect(evaluateFeel('x.first-name', { x: withKey, name: 2 }).value).toBe(1);
    expect(evaluateFeel('x.first-name', { x: withoutKey, name: 2 }).value).toBe(3);
    expect(evaluateFeel(src, withKey).value).toBe(1);
  });
});
