import fc from 'fast-check';
import { evaluate } from 'feelin';
import { describe, expect, it } from 'vitest';
import { IncidentSignal } from './errors.js';
import {
  evaluateCompiled,
  evaluateCondition,
  evaluateExpr,
  evaluateFeel,
  evaluateWithFeelin,
} from './feel.js';
import type { Json } from './types.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof IncidentSignal ? e.error.code : 'not an incident';
  }
};

describe('FEEL evaluation', () => {
  it('given a syntax error, when evaluated, then ENG_ERR_FEEL_SYNTAX', () => {
    expect(codeOf(() => evaluateFeel('a = ', {}))).toBe('ENG_ERR_FEEL_SYNTAX');
  });

  it('given a condition that yields null (missing variable, `==`), when evaluated, then ENG_ERR_CONDITION_NOT_BOOLEAN', () => {
    expect(codeOf(() => evaluateCondition({ kind: 'feel', source: 'missing > 3' }, {}))).toBe(
      'ENG_ERR_CONDITION_NOT_BOOLEAN',
    );
    expect(codeOf(() => evaluateCondition({ kind: 'feel', source: 'a == "x"' }, { a: 'x' }))).toBe(
      'ENG_ERR_CONDITION_NOT_BOOLEAN',
    );
  });

  it('given a JUEL expression, when evaluated, then it never runs', () => {
    expect(codeOf(() => evaluateExpr({ kind: 'juel', source: '${x}' }, {}))).toBe(
      'ENG_ERR_UNSUPPORTED_ELEMENT',
    );
  });

  it('given FEEL with lists, contexts, Chinese names and temporal values, when evaluated, then the result is JSON', () => {
    expect(evaluateFeel('count(claims) * 10', { claims: ['a', 'b'] })).toBe(20);
    expect(evaluateFeel('{a: 1, b: [true, null]}', {})).toEqual({ a: 1, b: [true, null] });
    expect(evaluateFeel('分类 = "劳动社保"', { 分类: '劳动社保' })).toBe(true);
    expect(evaluateFeel('date("2026-03-02") + duration("P1D")', {})).toBe('2026-03-03');
  });
});

/** Names: plain ones and ones that change how feelin parses (space, dash, dot). */
const NAMES = ['a', 'n', 'flag', '分类', 'first name', 'first-name', 'x.y'] as const;
const leaf: fc.Arbitrary<Json> = fc.oneof(
  fc.integer({ min: -5, max: 5 }),
  fc.constantFrom('x', '劳动社保', ''),
  fc.boolean(),
  fc.constant(null),
);
const value: fc.Arbitrary<Json> = fc.oneof(
  leaf,
  fc.array(leaf, { maxLength: 3 }),
  fc.dictionary(fc.constantFrom('k', 'first-name', 'a b'), leaf, { maxKeys: 2 }),
);
const context = fc.dictionary(fc.constantFrom(...NAMES, 'first', 'name'), value, { maxKeys: 5 });
const atom = fc.oneof(
  fc.constantFrom(...NAMES, 'missing', 'a.k', 'a.first-name', 'n.a b'),
  fc.integer({ min: -3, max: 9 }).map(String),
  fc.constantFrom('"x"', 'true', 'null', 'date("2026-03-02")', '[1, 2]'),
);
const expr: fc.Arbitrary<string> = fc.letrec<{ e: string }>((tie) => ({
  e: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    atom,
    fc
      .tuple(tie('e'), fc.constantFrom(' + ', ' - ', ' = ', ' != ', ' >= ', ' < ', ' and ', ' or '), tie('e'))
      .map(([l, op, r]) => `${l}${op}${r}`),
    tie('e').map((e) => `not(${e})`),
    tie('e').map((e) => `count(${e})`),
    tie('e').map((e) => `if ${e} then 1 else "z"`),
    tie('e').map((e) => `some i in [1, 2] satisfies ${e}`),
  ),
})).e;

function outcome(f: () => { value: unknown; warnings: readonly unknown[] }): unknown {
  try {
    const r = f();
    return { value: String(JSON.stringify(r.value) ?? r.value), warnings: r.warnings.length };
  } catch (e) {
    return { threw: e instanceof Error ? e.name : 'non-error' };
  }
}
const codeOrValue = (f: () => Json): unknown => {
  try {
    return { value: f() };
  } catch (e) {
    return { code: e instanceof IncidentSignal ? e.error.code : 'not an incident' };
  }
};

describe('compiled FEEL (feelin compileExpression)', () => {
  it('given generated expressions and contexts, when evaluated compiled, then value and warnings equal evaluate()', () => {
    fc.assert(
      fc.property(expr, context, context, (src, c1, c2) => {
        expect(outcome(() => evaluateCompiled(src, c1))).toEqual(outcome(() => evaluate(src, c1)));
        expect(outcome(() => evaluateCompiled(src, c2))).toEqual(outcome(() => evaluate(src, c2)));
        // and the engine's entry point (fast path or compiled tree) gives feelin's JSON value
        const ref = codeOrValue(() => evaluateWithFeelin(src, c1));
        if (!('code' in (ref as object))) expect(codeOrValue(() => evaluateFeel(src, c1))).toEqual(ref);
      }),
      { numRuns: 300 },
    );
  });

  it('given one compiled expression, when evaluated with two contexts in turn, then nothing leaks between calls', () => {
    const src = 'if flag then n + 1 else missing.x';
    const warned = evaluateCompiled(src, { flag: false, n: 1 });
    const clean = evaluateCompiled(src, { flag: true, n: 41 });
    const again = evaluateCompiled(src, { flag: false, n: 1 });
    expect(warned.value).toBeNull();
    expect(warned.warnings.length).toBeGreaterThan(0);
    expect(clean).toEqual({ value: 42, warnings: [] });
    expect(again.warnings.length).toBe(warned.warnings.length);
    expect(warned.warnings.length).toBe(evaluate(src, { flag: false, n: 1 }).warnings.length);
    expect(evaluateCompiled('n * 2', { n: 5 }).value).toBe(10);
    expect(evaluateCompiled('n * 2', {}).value).toBeNull();
  });

  it('given a key that is not a plain name, when the same source runs with and without it, then each parse matches evaluate()', () => {
    const withKey = { 'first-name': 1, first: 5, name: 2 };
    const withoutKey = { first: 5, name: 2 };
    expect(evaluateFeel('first-name', withKey)).toBe(1);
    expect(evaluateFeel('first-name', withoutKey)).toBe(3);
    expect(evaluateFeel('x.first-name', { x: withKey, name: 2 })).toBe(1);
    expect(evaluateFeel('x.first-name', { x: withoutKey, name: 2 })).toBe(3);
    // the same key nested is another shape: the top-level name is not known there
    expect(evaluateFeel('first-name', { x: withKey, first: 5, name: 2 })).toBe(3);
    expect(evaluateFeel('first-name', withKey)).toBe(1);
  });
});
