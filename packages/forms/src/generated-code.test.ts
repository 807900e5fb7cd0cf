import { afterEach, describe, expect, it } from 'vitest';
import { compileForm } from './compile-form.js';
import type { FormDefinition } from './definition.js';
import { fixture, intakeForm } from './fixtures/load.js';
import { formView } from './form-view.js';
import { mutate, rng, STEPS } from './fixtures/random-docs.js';
import { BAIL } from './merge-codegen.js';
import { resolvePermissions, type FieldPermission } from './permissions.js';
import { rulePlanOf } from './rule-plan.js';
import { submissionPlan, useGeneratedCode } from './submission-plan.js';
import { validateSubmission, type SubmissionResult } from './validate-submission.js';

const HANDLING: readonly FieldPermission[] = [
  { path: '*', mode: 'read' },
  { path: 'claims.*.decision', mode: 'required' },
  { path: 'reviewOpinion', mode: 'append' },
];
/** More overlays than the random-docs steps: masked sensitive fields, hidden parts, edit below read. */
const MORE_STEPS: readonly (readonly FieldPermission[])[] = [
  ...STEPS,
  [
    { path: '*', mode: 'read' },
    { path: 'petitioner.idNumber', mode: 'edit' },
    { path: 'collective', mode: 'edit' },
    { path: 'headCount', mode: 'edit' },
    { path: 'petitioner.employerCode', mode: 'hidden' },
  ],
  [
    { path: '#petitioner', mode: 'hidden' },
    { path: 'claims', mode: 'edit' },
    { path: 'reviewOpinion', mode: 'append' },
  ],
];

afterEach(() => useGeneratedCode(true));

const plain = (r: SubmissionResult): unknown => JSON.parse(JSON.stringify(r));

interface Case {
  readonly permissions: readonly FieldPermission[];
  readonly previous: Record<string, unknown> | undefined;
  readonly sent: unknown;
  readonly options: Parameters<typeof validateSubmission>[4];
}

/** The same cases through the generated code and through the interpreted path. */
function both(
  form: Awaited<ReturnType<typeof intakeForm>>,
  cases: readonly Case[],
): { generated: unknown[]; interpreted: unknown[] } {
  const run = (): unknown[] =>
    cases.map((c) => plain(validateSubmission(form, c.permissions, c.previous, c.sent, c.options)));
  useGeneratedCode(true);
  const generated = run();
  useGeneratedCode(false);
  const interpreted = run();
  useGeneratedCode(true);
  return { generated, interpreted };
}

const asRecord = (v: unknown, base: Record<string, unknown>): Record<string, unknown> =>
  v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Record<string, unknown>) : base;

describe('generated merge, required checks and rules', () => {
  it('given the handling step and its fixture submission, then the generated code answers (no fallback)', async () => {
    const form = await intakeForm();
    const step = submissionPlan(form, resolvePermissions(form.root, form.fields, HANDLING));
    const generated = step.generatedMerge(false)!;
    const merged = generated.run(fixture('handling-previous.json'), fixture('handling-submitted.json'), []);
    expect(merged).not.toBe(BAIL);
    expect((merged as { reviewOpinion: string }).reviewOpinion).toBe('初审：属实。复审：同意。');
    expect(generated.unvetted).toBe(false); // every key of the document was checked on the way
    const rules = rulePlanOf(form);
    expect(rules).toBeDefined();
    const out = rules!(merged as Record<string, unknown>, {}, true);
    expect(out?.hidden.map((h) => h.segs)).toEqual([
      ['headCount'],
      ['representatives'],
      ['claims', '1', 'route'],
    ]);
    expect(out?.computed).toEqual([{ segs: ['claimCount'], value: 2 }]);
  });

  it('given the masked view sent back with the decisions filled in, then the generated merge answers and keeps the real values', async () => {
    const form = await intakeForm();
    const previous: Record<string, unknown> = { ...fixture('intake-valid.json'), claimCount: 2 };
    const view = formView(form, { permissions: HANDLING, data: previous });
    const sent = structuredClone(view.data) as Record<string, unknown>;
    expect((sent.petitioner as Record<string, unknown>).idNumber).not.toBe(
      (previous.petitioner as Record<string, unknown>).idNumber,
    );
    (sent.claims as Record<string, unknown>[]).forEach((c) => (c.decision = '解释说明'));
    const step = submissionPlan(form, resolvePermissions(form.root, form.fields, HANDLING));
    const merged = step.generatedMerge(true)!.run(previous, sent, []);
    expect(merged).not.toBe(BAIL);
    expect((merged as { petitioner: unknown }).petitioner).toEqual(previous.petitioner);
    const { generated, interpreted } = both(form, [{ permissions: HANDLING, previous, sent, options: {} }]);
    expect(generated).toEqual(interpreted);
    expect((generated[0] as SubmissionResult).valid).toBe(true);
  });

  it('given 2,000 randomly damaged submissions on five steps, masked and not, then the generated code gives exactly the interpreted results', async () => {
    const form = await intakeForm();
    const base = { ...fixture('intake-valid.json'), claimCount: 2 };
    const r = rng(11);
    const cases: Case[] = [];
    for (let i = 0; i < 2000; i++) {
      const previous = i % 3 === 0 ? base : asRecord(mutate(base, r), base);
      // Often the previous data sent back with a small change (the common case on later steps).
      const sent = i % 2 === 0 ? mutate(previous, r) : mutate(mutate(base, r), r);
      cases.push({
        permissions: MORE_STEPS[i % MORE_STEPS.length]!,
        previous: i % 17 === 0 ? undefined : previous,
        sent,
        options: {
          lang: i % 2 ? 'en' : 'zh',
          canSeeSensitive: i % 4 < 2,
          ...(i % 5 === 0 ? { role: 'handler' } : {}),
        },
      });
    }
    const { generated, interpreted } = both(form, cases);
    expect(generated).toEqual(interpreted);
    expect(generated.filter((x) => (x as SubmissionResult).valid).length).toBeGreaterThan(50);
    expect(generated.filter((x) => !(x as SubmissionResult).valid).length).toBeGreaterThan(50);
  });

  it('given 600 random documents with no overlay and no previous data, then the validator without ownProperties gives exactly the interpreted results', async () => {
    const form = await intakeForm();
    const step = submissionPlan(form, resolvePermissions(form.root, form.fields, []));
    expect(step.plainValidator).toBeDefined();
    const base = { ...fixture('intake-valid.json'), claimCount: 2 };
    const r = rng(8);
    const cases: Case[] = Array.from({ length: 600 }, (_, i) => ({
      permissions: [],
      previous: undefined,
      sent: i % 3 === 0 ? mutate(mutate(base, r), r) : mutate(base, r),
      options: { lang: i % 2 ? 'en' : 'zh' },
    }));
    const { generated, interpreted } = both(form, cases);
    expect(generated).toEqual(interpreted);
    expect(generated.some((x) => (x as SubmissionResult).valid)).toBe(true);
  });

  it('given 1,500 hostile submissions under small limits, then the generated code gives exactly the interpreted results', async () => {
    const form = await intakeForm({ dataLimits: { maxNodes: 70, maxDepth: 5, maxStringLength: 40 } });
    const base = { ...fixture('intake-valid.json'), claimCount: 2 };
    const r = rng(5);
    const deep = (n: number): unknown => {
      let v: unknown = 'x';
      for (let i = 0; i < n; i++) v = { a: v };
      return v;
    };
    const hostile = (): unknown => {
      switch (Math.floor(r() * 7)) {
        case 0:
          return JSON.parse('{"__proto__":{"x":1}}');
        case 1:
          return deep(3 + Math.floor(r() * 5));
        case 2:
          return 'x'.repeat(30 + Math.floor(r() * 20));
        case 3:
          return Array.from({ length: Math.floor(r() * 40) }, (_, i) => i);
        case 4:
          return { 'a b': 1, 'kind = "申诉" or x': true };
        case 5:
          return [undefined, () => 1];
        default:
          return { constructor: 1 };
      }
    };
    const inject = (doc: unknown): unknown => {
      if (doc === null || typeof doc !== 'object' || r() < 0.3) return hostile();
      const copy = (Array.isArray(doc) ? [...doc] : { ...doc }) as Record<string, unknown>;
      const keys = Object.keys(copy);
      const key = keys.length === 0 || r() < 0.2 ? 'extra' : keys[Math.floor(r() * keys.length)]!;
      copy[key] = inject(copy[key]);
      return copy;
    };
    const cases: Case[] = [];
    for (let i = 0; i < 1500; i++) {
      const sent = r() < 0.7 ? inject(mutate(base, r)) : mutate(base, r);
      cases.push({
        permissions: MORE_STEPS[i % MORE_STEPS.length]!,
        previous: i % 4 === 0 ? asRecord(sent, base) : base,
        sent,
        options: { canSeeSensitive: i % 2 === 0 },
      });
    }
    const { generated, interpreted } = both(form, cases);
    expect(generated).toEqual(interpreted);
  });

  it('given rules whose inputs take every type, then the generated rules give exactly the interpreted outcome', async () => {
    const form = await intakeForm();
    const base = { ...fixture('intake-valid.json'), claimCount: 2 };
    const r = rng(3);
    const values = [true, false, null, 'true', 1, 0, '申诉', '求决', [], {}, [{ kind: '申诉' }], undefined];
    const pick = (): unknown => values[Math.floor(r() * values.length)];
    const cases: Case[] = [];
    for (let i = 0; i < 600; i++) {
      const doc = structuredClone(base) as Record<string, unknown>;
      if (r() < 0.8) doc.collective = pick();
      if (r() < 0.3) doc.claims = pick();
      else
        doc.claims = Array.from({ length: Math.floor(r() * 4) }, () =>
          r() < 0.8 ? { kind: pick(), facts: '事实和理由若干', route: '复查' } : pick(),
        );
      if (r() < 0.3) doc.claimCount = pick();
      if (r() < 0.2) doc.count = 3; // shadows the built-in function: feelin decides
      if (r() < 0.2 && Array.isArray(doc.claims))
        (doc.claims as unknown[])[0] = { 'kind x': 1, kind: '申诉' };
      cases.push({
        permissions: i % 2 ? [] : MORE_STEPS[2]!,
        previous: base,
        sent: JSON.parse(JSON.stringify(doc, (_, v: unknown) => (v === undefined ? null : v))) as unknown,
        options: { lang: 'en', ...(i % 3 ? {} : { role: 'leader' }) },
      });
    }
    const { generated, interpreted } = both(form, cases);
    expect(generated).toEqual(interpreted);
  });

  it('given hostile property names in the schema and the rules, then the generated code embeds them as literals and agrees with the interpreted path', async () => {
    const names = [
      '"]);throw 1;//',
      '"]);process.exit(1);//',
      "a'b\\",
      'x\u2028y',
      '${1}',
      'toString',
      '__defineGetter__',
      '$',
    ];
    const properties: Record<string, unknown> = {};
    for (const n of names) properties[n] = { type: 'string', maxLength: 5 };
    properties.list = {
      type: 'array',
      items: { type: 'object', properties: Object.fromEntries(names.map((n) => [n, { type: 'string' }])) },
    };
    properties.flag = { type: 'boolean' };
    const definition: FormDefinition = {
      schema: { type: 'object', properties },
      rules: [
        { field: 'toString', visible: 'flag = true' },
        { field: names[0]!, required: 'flag = true' },
      ],
    };
    const form = await compileForm(definition);
    const r = rng(21);
    const cases: Case[] = [];
    const perms: readonly (readonly FieldPermission[])[] = [
      [],
      [
        { path: '*', mode: 'read' },
        { path: names[0]!, mode: 'edit' },
        { path: 'list.*.toString', mode: 'required' },
      ],
      [
        { path: '*', mode: 'read' },
        { path: 'toString', mode: 'append' },
      ],
    ];
    const doc = (): Record<string, unknown> => {
      const d: Record<string, unknown> = { flag: r() < 0.5 };
      for (const n of names) if (r() < 0.7) d[n] = ['', 'ab', 'abcdefg'][Math.floor(r() * 3)];
      d.list = Array.from({ length: Math.floor(r() * 3) }, () =>
        Object.fromEntries(names.filter(() => r() < 0.5).map((n) => [n, 'v'])),
      );
      return d;
    };
    for (let i = 0; i < 300; i++) {
      const previous = doc();
      cases.push({
        permissions: perms[i % perms.length]!,
        previous,
        sent: r() < 0.5 ? { ...previous, ...(r() < 0.5 ? { [names[0]!]: 'new' } : {}) } : doc(),
        options: {},
      });
    }
    const results = both(form as never, cases);
    expect(results.generated).toEqual(results.interpreted);
    expect(results.generated.some((x) => (x as SubmissionResult).valid)).toBe(true);
    expect(results.generated.some((x) => !(x as SubmissionResult).valid)).toBe(true);
    expect(rulePlanOf(form)).toBeDefined();
    // `toString` is a property: ajv keeps reading own properties only.
    expect(
      submissionPlan(form, resolvePermissions(form.root, form.fields, [])).plainValidator,
    ).toBeUndefined();
  });
});
