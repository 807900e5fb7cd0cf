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
import type { RawProblem } from './field-errors.js';
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

  it('given the handling step, then the one generated submission check answers the valid and the invalid fixture (no fallback)', async () => {
    const form = await intakeForm();
    const step = submissionPlan(form, resolvePermissions(form.root, form.fields, HANDLING));
    const submit = step.generatedSubmit(false)!;
    expect(submit).toBeDefined();
    const previous = fixture('handling-previous.json');
    const sent = fixture('handling-submitted.json');
    const problems: RawProblem[] = [];
    const data = submit.run(previous, sent, {}, true, problems, step.validator, undefined, 'zh');
    expect(data).not.toBe(BAIL);
    expect(problems).toEqual([]);
    expect(data).toEqual(validateSubmission(form, HANDLING, previous, sent, { canSeeSensitive: true }).data);
    const bad = structuredClone(sent) as { claims: Record<string, unknown>[] };
    bad.claims[0]!.decision = '同意';
    bad.claims[1]!.decision = '';
    const out = submit.run(previous, bad, {}, true, problems, step.validator, undefined, 'zh');
    expect(out).not.toBe(BAIL);
    expect(problems.map((p) => [p.segments.join('.'), p.code])).toEqual([
      ['claims.0.decision', 'FORM_ERR_ENUM'],
      ['claims.1.decision', 'FORM_ERR_ENUM'],
      ['claims.1.decision', 'FORM_ERR_REQUIRED'],
    ]);
    expect(submit.hidden.map((h) => h.segs.join('.'))).toEqual([
      'headCount',
      'representatives',
      'claims.1.route',
    ]);
    const { generated, interpreted } = both(form, [
      { permissions: HANDLING, previous, sent: bad, options: { canSeeSensitive: true } },
      { permissions: [], previous: undefined, sent: fixture('intake-valid.json'), options: {} },
      { permissions: [], previous: undefined, sent: fixture('intake-invalid.json'), options: { lang: 'en' } },
    ]);
    expect(generated).toEqual(interpreted);
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

  it('given rules of every kind (nested computes, read-only and required conditions, hidden kept values, two arrays deep) on random documents, then the one generated submission check gives exactly the interpreted results, and answers over a third of them itself', async () => {
    const definition: FormDefinition = {
      schema: {
        type: 'object',
        properties: {
          mode: { type: 'string', enum: ['a', 'b'] },
          locked: { type: 'boolean' },
          note: { type: 'string', maxLength: 8, 'x-onHide': 'keep' },
          total: { type: 'integer' },
          approval: { type: 'string', minLength: 2 },
          items: {
            type: 'array',
            items: {
              type: 'object',
              properties: {
                kind: { type: 'string' },
                qty: { type: 'integer', minimum: 0 },
                price: { type: 'number' },
                code: { type: 'string', pattern: '^[A-Z]+$', 'x-onHide': 'keep' },
                tags: {
                  type: 'array',
                  items: { type: 'object', properties: { v: { type: 'string' }, w: { type: 'string' } } },
                },
              },
              required: ['kind'],
            },
          },
        },
        required: ['mode'],
      },
      rules: [
        { field: 'note', visible: 'mode = "a"' },
        { field: 'total', compute: 'count(items)' },
        { field: 'approval', readonly: 'locked = true', required: 'mode = "b"' },
        { field: 'items.*.code', visible: 'item.kind != "x"', readonly: 'locked', required: 'item.qty > 2' },
        { field: 'items.*.price', compute: 'item.qty', readonly: 'item.kind = "fixed"' },
        { field: 'items.*.tags.*.w', visible: 'item.v = "on"', required: 'item.v = "on"' },
        { field: 'mode', readonly: 'role = "viewer"' },
      ],
    };
    const form = await compileForm(definition);
    const r = rng(31);
    const pick = <T>(xs: readonly T[]): T => xs[Math.floor(r() * xs.length)]!;
    const scalar = (): unknown =>
      pick([null, true, false, 0, 3, 7, -1, 1.5, '', 'a', 'b', 'x', 'ABC', 'abc', 'fixed', 'on']);
    const doc = (): Record<string, unknown> => {
      const d: Record<string, unknown> = {};
      if (r() < 0.95) d.mode = r() < 0.9 ? pick(['a', 'b']) : pick(['c', null, 1]);
      if (r() < 0.7) d.locked = r() < 0.95 ? r() < 0.5 : scalar();
      if (r() < 0.6) d.note = pick(['hi', 'longer than eight', '', 3]);
      if (r() < 0.4) d.total = scalar();
      if (r() < 0.6) d.approval = pick(['ok', 'x', '', 5]);
      if (r() < 0.9)
        d.items =
          r() < 0.03
            ? scalar()
            : Array.from({ length: Math.floor(r() * 4) }, () => {
                if (r() < 0.03) return scalar();
                const it: Record<string, unknown> = {
                  kind: r() < 0.95 ? pick(['a', 'x', 'fixed']) : pick([3, null]),
                };
                if (r() < 0.7) it.qty = r() < 0.95 ? pick([0, 1, 3, 5, -2]) : pick(['many', null]);
                if (r() < 0.5) it.price = pick([1, 2.5, 'free']);
                if (r() < 0.6) it.code = pick(['AB', 'ab', '', 7]);
                if (r() < 0.6)
                  it.tags = Array.from({ length: Math.floor(r() * 3) }, () =>
                    r() < 0.03
                      ? scalar()
                      : {
                          v: r() < 0.95 ? pick(['on', 'off']) : 1,
                          ...(r() < 0.6 ? { w: pick(['x', '']) } : {}),
                        },
                  );
                if (r() < 0.05) it['odd key'] = 1;
                return it;
              });
      if (r() < 0.05) d.count = 1; // shadows the built-in function: feelin decides
      return d;
    };
    const perms: readonly (readonly FieldPermission[])[] = [
      [],
      [
        { path: '*', mode: 'read' },
        { path: 'items.*.qty', mode: 'edit' },
        { path: 'approval', mode: 'edit' },
        { path: 'note', mode: 'append' },
      ],
      [
        { path: '*', mode: 'edit' },
        { path: 'locked', mode: 'read' },
        { path: 'items.*.tags', mode: 'required' },
      ],
    ];
    const cases: Case[] = [];
    for (let i = 0; i < 1500; i++) {
      const previous = doc();
      // Mostly the stored data sent back with editable changes (the common case), else new values.
      const sent: Record<string, unknown> =
        r() < 0.75 ? structuredClone(previous) : { ...structuredClone(previous), ...doc() };
      if (r() < 0.3) sent.approval = pick(['ok', 'x', '']);
      if (r() < 0.3 && Array.isArray(sent.items) && sent.items.length > 0) {
        const it = sent.items[0] as unknown;
        if (it !== null && typeof it === 'object' && !Array.isArray(it))
          (it as Record<string, unknown>).qty = pick([1, 4]);
      }
      cases.push({
        permissions: perms[i % perms.length]!,
        previous: i % 7 === 0 ? undefined : previous,
        sent,
        options: { lang: i % 2 ? 'en' : 'zh', ...(i % 3 === 0 ? { role: pick(['viewer', 'clerk']) } : {}) },
      });
    }
    // How often the one generated check answers (without falling back).
    let answered = 0;
    for (const c of cases) {
      const step = submissionPlan(form, resolvePermissions(form.root, form.fields, c.permissions));
      const submit = step.generatedSubmit(c.options?.canSeeSensitive !== true);
      expect(submit).toBeDefined();
      const role = c.options?.role;
      const v =
        c.previous === undefined && step.plainValidator !== undefined ? step.plainValidator : step.validator;
      const out = submit!.run(
        c.previous,
        c.sent as object,
        role === undefined ? {} : { role },
        true,
        [],
        v,
        undefined,
        'zh',
      );
      if (out !== BAIL) answered++;
    }
    expect(answered).toBeGreaterThan(cases.length / 3);
    const { generated, interpreted } = both(form, cases);
    expect(generated).toEqual(interpreted);
    const valid = generated.filter((x) => (x as SubmissionResult).valid).length;
    expect(valid).toBeGreaterThan(50);
    expect(generated.length - valid).toBeGreaterThan(50);
  });
});
