import { afterEach, describe, expect, it } from 'vitest';
import { fixture, intakeForm } from './fixtures/load.js';
import { mutate, rng, STEPS } from './fixtures/random-docs.js';
import { inspectData } from './guards.js';
import { resolvePermissions, type FieldPermission } from './permissions.js';
import { submissionPlan, useStepValidators } from './submission-plan.js';
import { validateSubmission, type SubmissionResult } from './validate-submission.js';

const HANDLING: readonly FieldPermission[] = [
  { path: '*', mode: 'read' },
  { path: 'claims.*.decision', mode: 'required' },
  { path: 'reviewOpinion', mode: 'append' },
];

afterEach(() => useStepValidators(true));

/** Plain JSON of a result, so two runs compare structurally. */
const plain = (r: SubmissionResult): unknown => JSON.parse(JSON.stringify(r));

describe('step validators', () => {
  it('given the handling step, then its validator checks only the writable fields and what leads to them', async () => {
    const form = await intakeForm();
    const step = submissionPlan(form, resolvePermissions(form.root, form.fields, HANDLING));
    expect(step.specialised).toBe(true);
    const schema = step.validator.schema as {
      properties: Record<string, unknown>;
      required?: unknown;
    };
    expect(schema.properties.petitioner).toBe(true);
    expect(schema.properties.channel).toBe(true);
    expect(schema.required).toBeUndefined(); // channel, petitioner, claims are read-only here
    const item = (schema.properties.claims as { items: { properties: Record<string, unknown> } }).items;
    expect(item.properties.kind).toBe(true);
    expect(item.properties.decision).toEqual(
      (form.schema.properties as Record<string, { items: { properties: Record<string, unknown> } }>).claims!
        .items.properties.decision,
    );
  });

  it('given every field editable, then the full validator is used', async () => {
    const form = await intakeForm();
    const step = submissionPlan(form, resolvePermissions(form.root, form.fields, []));
    expect(step.specialised).toBe(false);
    expect(step.validator).toBe(form.validator);
  });

  it('given a schema that points into itself outside $defs, then no step validator is built', async () => {
    const definition = fixture<{ schema: Record<string, unknown> }>('intake.form.json');
    const props = definition.schema.properties as Record<string, unknown>;
    props.formerName = { $ref: '#/properties/petitioner/properties/formerName' };
    const form = await intakeForm({});
    const { compileForm } = await import('./compile-form.js');
    const { sharedFixtures, testDivisions } = await import('./fixtures/load.js');
    const selfRef = await compileForm(definition as never, {
      shared: sharedFixtures(),
      divisions: testDivisions,
    });
    expect(submissionPlan(form, resolvePermissions(form.root, form.fields, HANDLING)).specialised).toBe(true);
    expect(
      submissionPlan(selfRef, resolvePermissions(selfRef.root, selfRef.fields, HANDLING)).specialised,
    ).toBe(false);
  });

  it('given 900 randomly damaged submissions on three steps, then step validators give exactly the results of the full validator', async () => {
    const form = await intakeForm();
    const base = { ...fixture('intake-valid.json'), claimCount: 2 };
    const cases: {
      permissions: readonly FieldPermission[];
      previous: Record<string, unknown>;
      sent: unknown;
    }[] = [];
    const r = rng(7);
    for (let i = 0; i < 900; i++) {
      const previous = i % 2 === 0 ? base : mutate(base, r);
      cases.push({
        permissions: STEPS[i % STEPS.length]!,
        previous:
          typeof previous === 'object' && previous !== null && !Array.isArray(previous)
            ? (previous as Record<string, unknown>)
            : base,
        sent: mutate(mutate(base, r), r),
      });
    }
    const run = (): unknown[] =>
      cases.map((c, i) =>
        plain(validateSubmission(form, c.permissions, c.previous, c.sent, { lang: i % 2 ? 'en' : 'zh' })),
      );
    const withSteps = run();
    useStepValidators(false);
    const withFull = run();
    expect(withSteps).toEqual(withFull);
    expect(withSteps.some((x) => (x as SubmissionResult).valid)).toBe(true);
    expect(withSteps.some((x) => !(x as SubmissionResult).valid)).toBe(true);
  });
});

describe('safety limits in the single-pass merge', () => {
  const deep = (n: number): unknown => {
    let v: unknown = 'x';
    for (let i = 0; i < n; i++) v = { a: v };
    return v;
  };

  it('given a forbidden key inside a read-only field sent back otherwise unchanged, then FORM_ERR_FORBIDDEN_KEY', async () => {
    const form = await intakeForm();
    const previous = fixture('handling-previous.json');
    const sent = JSON.parse(
      JSON.stringify(fixture('handling-submitted.json')).replace('"name":', '"__proto__":{"x":1},"name":'),
    ) as Record<string, unknown>;
    const r = validateSubmission(form, HANDLING, previous, sent);
    expect(r.errors.map((e) => [e.code, e.path])).toEqual([
      ['FORM_ERR_FORBIDDEN_KEY', 'petitioner.__proto__'],
    ]);
  });

  it('given the same object as previous data and submission with 10,000-deep nesting, then FORM_ERR_DATA_TOO_DEEP', async () => {
    const form = await intakeForm();
    const doc = { ...fixture('handling-previous.json'), extra: deep(10_000) };
    const r = validateSubmission(form, HANDLING, doc, doc);
    expect(r.valid).toBe(false);
    expect(r.errors.map((e) => e.code)).toEqual(['FORM_ERR_DATA_TOO_DEEP']);
  });

  it('given a too long string equal to the stored one in a read-only field, then FORM_ERR_STRING_TOO_LONG', async () => {
    const form = await intakeForm();
    const big = 'x'.repeat(300_000);
    const previous = { ...fixture('handling-previous.json'), reviewOpinion: '意见', code: big };
    const sent = { ...fixture('handling-submitted.json'), code: big };
    const r = validateSubmission(form, HANDLING, previous, sent);
    expect(r.errors.map((e) => [e.code, e.path])).toEqual([['FORM_ERR_STRING_TOO_LONG', 'code']]);
  });

  it('given a write to a read-only field and a forbidden key in another rejected part, then only the safety error, as with a separate walk', async () => {
    const form = await intakeForm();
    const previous = fixture('handling-previous.json');
    const sent = { ...fixture('handling-submitted.json'), channel: '来信' } as Record<string, unknown>;
    sent.petitioner = JSON.parse('{"name":"李四","constructor":{"prototype":{"polluted":true}}}');
    const r = validateSubmission(form, HANDLING, previous, sent);
    expect(r.errors).toEqual([expect.objectContaining({ code: 'FORM_ERR_FORBIDDEN_KEY' })]);
    expect(r.data).toBe(previous);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('given documents over the node limit in kept and in compared parts, then FORM_ERR_DATA_TOO_LARGE as from the walk', async () => {
    const form = await intakeForm({ dataLimits: { maxNodes: 60 } });
    const previous = fixture('handling-previous.json');
    const list = Array.from({ length: 40 }, (_, i) => `第${i}条`);
    for (const sent of [
      { ...fixture('handling-submitted.json'), extra: list }, // unknown key at the root: kept as sent
      { ...fixture('handling-submitted.json'), petitioner: { ...(previous.petitioner as object), x: list } },
    ]) {
      const expected = inspectData(sent, form.dataLimits);
      expect(expected?.code).toBe('FORM_ERR_DATA_TOO_LARGE');
      const r = validateSubmission(form, HANDLING, previous, sent);
      expect(r.errors.map((e) => e.code)).toEqual(['FORM_ERR_DATA_TOO_LARGE']);
    }
    // Under the limit, the same step is valid.
    expect(validateSubmission(form, HANDLING, previous, fixture('handling-submitted.json')).valid).toBe(true);
  });

  it('given 1,500 random submissions with hostile parts under small limits, then the errors are exactly those of a separate walk', async () => {
    const limits = { maxNodes: 70, maxDepth: 5, maxStringLength: 40 };
    const form = await intakeForm({ dataLimits: limits });
    const base = { ...fixture('intake-valid.json'), claimCount: 2 };
    const r = rng(99);
    const hostile = (): unknown => {
      switch (Math.floor(r() * 5)) {
        case 0:
          return JSON.parse('{"__proto__":{"x":1}}');
        case 1:
          return deep(3 + Math.floor(r() * 5));
        case 2:
          return 'x'.repeat(30 + Math.floor(r() * 20));
        case 3:
          return Array.from({ length: Math.floor(r() * 40) }, (_, i) => i);
        default:
          return { constructor: 1 };
      }
    };
    /** Puts a hostile value at a random place (existing key, new key, or array item). */
    const inject = (doc: unknown): unknown => {
      if (doc === null || typeof doc !== 'object' || r() < 0.3) return hostile();
      const copy = (Array.isArray(doc) ? [...doc] : { ...doc }) as Record<string, unknown>;
      const keys = Object.keys(copy);
      const key = keys.length === 0 || r() < 0.2 ? 'extra' : keys[Math.floor(r() * keys.length)]!;
      copy[key] = inject(copy[key]);
      return copy;
    };
    const GUARD = new Set([
      'FORM_ERR_FORBIDDEN_KEY',
      'FORM_ERR_DATA_TOO_DEEP',
      'FORM_ERR_STRING_TOO_LONG',
      'FORM_ERR_DATA_TOO_LARGE',
      'FORM_ERR_TYPE',
    ]);
    let guarded = 0;
    for (let i = 0; i < 1500; i++) {
      const permissions = STEPS[i % STEPS.length]!;
      const same = i % 4 === 0;
      const sent = r() < 0.7 ? inject(mutate(base, r)) : mutate(base, r);
      const previous = same ? (sent as Record<string, unknown>) : base;
      const expected = inspectData(sent, form.dataLimits);
      const result = validateSubmission(form, permissions, previous, sent);
      if (expected !== undefined) {
        guarded++;
        expect(result.errors.map((e) => [e.code, e.path])).toEqual([[expected.code, expected.path]]);
        expect(result.data).toBe(previous);
      } else {
        expect(
          result.errors.filter((e) => GUARD.has(e.code) && e.code !== 'FORM_ERR_TYPE').map((e) => e.code),
        ).toEqual([]);
      }
    }
    expect(guarded).toBeGreaterThan(300);
  });
});
