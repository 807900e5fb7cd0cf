import { describe, expect, it } from 'vitest';
import { FORM_ERRORS } from './errors.js';
import { fixture, intakeForm } from './fixtures/load.js';
import { formView } from './form-view.js';
import type { FieldPermission } from './permissions.js';
import { validateSubmission } from './validate-submission.js';

/** A small deterministic PRNG (mulberry32), so a failure reproduces. */
function rng(seed: number): () => number {
  let a = seed >>> 0;
  return () => {
    a = (a + 0x6d2b79f5) >>> 0;
    let t = a;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

function randomValue(r: () => number, depth = 0): unknown {
  const k = Math.floor(r() * (depth > 2 ? 6 : 8));
  switch (k) {
    case 0:
      return null;
    case 1:
      return r() < 0.5;
    case 2:
      return Math.floor(r() * 2000) - 1000;
    case 3:
      return ['', '张三', '11010519491231002X', '110105', 'x'.repeat(Math.floor(r() * 300)), '来访', '求决'][
        Math.floor(r() * 7)
      ];
    case 4:
      return 1.5e300 * (r() < 0.5 ? 1 : -1);
    case 5:
      return '予以支持';
    case 6:
      return Array.from({ length: Math.floor(r() * 4) }, () => randomValue(r, depth + 1));
    default: {
      const o: Record<string, unknown> = {};
      for (const key of ['kind', 'facts', 'name', 'decision', 'idNumber', 'x'].slice(
        0,
        1 + Math.floor(r() * 5),
      ))
        o[key] = randomValue(r, depth + 1);
      return o;
    }
  }
}

/** Replaces a random value somewhere in the document. */
function mutate(doc: unknown, r: () => number): unknown {
  if (doc === null || typeof doc !== 'object' || r() < 0.25) return randomValue(r);
  const copy = (Array.isArray(doc) ? [...doc] : { ...doc }) as Record<string, unknown>;
  const keys = Object.keys(copy);
  if (keys.length === 0 || r() < 0.15) {
    copy[['channel', 'claims', 'petitioner', 'extra', '0'][Math.floor(r() * 5)]!] = randomValue(r);
    return copy;
  }
  const key = keys[Math.floor(r() * keys.length)]!;
  copy[key] = mutate(copy[key], r);
  return copy;
}

const STEPS: readonly (readonly FieldPermission[])[] = [
  [],
  [
    { path: '*', mode: 'read' },
    { path: 'claims.*.decision', mode: 'required' },
    { path: 'reviewOpinion', mode: 'append' },
  ],
  [
    { path: '*', mode: 'hidden' },
    { path: '#petitioner', mode: 'edit' },
    { path: 'claims', mode: 'append' },
  ],
];

describe('robustness', () => {
  it('given 900 randomly damaged submissions on three steps, then nothing throws and every error has a catalogue code and a label', async () => {
    const form = await intakeForm();
    const base = { ...fixture('intake-valid.json'), claimCount: 2 };
    const r = rng(20261122);
    for (let i = 0; i < 900; i++) {
      const permissions = STEPS[i % STEPS.length]!;
      const previous = i % 2 === 0 ? base : (mutate(base, r) as Record<string, unknown>);
      const sent = mutate(mutate(base, r), r);
      const result = validateSubmission(
        form,
        permissions,
        typeof previous === 'object' && previous !== null && !Array.isArray(previous) ? previous : base,
        sent,
        { lang: i % 3 === 0 ? 'en' : 'zh' },
      );
      for (const e of result.errors) {
        expect(Object.hasOwn(FORM_ERRORS, e.code)).toBe(true);
        expect(typeof e.label).toBe('string');
        expect(e.message.length).toBeGreaterThan(0);
      }
      if (result.valid) expect(result.errors).toEqual([]);
      expect(() => formView(form, { permissions, data: result.data })).not.toThrow();
    }
  });
});
