/**
 * `pnpm bench forms [--json] [--seconds N]`: validations per second of the compiled intake form
 * (permission overlay of a handling step + FEEL rules, through `validateSubmission`) against raw ajv
 * (`Ajv2020`, same JSON Schema, same format functions, allErrors) on a valid and an invalid document;
 * the same with rule inputs that change on every call (64 variants: no memo can help); one rule
 * condition evaluated through `evaluateRules` with a new input each time; and compile time of a
 * 300-field form (`compileForm` vs raw ajv `compile`). Ours and the reference run in alternating
 * short slices, so the load of a shared machine weighs on both alike; each figure is the median.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import {
  checkCnIdCard,
  checkCnUscc,
  compileForm,
  evaluateRules,
  isCnMobile,
  isCnPhone,
  isCnPostcode,
  loadChinaDivisions,
  validateData,
  validateSubmission,
  type DivisionIndex,
  type FieldPermission,
  type FormDefinition,
  type JsonSchema,
} from '@shidian/forms';
import { result, type Bench, type BenchResult } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtures = join(here, '..', '..', 'packages', 'forms', 'src', 'fixtures');
const readJson = <T>(name: string): T => JSON.parse(readFileSync(join(fixtures, name), 'utf8')) as T;

type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

/** Raw ajv with the same format functions and the x- keywords as plain annotations. */
function rawAjv(divisions: DivisionIndex): Ajv2020 {
  const ajv = new Ajv2020({ allErrors: true, strict: false, logger: false });
  addFormats(ajv);
  ajv.addFormat('cn-idcard', { type: 'string', validate: (s: string) => checkCnIdCard(s) === null });
  ajv.addFormat('cn-mobile', { type: 'string', validate: isCnMobile });
  ajv.addFormat('cn-phone', { type: 'string', validate: isCnPhone });
  ajv.addFormat('cn-postcode', { type: 'string', validate: isCnPostcode });
  ajv.addFormat('cn-uscc', { type: 'string', validate: (s: string) => checkCnUscc(s) === null });
  ajv.addFormat('cn-division', {
    type: 'string',
    validate: (s: string) => divisions.levelOf(s) !== undefined,
  });
  for (const k of ['x-sensitive', 'x-onHide', 'x-optionsSource', 'x-divisionLevel']) ajv.addKeyword(k);
  return ajv;
}

/** Operations per second of `fn` over about `ms` milliseconds. */
function slice(fn: () => unknown, ms: number): number {
  let n = 0;
  const start = performance.now();
  let now = start;
  while (now - start < ms) {
    for (let i = 0; i < 20; i++) fn();
    n += 20;
    now = performance.now();
  }
  return n / ((now - start) / 1000);
}

/**
 * Ops/s of `ours` and `reference` for about `seconds` in total: alternating 50 ms slices after a
 * warm-up; medians of the slices.
 */
function compare(ours: () => unknown, reference: () => unknown, seconds: number): [number, number] {
  for (let i = 0; i < 500; i++) {
    ours();
    reference();
  }
  const a: number[] = [];
  const b: number[] = [];
  const rounds = Math.max(3, Math.round((seconds * 1000) / 100));
  for (let r = 0; r < rounds; r++) {
    a.push(slice(ours, 50));
    b.push(slice(reference, 50));
  }
  return [median(a), median(b)];
}

function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.floor(s.length / 2)]!;
}

/** A 300-field form: 30 sections × 10 fields of mixed types and formats, one rule per section. */
export function bigForm(): FormDefinition {
  const properties: Record<string, unknown> = {};
  const sections: { id: string; title: string; fields: string[] }[] = [];
  const rules: { field: string; visible: string }[] = [];
  const kinds = [
    { type: 'string', maxLength: 100 },
    { type: 'string', format: 'cn-mobile' },
    { type: 'string', format: 'cn-idcard', 'x-sensitive': 'idcard' },
    { type: 'integer', minimum: 0 },
    { type: 'boolean' },
    { type: 'string', enum: ['甲', '乙', '丙'] },
    { type: 'string', format: 'date' },
    { type: 'string', pattern: '^[A-Z]{2}\\d{4}$' },
    { type: 'string', format: 'cn-postcode' },
    { type: 'number', maximum: 1e9 },
  ];
  for (let s = 0; s < 30; s++) {
    const fields: string[] = [];
    for (let f = 0; f < 10; f++) {
      const key = `s${s}f${f}`;
      properties[key] = { ...kinds[f]!, title: `第${s + 1}节第${f + 1}项` };
      fields.push(key);
    }
    sections.push({ id: `sec${s}`, title: `第${s + 1}节`, fields });
    rules.push({ field: `s${s}f0`, visible: `s${s}f4 = true` });
  }
  return { id: 'big', schema: { type: 'object', properties, required: ['s0f0'] }, ui: { sections }, rules };
}

const bench: Bench = async (args) => {
  const secIdx = args.indexOf('--seconds');
  const seconds = secIdx >= 0 ? Number(args[secIdx + 1]) : 3;
  const divisions = await loadChinaDivisions();
  const definition = readJson<FormDefinition>('intake.form.json');
  const shared = { 'common.schema.json': readJson<JsonSchema>('schemas/common.schema.json') };
  const form = await compileForm(definition, { shared, divisions });

  const ajv = rawAjv(divisions);
  ajv.addSchema(shared['common.schema.json'] as never);
  const raw = ajv.compile(form.schema as never); // the same schema, with file-name $refs rewritten to ids

  // The handling step: everything read-only, decisions required, the review opinion append-only.
  const permissions: readonly FieldPermission[] = [
    { path: '*', mode: 'read' },
    { path: 'claims.*.decision', mode: 'required' },
    { path: 'reviewOpinion', mode: 'append' },
  ];
  const previous = readJson<Record<string, unknown>>('handling-previous.json');
  const validDoc = readJson<Record<string, unknown>>('handling-submitted.json');
  const invalidDoc = structuredClone(validDoc);
  (invalidDoc.claims as Record<string, unknown>[])[0]!.decision = '同意';
  (invalidDoc.claims as Record<string, unknown>[])[1]!.decision = '';
  invalidDoc.reviewOpinion = '初审：属实。复审：不同意';
  // Sanity: both sides agree on what is valid.
  const okOurs = validateSubmission(form, permissions, previous, validDoc, { canSeeSensitive: true });
  const badOurs = validateSubmission(form, permissions, previous, invalidDoc, { canSeeSensitive: true });
  if (!okOurs.valid || badOurs.valid || !raw(validDoc) || raw(JSON.parse(JSON.stringify(invalidDoc)))) {
    throw new Error(
      `bench documents are not as expected: ${JSON.stringify(okOurs.errors)} ${JSON.stringify(badOurs.errors)}`,
    );
  }

  const results: BenchResult[] = [];
  const opts = { canSeeSensitive: true };
  const [ourValid, rawValid] = compare(
    () => validateSubmission(form, permissions, previous, validDoc, opts),
    () => raw(validDoc),
    seconds,
  );
  results.push(
    result('validate intake, valid doc (overlay + rules) vs raw ajv', 'ops/s', ourValid, rawValid),
  );
  const [plainValid, rawValid2] = compare(
    () => validateData(form, validDoc),
    () => raw(validDoc),
    seconds,
  );
  results.push(
    result('validate intake, valid doc (rules, no overlay) vs raw ajv', 'ops/s', plainValid, rawValid2),
  );
  const rawInvalidDoc = JSON.parse(JSON.stringify(invalidDoc)) as unknown;
  const [ourInvalid, rawInvalid] = compare(
    () => validateSubmission(form, permissions, previous, invalidDoc, opts),
    () => raw(rawInvalidDoc),
    seconds,
  );
  results.push(
    result(
      'validate intake, invalid doc (overlay + rules, zh messages) vs raw ajv',
      'ops/s',
      ourInvalid,
      rawInvalid,
    ),
  );
  // Rule inputs new on every call (as when each request is another case): 64 variants of the
  // document whose claims differ, more than any memo keeps.
  const fresh = Array.from({ length: 64 }, (_, i) => {
    const prev = structuredClone(previous);
    const doc = structuredClone(validDoc);
    const facts = `拖欠工资${i + 1}个月未发放`;
    (prev.claims as Record<string, unknown>[])[0]!.facts = facts;
    (doc.claims as Record<string, unknown>[])[0]!.facts = facts;
    return { prev, doc };
  });
  if (!fresh.every((f) => validateSubmission(form, permissions, f.prev, f.doc, opts).valid))
    throw new Error('bench documents with new rule inputs are not valid');
  let k = 0;
  const [ourFresh, rawFresh] = compare(
    () => {
      const f = fresh[k++ & 63]!;
      return validateSubmission(form, permissions, f.prev, f.doc, opts);
    },
    () => raw(fresh[k++ & 63]!.doc),
    seconds / 3,
  );
  results.push(
    result(
      'validate intake, valid doc with new rule inputs each call (64 variants) vs raw ajv',
      'ops/s',
      ourFresh,
      rawFresh,
    ),
  );
  // One rule condition like the form's with an input that is new each time (1,024 values in turn,
  // more than the memo keeps), through `evaluateRules` (the FEEL fast path of feel-fast.ts answers it;
  // feelin's compiled expression where it does not).
  const one = await compileForm({
    schema: { type: 'object', properties: { kind: { type: 'string' }, route: { type: 'string' } } },
    rules: [{ field: 'route', visible: 'kind = "申诉" or kind = "求决"' }],
  });
  let j = 0;
  const [feelOps, rawOps] = compare(
    () => evaluateRules(one.rules, { kind: `诉求${j++ & 1023}` }),
    () => raw(validDoc),
    seconds / 3,
  );
  results.push(
    result(
      'one rule condition through evaluateRules, new input each time, vs one raw ajv validation',
      'µs',
      1e6 / feelOps,
      1e6 / rawOps,
    ),
  );

  const big = bigForm();
  const ours: number[] = [];
  const ref: number[] = [];
  for (let i = 0; i < 5; i++) {
    let t = performance.now();
    await compileForm(big, { divisions });
    ours.push(performance.now() - t);
    const a = rawAjv(divisions);
    t = performance.now();
    a.compile(big.schema as never);
    ref.push(performance.now() - t);
  }
  results.push(result('compile 300-field form vs raw ajv compile', 'ms', median(ours), median(ref)));
  return { bench: 'forms', results };
};

export default bench;
