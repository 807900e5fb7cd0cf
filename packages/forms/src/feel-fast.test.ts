import { describe, expect, it } from 'vitest';
import { evaluateFeel } from './feel-cache.js';
import { compileFastFeel, FALLBACK } from './feel-fast.js';
import { rng } from './fixtures/random-docs.js';
import { compileExpr } from './rules.js';

const SOURCES = [
  'collective = true',
  'collective != true',
  'item.kind = "申诉" or item.kind = "求决"',
  'item.kind != "申诉" and item.kind != "求决"',
  'count(claims)',
  'count(claims) > 2',
  'not(collective)',
  'not(a = 1) and (b >= 2.5)',
  'a.b.c = null',
  'headCount < 10',
  'headCount <= -1',
  'a = b',
  'a != b',
  'index = 1',
  'item.a.b = "x" or index > 2',
  'collective',
  'a',
];

describe('the FEEL fast path', () => {
  it('given each supported expression, then it compiles', () => {
    for (const s of SOURCES) expect(compileFastFeel(s, compileExpr(s, 'test').reads), s).toBeDefined();
  });

  it('given expressions outside the subset, then it does not compile', () => {
    for (const s of [
      'a + 1',
      'string length(a) > 2',
      'date(a) < today()',
      'a in [1, 2]',
      'if a then 1 else 2',
      '"a\\"b" = a',
      'some x in a satisfies x > 1',
    ])
      expect(compileFastFeel(s, compileExpr(s, 'test').reads), s).toBeUndefined();
  });

  it('given 20,000 random contexts, then every answer equals feelin’s value, and most are answered', () => {
    const r = rng(42);
    const scalars = [null, true, false, 0, 1, 2.5, -1, 10, '', 'x', '申诉', '求决', 'true', '1'];
    const value = (depth: number): unknown => {
      const k = r();
      if (k < 0.65 || depth > 2) return scalars[Math.floor(r() * scalars.length)];
      if (k < 0.8) return Array.from({ length: Math.floor(r() * 3) }, () => value(depth + 1));
      const o: Record<string, unknown> = {};
      for (const key of ['kind', 'a', 'b', 'c', 'x y', 'kind = "申诉" or item'])
        if (r() < (key.length > 4 ? 0.05 : 0.5)) o[key] = value(depth + 1);
      return o;
    };
    let answered = 0;
    let total = 0;
    for (const source of SOURCES) {
      const compiled = compileExpr(source, 'test');
      const fast = compileFastFeel(source, compiled.reads)!;
      for (let i = 0; i < 20_000 / SOURCES.length; i++) {
        const doc: Record<string, unknown> = {};
        for (const name of ['collective', 'claims', 'a', 'b', 'headCount', 'count'])
          if (r() < (name === 'count' ? 0.05 : 0.8)) doc[name] = value(0);
        const item = r() < 0.8 ? value(0) : undefined;
        const index = item === undefined ? undefined : 1 + Math.floor(r() * 3);
        const extra = r() < 0.2 ? { a: value(0) } : {};
        const got = fast(item, index, doc, extra);
        total++;
        if (got === FALLBACK) continue;
        answered++;
        // The context `contextFor` in rules.ts builds: only the names read.
        const ctx: Record<string, unknown> = {};
        for (const n of compiled.reads) {
          if (n === 'item') ctx.item = item ?? null;
          else if (n === 'index') ctx.index = index ?? null;
          else if (Object.hasOwn(doc, n)) ctx[n] = doc[n];
          else if (Object.hasOwn(extra, n)) ctx[n] = (extra as Record<string, unknown>)[n];
        }
        let want: unknown;
        try {
          want = evaluateFeel(source, ctx).value;
        } catch (err) {
          want = err;
        }
        expect([source, ctx, got]).toEqual([source, ctx, want ?? null]);
      }
    }
    expect(answered / total).toBeGreaterThan(0.4);
  });
});
