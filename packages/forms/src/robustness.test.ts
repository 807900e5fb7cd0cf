import { describe, expect, it } from 'vitest';
import { FORM_ERRORS } from './errors.js';
import { fixture, intakeForm } from './fixtures/load.js';
import { formView } from './form-view.js';
import { mutate, rng, STEPS } from './fixtures/random-docs.js';
import { validateSubmission } from './validate-submission.js';

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
