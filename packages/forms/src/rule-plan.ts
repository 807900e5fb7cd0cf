/**
 * The rules of a form run without feelin, the memo or path strings, when every expression is in the
 * FEEL subset of `feel-fast.ts`: a fast path of `evaluateRules` + the outcome preparation in
 * `validate-submission.ts`. For each document it either returns exactly the prepared outcome the
 * interpreted path would give (same entries, same order) or `undefined`, and the caller then takes
 * the interpreted path. Instance paths are built as segment lists directly (no joining and splitting);
 * a top-level field's list is built once.
 *
 * Used only when the rules' field patterns are distinct and follow the field tree (`*` only at
 * arrays, names only at objects), so that no two rules can name the same concrete path and the sets
 * and maps of the interpreted outcome hold exactly one entry per instance.
 */
import type { CompiledForm } from './compile-form.js';
import { compileFastFeel, FALLBACK, type FastFeel } from './feel-fast.js';
import type { FieldNode } from './field-tree.js';
import { getPath, jsonEqual, setPath, type CompiledRule } from './rules.js';

/** A rule outcome as `validateSubmission` applies it: segment lists, in the order of the outcome's sets. */
export interface PreparedRules {
  readonly computed: readonly { readonly segs: readonly string[]; readonly value: unknown }[];
  readonly readonly: readonly { readonly segs: readonly string[]; readonly computed: boolean }[];
  readonly hidden: readonly { readonly segs: readonly string[]; readonly keep: boolean }[];
  readonly required: readonly (readonly string[])[];
}

/** The generated rules of a form. `undefined`: a value outside the subset was met. */
export type RulePlan = (
  data: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>>,
  /** Every plain object in `data` and `extra` has only plain keys (see `GeneratedMerge.unvetted`). */
  vetted: boolean,
) => PreparedRules | undefined;

const plans = new WeakMap<CompiledForm, RulePlan | null>();

/** The rule plan of a form (generated once), or `undefined` when some rule is outside the subset. */
export function rulePlanOf(form: CompiledForm): RulePlan | undefined {
  let p = plans.get(form);
  if (p === undefined) plans.set(form, (p = build(form.rules, form.root) ?? null));
  return p ?? undefined;
}

const KINDS = ['compute', 'visible', 'required', 'readonly'] as const;
/** Shared empty rows (not frozen: frozen arrays take V8's slow element paths; never written). */
const NO_ROWS: readonly never[] = [];
const lit = (s: string): string => JSON.stringify(s);

/**
 * Generates the rules as one function: a block per rule, a loop per `*` of its field pattern (the
 * instances of `instances()` in rules.ts, in the same order, read from the document as it was before
 * the rule), the expressions of `feel-fast.ts`, and the rows of the prepared outcome.
 */
function build(rules: readonly CompiledRule[], root: FieldNode): RulePlan | undefined {
  const seen = new Set<string>();
  const exprs: FastFeel[] = [];
  const consts: unknown[] = [];
  const body: string[] = [];
  for (const r of rules) {
    if (seen.has(r.field)) return undefined;
    seen.add(r.field);
    // The pattern must follow the field tree: `*` exactly at arrays, names at objects.
    let f: FieldNode | undefined = root;
    for (const s of r.segments) {
      if (f.kind === 'array' && s === '*') f = f.item;
      else if (f.kind === 'object' && s !== '*') f = f.children.find((c) => c.key === s);
      else return undefined;
      if (f === undefined) return undefined;
    }
    const keep = f.onHide === 'keep';
    const fns: Partial<Record<(typeof KINDS)[number], string>> = {};
    for (const kind of KINDS) {
      const e = r[kind];
      if (e === undefined) continue;
      if (!e.cacheable) return undefined;
      const fast = compileFastFeel(e.source, e.reads);
      if (fast === undefined) return undefined;
      fns[kind] = `E[${exprs.length}]`;
      exprs.push(fast);
    }
    const segs = r.segments;
    // The instance body: `it`, `ix` (item and index) and `sg()` (the concrete path) are in scope.
    const inner: string[] = [];
    if (fns.compute !== undefined)
      inner.push(
        `v = ${fns.compute}(it, ix, doc, extra, vetted); if (v === FALLBACK) return undefined;`,
        '{ const c = { segs: SG, value: v }; if (C === undefined) C = [c]; else C.push(c); }',
        segs.length === 1
          ? `if (!jsonEqual(hasOwn(doc, ${lit(segs[0]!)}) ? doc[${lit(segs[0]!)}] : undefined, v)) doc = setPath(doc, SG, v);`
          : 'if (!jsonEqual(getPath(doc, SG), v)) doc = setPath(doc, SG, v);',
      );
    if (fns.visible !== undefined)
      inner.push(
        `v = ${fns.visible}(it, ix, doc, extra, vetted); if (v === FALLBACK) return undefined;`,
        `if (v !== true) { const h = HROW; if (H === undefined) H = [h]; else H.push(h); }`,
      );
    if (fns.required !== undefined)
      inner.push(
        `v = ${fns.required}(it, ix, doc, extra, vetted); if (v === FALLBACK) return undefined;`,
        'if (v === true) { const q = SG; if (Q === undefined) Q = [q]; else Q.push(q); }',
      );
    if (fns.readonly !== undefined)
      inner.push(
        `v = ${fns.readonly}(it, ix, doc, extra, vetted); if (v === FALLBACK) return undefined;`,
        `if (v === true) { const r = { segs: SG, computed: ${fns.compute !== undefined} }; if (R === undefined) R = [r]; else R.push(r); }`,
      );
    if (segs.length === 1) {
      // A top-level field: one instance, its path built once.
      const c = consts.length;
      const sg = Object.freeze([segs[0]!]);
      consts.push(sg, Object.freeze({ segs: sg, keep }));
      body.push(
        '{',
        'const it = undefined, ix = undefined;',
        ...inner.map((l) => l.replaceAll('HROW', `K[${c + 1}]`).replaceAll('SG', `K[${c}]`)),
        '}',
      );
      continue;
    }
    // Nested: walk the pattern from the document as it is before this rule.
    const out: string[] = ['{', 'const d0 = doc;'];
    let cur = 'd0';
    let item: readonly [string, string] | readonly [] = [];
    const path: string[] = [];
    let close = 1;
    segs.forEach((seg, depth) => {
      const last = depth === segs.length - 1;
      if (seg === '*') {
        const i = `i${depth}`;
        out.push(
          `if (Array.isArray(${cur})) for (let ${i} = 0; ${i} < ${cur}.length; ${i}++) {`,
          `const a${depth} = ${cur}[${i}];`,
        );
        close++;
        item = [`a${depth}`, `${i} + 1`];
        path.push(`String(${i})`);
        cur = `a${depth}`;
        return;
      }
      path.push(lit(seg));
      if (last) return; // the last name needs no value: the instance exists
      out.push(
        `if (${cur} !== null && typeof ${cur} === 'object' && !Array.isArray(${cur})) {`,
        `const n${depth} = hasOwn(${cur}, ${lit(seg)}) ? ${cur}[${lit(seg)}] : undefined;`,
        `if (n${depth} !== undefined) {`,
      );
      close += 2;
      cur = `n${depth}`;
    });
    out.push(
      item.length === 0
        ? 'const it = undefined, ix = undefined;'
        : `const it = ${item[0]}, ix = it === undefined ? undefined : ${item[1]};`,
      'let sg;',
      ...inner.map((l) =>
        l.replaceAll('HROW', `{ segs: SG, keep: ${keep} }`).replaceAll('SG', `(sg ??= [${path.join(', ')}])`),
      ),
      '}'.repeat(close),
    );
    body.push(...out);
  }
  const source = [
    "'use strict';",
    'return function rules(data, extra, vetted) {',
    'let C, R, H, Q, v;',
    'let doc = data;',
    ...body,
    'return { computed: C ?? NONE, readonly: R ?? NONE, hidden: H ?? NONE, required: Q ?? NONE };',
    '};',
  ].join('\n');
  const factory = new Function(
    'E',
    'K',
    'FALLBACK',
    'NONE',
    'hasOwn',
    'jsonEqual',
    'getPath',
    'setPath',
    source,
  ) as (...a: unknown[]) => RulePlan;
  return factory(exprs, consts, FALLBACK, NO_ROWS, Object.hasOwn, jsonEqual, getPath, setPath);
}
