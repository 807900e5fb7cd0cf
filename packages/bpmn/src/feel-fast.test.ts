import { lintExpression } from '@bpmn-io/feel-lint';
import { describe, expect, it } from 'vitest';
import { isSimpleFeel } from './feel-fast.js';

const valid = (s: string) => !lintExpression(s).some((m) => m.severity === 'error');

/** A small deterministic PRNG (mulberry32), so that every run checks the same cases. */
function rng(seed: number): () => number {
  let a = seed;
  return () => {
    a = (a + 0x6d2b79f5) | 0;
    let t = Math.imul(a ^ (a >>> 15), 1 | a);
    t = (t + Math.imul(t ^ (t >>> 7), 61 | t)) ^ t;
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

const WORDS = [
  'amount',
  'a',
  'b1',
  'category',
  'date',
  'time',
  'and',
  'or',
  'not',
  'duration',
  'today',
  'string',
  'length',
  'x_y',
  'true',
  'false',
  'null',
  'in',
  'for',
  'if',
  'then',
  'else',
  'some',
  'of',
  'between',
  'years',
  'months',
  'function',
  'instance',
  'return',
  'satisfies',
  'every',
  'count',
  'sum',
];
const OPS = [
  '=',
  '!=',
  '<',
  '<=',
  '>',
  '>=',
  '+',
  '-',
  '*',
  '/',
  '**',
  '(',
  ')',
  '[',
  ']',
  ',',
  '.',
  '==',
  '{',
  '}',
  ':',
  '?',
  '..',
  '!',
  '//',
  '/*',
  '*/',
  '@',
  '#',
  "'",
];
const ATOMS = ['1', '0', '42', '3.14', '1.', '.5', '1e3', '"land"', '""', '"a\\"b"', '"P5D"', '"x', '"中"'];
const SPACES = [' ', '', '  ', '\n', '\t'];

/** Grammar-directed expressions of the subset, sometimes with one token mutated. */
function grammar(r: () => number, depth = 0): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const sp = () => pick(SPACES);
  const atom = (): string => {
    const k = r();
    if (depth > 3 || k < 0.35)
      return pick([...ATOMS.slice(0, 5), '"land"', '"P5D"', ...WORDS.slice(0, 5), 'true', 'null']);
    if (k < 0.5)
      return `${pick(WORDS)}(${Array.from({ length: Math.floor(r() * 3) }, () => grammar(r, depth + 1)).join(',' + sp())})`;
    if (k < 0.6) return `(${sp()}${grammar(r, depth + 1)}${sp()})`;
    if (k < 0.7)
      return `[${Array.from({ length: Math.floor(r() * 3) }, () => grammar(r, depth + 1)).join(', ')}]`;
    if (k < 0.8) return `${pick(WORDS)}.${pick(WORDS)}`;
    if (k < 0.85) return `-${pick(ATOMS.slice(0, 4))}`;
    return pick(WORDS);
  };
  const parts = [atom()];
  const n = Math.floor(r() * 3);
  for (let i = 0; i < n; i++)
    parts.push(
      sp() + pick(['and', 'or', '=', '!=', '<', '<=', '>', '>=', '+', '-', '*', '/']) + ' ' + atom(),
    );
  return parts.join(' ');
}

/** Random token soup from the whole vocabulary (mostly invalid, some tricky valid). */
function soup(r: () => number): string {
  const pick = <T>(xs: readonly T[]) => xs[Math.floor(r() * xs.length)]!;
  const n = 1 + Math.floor(r() * 7);
  let s = '';
  for (let i = 0; i < n; i++) {
    const k = r();
    s += (k < 0.4 ? pick(WORDS) : k < 0.7 ? pick(OPS) : pick(ATOMS)) + pick(SPACES);
  }
  return s;
}

describe('isSimpleFeel (fast path of the FEEL syntax check)', () => {
  it('given common expressions of models, then they are recognised without the full parser', () => {
    for (const s of [
      'amount > 1000 and category = "land"',
      'today() + duration("P5D")',
      'returned = true and round < 3',
      '["a", "b"]',
      'petition.unit',
      '-1',
      'count(items) >= 2 or x != null',
    ]) {
      expect(isSimpleFeel(s), s).toBe(true);
      expect(valid(s), s).toBe(true);
    }
  });

  it('given errors and FEEL outside the subset, then it answers false (the full parser decides)', () => {
    for (const s of [
      'a == 1',
      'a &&& b',
      'a >',
      '(a',
      'for x in xs return x',
      'if a then b else c',
      '"x',
      'a b',
      '{a: 1}',
      'a[1]',
      'x // c',
    ])
      expect(isSimpleFeel(s), s).toBe(false);
  });

  // FEEL_FUZZ_CASES=200000 runs a longer check by hand; the suite keeps 4,000 cases (about half a second).
  const cases = Number(process.env.FEEL_FUZZ_CASES ?? 4000);
  it(`given ${cases} generated expressions, then every one it accepts is valid for feel-lint (never hides an error)`, () => {
    const r = rng(Number(process.env.FEEL_FUZZ_SEED ?? 20261122));
    let accepted = 0;
    const wrong: string[] = [];
    for (let i = 0; i < cases; i++) {
      const s = i % 2 === 0 ? grammar(r) : soup(r);
      if (!isSimpleFeel(s)) continue;
      accepted++;
      if (!valid(s)) wrong.push(s);
    }
    expect(wrong).toEqual([]);
    // the check is not vacuous: a good share of the generated expressions take the fast path
    expect(accepted).toBeGreaterThan(cases / 5);
  });
});
