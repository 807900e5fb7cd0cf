/**
 * The whole valid-path work of `validateSubmission` for one form under one permission overlay (and
 * masked or not) as ONE generated function: the merge of `merge-codegen.ts`, the rules (FEEL fast
 * path of `feel-fast.ts` emitted inline, a block per rule, a loop per `*`), the computed, rule-read-only
 * and hidden values applied, the step validator called (ajv stays the validator), the required-mode
 * and rule-required checks. No outcome rows, path strings or second pass over the document: what a
 * top-level rule decided lives in locals, only nested instances are collected (as segment lists).
 *
 * It is a fast path of the steps in `validate-submission.ts`, not a second implementation of their
 * decisions: for each submission it either returns the merged document with exactly the problems the
 * interpreted path finds, in the same order, or gives up ({@link BAIL}) and the caller runs that path.
 * It gives up wherever the generated merge gives up (limits, forbidden keys, writes to read-only or
 * hidden fields) and wherever a rule expression leaves the FEEL subset. `generated-code.test.ts`
 * compares both on random and hostile submissions.
 *
 * Keys and literals enter the source only through `JSON.stringify`; names are generated.
 */
import type { CompiledForm } from './compile-form.js';
import type { Lang } from './errors.js';
import { emitFastFeel, FALLBACK, FEEL_HELPER_NAMES, feelHelpers, type FeelScope } from './feel-fast.js';
import { fromAjv, type RawProblem } from './field-errors.js';
import type { FieldNode } from './field-tree.js';
import {
  deepEqual,
  emitMerge,
  emitRequired,
  isEmpty,
  isObject,
  MERGE_PARAMS,
  mergeArgs,
  mergeState,
} from './merge-codegen.js';
import type { PreparedRules } from './rule-plan.js';
import { getPath, jsonEqual, REMOVE, setPath, type CompiledRule } from './rules.js';
import type { MergeNode } from './submission-plan.js';
import type { ValidateFunction } from 'ajv';

/** A generated submission check of one overlay. */
export interface GeneratedSubmit {
  /**
   * The merged document with rules applied, validated and checked (problems pushed to `problems`),
   * or {@link BAIL}.
   */
  run(
    prev: Readonly<Record<string, unknown>> | undefined,
    sub: object,
    extra: Readonly<Record<string, unknown>>,
    /** `extra` holds only primitives (so the rules need not check its keys). */
    extraVetted: boolean,
    problems: RawProblem[],
    validator: ValidateFunction,
    today: string | undefined,
    lang: Lang,
  ): unknown;
  /** After a `run` that found problems: the rule-hidden instances (as `PreparedRules.hidden`). */
  readonly hidden: PreparedRules['hidden'];
}

const lit = (s: string): string => JSON.stringify(s);
/** Names `extra` can hold (validateSubmission passes `{ role }` or nothing). */
const EXTRA_NAMES: readonly string[] = ['role'];
/**
 * The own member `key` of the plain object named `obj` (or `undefined`): a direct read for keys no
 * prototype provides (the objects here are plain, with `Object.prototype` or no prototype).
 */
const own = (obj: string, key: string): string =>
  key in Object.prototype
    ? `(hasOwn(${obj}, ${lit(key)}) ? ${obj}[${lit(key)}] : undefined)`
    : `${obj}[${lit(key)}]`;
const NO_ROWS: readonly never[] = [];

/**
 * Generates the submission check, or `undefined` when the rules cannot be generated (an expression
 * outside the FEEL subset, a field pattern that does not follow the field tree, two rules on one
 * field: the same conditions as the rule plan of `rule-plan.ts`).
 */
export function generateSubmit(
  form: CompiledForm,
  root: MergeNode,
  required: readonly (readonly MergeNode[])[],
  masked: boolean,
): GeneratedSubmit | undefined {
  const rules = emitRules(form.rules, form.root);
  if (rules === undefined) return undefined;
  const merge = emitMerge(root, form.dataLimits, masked);
  const source = [
    "'use strict';",
    ...merge.fns,
    ...rules.scratch,
    'return function submit(prev, sub, extra, extraVetted, problems, V, today, lang) {',
    'st.n = 0;',
    `st.odd = ${!merge.allPlain};`,
    'st.problems = problems;',
    'st.hidden = NO_ROWS;',
    'let data;',
    `try { data = ${merge.root}(prev, sub); }`,
    'catch (e) { if (e === GIVE_UP) return BAIL; throw e; }',
    "if (data === undefined || data === null || typeof data !== 'object') data = {};",
    'const prv = prev ?? EMPTY;',
    'const vetted = !st.odd && extraVetted;',
    ...rules.evaluate,
    ...rules.apply,
    'if (!V(data)) { const ps = fromAjv(V.errors ?? [], data, today, lang); for (let i = 0; i < ps.length; i++) problems.push(ps[i]); }',
    ...emitRequired(required),
    ...rules.required,
    'if (problems.length > 0) {',
    ...rules.hidden,
    '}',
    'return data;',
    '};',
  ].join('\n');
  const st = Object.assign(mergeState(form.dataLimits), { hidden: NO_ROWS as PreparedRules['hidden'] });
  const names = [
    ...MERGE_PARAMS,
    'K',
    'FALLBACK',
    'NO_ROWS',
    'REMOVE',
    'jsonEqual',
    'deepEqual',
    'getPath',
    'setPath',
    'isObject',
    'isEmpty',
    'RQ',
    'fromAjv',
    ...FEEL_HELPER_NAMES,
  ];
  const factory = new Function(...names, source) as (...a: unknown[]) => GeneratedSubmit['run'];
  const run = factory(
    ...mergeArgs(st, merge),
    rules.consts,
    FALLBACK,
    NO_ROWS,
    REMOVE,
    jsonEqual,
    deepEqual,
    getPath,
    setPath,
    isObject,
    isEmpty,
    [],
    fromAjv,
    ...feelHelpers(),
  );
  return {
    run,
    get hidden(): PreparedRules['hidden'] {
      return st.hidden;
    },
  };
}

/** The rules as statements (see {@link generateSubmit}). */
interface RuleSource {
  /** Evaluate every rule in order on `doc` (the rules' view, with computed values set as they go). */
  readonly evaluate: readonly string[];
  /** Apply computed, then rule-read-only, then hidden values to `data` (as validateSubmission does). */
  readonly apply: readonly string[];
  /** The rule-required checks (after the schema and required-mode checks). */
  readonly required: readonly string[];
  /** Collect the hidden instances into `st.hidden` (only run when there are problems to filter). */
  readonly hidden: readonly string[];
  /** Declarations in the scope of the generated function (scratch lists, path readers). */
  readonly scratch: readonly string[];
  /** Constants the statements refer to as `K[i]` (frozen segment lists and hidden rows). */
  readonly consts: readonly unknown[];
}

const KINDS = ['compute', 'visible', 'required', 'readonly'] as const;
const PREFIX = { compute: 'c', visible: 'v', required: 'q', readonly: 'o' } as const;

function emitRules(rules: readonly CompiledRule[], root: FieldNode): RuleSource | undefined {
  const seen = new Set<string>();
  const consts: unknown[] = [];
  const konst = (v: unknown): string => {
    consts.push(v);
    return `K[${consts.length - 1}]`;
  };
  const decl: string[] = [];
  const evaluate: string[] = [];
  const computed: string[] = [];
  const readonly: string[] = [];
  const hiddenApply: string[] = [];
  const requiredOut: string[] = [];
  const hiddenOut: string[] = ['const H = [];'];
  const scratch: string[] = [];
  const READONLY = lit('FORM_ERR_READONLY_WRITE');
  const REQUIRED = lit('FORM_ERR_REQUIRED');
  for (let ri = 0; ri < rules.length; ri++) {
    const r = rules[ri]!;
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
    const segs = r.segments;
    const top = segs.length === 1;
    const scope: FeelScope = {
      item: 'it',
      index: 'ix',
      doc: 'doc',
      extra: 'extra',
      vetted: 'vetted',
      extraNames: EXTRA_NAMES,
    };
    // The concrete path as a segment list: a constant for a top-level field, else built on first use.
    const sgTop = top ? Object.freeze([segs[0]!]) : undefined;
    const SG =
      sgTop !== undefined
        ? konst(sgTop)
        : `(sg ??= [${segs.map((seg, d) => (seg === '*' ? `String(i${d})` : lit(seg))).join(', ')}])`;
    // The instance body: `it` and `ix` in scope.
    const inner: string[] = [];
    const exprs: Partial<Record<(typeof KINDS)[number], string>> = {};
    const sources = new Map<string, string>();
    for (const kind of KINDS) {
      const e = r[kind];
      if (e === undefined) continue;
      if (!e.cacheable) return undefined;
      // The same condition twice on one instance (e.g. visible and required, both read the document
      // after the instance's compute): evaluated once.
      const again = kind === 'compute' ? undefined : sources.get(e.source);
      if (again !== undefined) {
        exprs[kind] = again;
        continue;
      }
      const emitted = emitFastFeel(e.source, e.reads, scope, `e${ri}${PREFIX[kind]}_`, 'return BAIL;');
      if (emitted === undefined) return undefined;
      inner.push(...emitted.lines);
      exprs[kind] = emitted.result;
      if (kind !== 'compute') sources.set(e.source, emitted.result);
      if (kind === 'compute') {
        const v = emitted.result;
        inner.push(
          top
            ? `if (!jsonEqual(${own('doc', segs[0]!)}, ${v})) doc = setPath(doc, ${SG}, ${v});`
            : `if (!jsonEqual(getPath(doc, ${SG}), ${v})) doc = setPath(doc, ${SG}, ${v});`,
        );
      }
    }
    const c = exprs.compute;
    const v = exprs.visible;
    const q = exprs.required;
    const o = exprs.readonly;
    const hasCompute = c !== undefined;
    if (top) {
      const HROW = konst(Object.freeze({ segs: sgTop!, keep }));
      if (c !== undefined) {
        decl.push(`let c${ri};`);
        inner.push(`c${ri} = ${c};`);
        computed.push(
          `{ const x = c${ri} === null ? undefined : c${ri}; if (!deepEqual(${own('data', segs[0]!)}, x)) data = setPath(data, ${SG}, c${ri} === null ? REMOVE : c${ri}); }`,
        );
      }
      if (v !== undefined) {
        decl.push(`let h${ri} = false;`);
        inner.push(`h${ri} = ${v} !== true;`);
        hiddenApply.push(
          `if (h${ri}) { const t = ${keep ? own('prv', segs[0]!) : 'undefined'}; if (${own('data', segs[0]!)} !== t) data = setPath(data, ${SG}, t === undefined ? REMOVE : t); }`,
        );
        hiddenOut.push(`if (h${ri}) H.push(${HROW});`);
      }
      if (q !== undefined) {
        decl.push(`let q${ri} = false;`);
        inner.push(`q${ri} = ${q} === true;`);
        requiredOut.push(
          `if (q${ri} && isEmpty(getPath(data, ${SG}))) problems.push({ segments: ${SG}, code: ${REQUIRED} });`,
        );
      }
      if (o !== undefined) {
        decl.push(`let o${ri} = false;`);
        inner.push(`o${ri} = ${o} === true;`);
        readonly.push(
          hasCompute
            ? '' // a computed value is not reset, and writing it is no problem
            : `if (o${ri}) { const b = getPath(prv, ${SG}); const s = getPath(sub, ${SG}); if (s !== undefined && !deepEqual(s, b)) problems.push({ segments: ${SG}, code: ${READONLY} }); data = setPath(data, ${SG}, b === undefined ? REMOVE : b); }`,
        );
      }
      evaluate.push('{', 'const it = undefined, ix = undefined;', ...inner, '}');
      continue;
    }
    // Nested: walk the pattern from the document as it is before this rule; collect the instances.
    if (c !== undefined) {
      decl.push(`let C${ri};`);
      inner.push(
        `{ const x = { segs: ${SG}, value: ${c} }; if (C${ri} === undefined) C${ri} = [x]; else C${ri}.push(x); }`,
      );
      computed.push(
        `if (C${ri} !== undefined) for (let j = 0; j < C${ri}.length; j++) { const r = C${ri}[j]; const x = r.value === null ? undefined : r.value; if (!deepEqual(getPath(data, r.segs), x)) data = setPath(data, r.segs, r.value === null ? REMOVE : r.value); }`,
      );
    }
    if (v !== undefined) {
      // Hidden instances are kept as their array indices in a scratch list of the generated function
      // (nothing allocated); paths are built only for a write or for filtering problems.
      const stars = segs.filter((x) => x === '*').length;
      const idx = (j: string): string[] =>
        Array.from({ length: stars }, (_, n) => (n === 0 ? `HS${ri}[${j}]` : `HS${ri}[${j} + ${n}]`));
      const segsAt = (j: string): string => {
        const ix = idx(j);
        let n = 0;
        return `[${segs.map((x) => (x === '*' ? `String(${ix[n++]!})` : lit(x))).join(', ')}]`;
      };
      scratch.push(`const HS${ri} = [];`, emitGetPath(`gp${ri}`, segs));
      // (A list grown by a very large document is dropped on the next run.)
      decl.push(`let HN${ri} = 0;`, `if (HS${ri}.length > 1024) HS${ri}.length = 0;`);
      const loopIdx = segs.flatMap((x, d) => (x === '*' ? [`i${d}`] : []));
      inner.push(`if (${v} !== true) { ${loopIdx.map((i) => `HS${ri}[HN${ri}++] = ${i};`).join(' ')} }`);
      hiddenApply.push(
        `for (let j = 0; j < HN${ri}; j += ${stars}) { const t = ${keep ? `gp${ri}(prv, ${idx('j').join(', ')})` : 'undefined'}; if (gp${ri}(data, ${idx('j').join(', ')}) !== t) data = setPath(data, ${segsAt('j')}, t === undefined ? REMOVE : t); }`,
      );
      // For one array on the way, the rows of the first 256 items are built once and shared.
      if (stars === 1) scratch.push(`const HR${ri} = [];`);
      hiddenOut.push(
        stars === 1
          ? `for (let j = 0; j < HN${ri}; j++) { const i = HS${ri}[j]; let r = i < 256 ? HR${ri}[i] : undefined; if (r === undefined) { r = { segs: ${segsAt('j')}, keep: ${keep} }; if (i < 256) HR${ri}[i] = r; } H.push(r); }`
          : `for (let j = 0; j < HN${ri}; j += ${stars}) H.push({ segs: ${segsAt('j')}, keep: ${keep} });`,
      );
    }
    if (q !== undefined) {
      decl.push(`let Q${ri};`);
      inner.push(
        `if (${q} === true) { const x = ${SG}; if (Q${ri} === undefined) Q${ri} = [x]; else Q${ri}.push(x); }`,
      );
      requiredOut.push(
        `if (Q${ri} !== undefined) for (let j = 0; j < Q${ri}.length; j++) { const sg = Q${ri}[j]; if (isEmpty(getPath(data, sg))) problems.push({ segments: sg, code: ${REQUIRED} }); }`,
      );
    }
    if (o !== undefined) {
      decl.push(`let O${ri};`);
      inner.push(
        `if (${o} === true) { const x = ${SG}; if (O${ri} === undefined) O${ri} = [x]; else O${ri}.push(x); }`,
      );
      if (!hasCompute)
        readonly.push(
          `if (O${ri} !== undefined) for (let j = 0; j < O${ri}.length; j++) { const sg = O${ri}[j]; const b = getPath(prv, sg); const s = getPath(sub, sg); if (s !== undefined && !deepEqual(s, b)) problems.push({ segments: sg, code: ${READONLY} }); data = setPath(data, sg, b === undefined ? REMOVE : b); }`,
        );
    }
    const out: string[] = ['{', 'const d0 = doc;'];
    let cur = 'd0';
    let item: readonly [string, string] | readonly [] = [];
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
        cur = `a${depth}`;
        return;
      }
      if (last) return; // the last name needs no value: the instance exists
      out.push(
        `if (${cur} !== null && typeof ${cur} === 'object' && !Array.isArray(${cur})) {`,
        `const n${depth} = ${own(cur, seg)};`,
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
      ...inner,
      '}'.repeat(close),
    );
    evaluate.push(...out);
  }
  hiddenOut.push('if (H.length > 0) st.hidden = H;');
  return {
    evaluate: ['let doc = data;', ...decl, ...evaluate],
    apply: [...computed, ...readonly.filter((l) => l !== ''), ...hiddenApply],
    required: requiredOut,
    hidden: hiddenOut,
    scratch,
    consts,
  };
}

/**
 * A function `name(root, i…)` reading the value at a field pattern with the array indices given (as
 * `getPath` of rules.ts on the concrete path: own members of objects and arrays only).
 */
function emitGetPath(name: string, segs: readonly string[]): string {
  const params: string[] = [];
  const body: string[] = ['let v = root;'];
  segs.forEach((seg, d) => {
    const k = seg === '*' ? `i${d}` : lit(seg);
    if (seg === '*') params.push(k);
    body.push(
      `if (v === null || typeof v !== 'object' || !hasOwn(v, ${k})) return undefined;`,
      `v = v[${k}];`,
    );
  });
  return `function ${name}(${['root', ...params].join(', ')}) {\n${body.join('\n')}\nreturn v;\n}`;
}
