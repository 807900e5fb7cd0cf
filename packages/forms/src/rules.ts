/**
 * FEEL rules (feelin): `visible`, `required`, `readonly` conditions and `compute` expressions on
 * fields. Pure: the same data gives the same result on the server and in the browser. A condition is
 * true only when it evaluates to the boolean `true` (`null`, e.g. from a missing value, counts as
 * false). Results are memoised per expression on the values it reads (FEEL has no side effects),
 * except for expressions that read the clock (`now()`, `today()`).
 */
import { parseExpression } from 'feelin';
import type { FormRule } from './definition.js';
import { formError } from './errors.js';
import { evaluateFeel } from './feel-cache.js';
import { compileFastFeel, FALLBACK, type FastFeel } from './feel-fast.js';
import type { FieldIndex } from './field-tree.js';

/** One parsed FEEL expression with the top-level names it reads. */
export interface CompiledExpr {
  readonly source: string;
  /** Top-level variable names read by the expression (data keys, `item`, `index`, `role`). */
  readonly reads: readonly string[];
  /**
   * What the memo key is made of: each read as a dotted path when the expression only uses it that way
   * (`item.kind`), else the whole variable (`item`).
   */
  readonly keyPaths: readonly (readonly string[])[];
  readonly cacheable: boolean;
}

/** A rule ready to run. */
export interface CompiledRule {
  readonly field: string;
  /** `field` split on dots (`*` = each array item). */
  readonly segments: readonly string[];
  readonly visible?: CompiledExpr;
  readonly required?: CompiledExpr;
  readonly readonly?: CompiledExpr;
  readonly compute?: CompiledExpr;
}

const RULE_KEYS = new Set(['field', 'visible', 'required', 'readonly', 'compute']);
const KINDS = ['visible', 'required', 'readonly', 'compute'] as const;

/** Checks and parses rules; throws `FORM_ERR_RULE_INVALID`. */
export function compileRules(rules: readonly FormRule[], fields: FieldIndex): readonly CompiledRule[] {
  return rules.map((r, i) => {
    const at = `rules.${i}`;
    if (r === null || typeof r !== 'object') throw formError('FORM_ERR_RULE_INVALID', { at });
    for (const k of Object.keys(r))
      if (!RULE_KEYS.has(k))
        throw formError('FORM_ERR_RULE_INVALID', { at: `${at}.${k}`, reason: 'unknown member' });
    if (typeof r.field !== 'string' || !fields.has(r.field) || r.field === '')
      throw formError('FORM_ERR_RULE_INVALID', {
        at: `${at}.field`,
        reason: `no such field: ${String(r.field)}`,
      });
    const out: { -readonly [K in keyof CompiledRule]: CompiledRule[K] } = {
      field: r.field,
      segments: r.field.split('.'),
    };
    let any = false;
    for (const kind of KINDS) {
      const src = r[kind];
      if (src === undefined) continue;
      if (typeof src !== 'string' || src.trim() === '' || src.length > 4000)
        throw formError('FORM_ERR_RULE_INVALID', { at: `${at}.${kind}` });
      out[kind] = compileExpr(src, `${at}.${kind}`);
      any = true;
    }
    if (!any)
      throw formError('FORM_ERR_RULE_INVALID', {
        at,
        reason: 'a rule needs visible, required, readonly or compute',
      });
    return Object.freeze(out);
  });
}

/** Parses a FEEL expression (syntax errors throw `FORM_ERR_RULE_INVALID`) and finds the names it reads. */
export function compileExpr(source: string, at: string): CompiledExpr {
  let tree;
  try {
    tree = parseExpression(source, {}, undefined);
  } catch (err) {
    throw formError('FORM_ERR_RULE_INVALID', {
      at,
      reason: err instanceof Error ? err.message : String(err),
    });
  }
  const reads = new Set<string>();
  const paths = new Set<string>();
  let error: number | undefined;
  tree.iterate({
    enter(n) {
      if (n.type.isError && error === undefined) error = n.from;
      if (n.name === 'PathExpression') {
        const text = source.slice(n.from, n.to);
        if (SIMPLE_PATH.test(text)) {
          reads.add(text.split('.')[0]!);
          paths.add(text);
          return false;
        }
      }
      if (n.name === 'VariableName') {
        const first = source.slice(n.from, n.to).trim();
        reads.add(first);
        paths.add(first);
        return false;
      }
      return undefined;
    },
  });
  if (error !== undefined)
    throw formError('FORM_ERR_RULE_INVALID', { at, reason: `syntax error at ${error}: ${source}` });
  // feelin parses some JavaScript-isms without an error and evaluates them to null: refuse them here.
  const code = source.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  const js = /={2,}|=\s+=|&&|\|\||!(?!=)/.exec(code);
  if (js !== null)
    throw formError('FORM_ERR_RULE_INVALID', {
      at,
      reason: `not FEEL: "${js[0]}" (use =, !=, and, or, not())`,
    });
  // A whole-variable read makes its dotted reads redundant in the key.
  const keyPaths = [...paths].filter((p) => !p.includes('.') || !paths.has(p.split('.')[0]!)).sort();
  return {
    source,
    reads: [...reads].sort(),
    keyPaths: keyPaths.map((p) => p.split('.')),
    cacheable: !/\b(?:now|today)\s*\(/.test(source),
  };
}

/** What the rules decided for one document: concrete data paths (`claims.0.route`). */
export interface RuleOutcome {
  readonly hidden: ReadonlySet<string>;
  readonly required: ReadonlySet<string>;
  readonly readonly: ReadonlySet<string>;
  /** Computed values by concrete path, in rule order. */
  readonly computed: ReadonlyMap<string, unknown>;
  /** Rules that failed to evaluate (concrete path → FEEL source). */
  readonly failures: readonly { readonly path: string; readonly source: string; readonly reason: string }[];
}

const SIMPLE_PATH = /^[A-Za-z_$][\w$]*(?:\.[A-Za-z_$][\w$]*)+$/;

const EMPTY_OUTCOME: RuleOutcome = {
  hidden: new Set(),
  required: new Set(),
  readonly: new Set(),
  computed: new Map(),
  failures: [],
};

/**
 * Memo of one expression. Inputs that are all primitives key a map by a string; inputs with objects or
 * lists (e.g. `count(claims)`) are compared structurally with the last few inputs seen, which costs
 * far less than serialising them (a snapshot is stored, so later changes to the caller's data cannot
 * leak into the memo).
 */
interface Memo {
  readonly byKey: Map<string, unknown>;
  readonly recent: { readonly inputs: readonly unknown[]; readonly value: unknown }[];
}
const memos = new WeakMap<CompiledExpr, Memo>();
const CACHE_MAX = 512;
const RECENT_MAX = 16;
/** Marks, in a memo input list, a dotted read that went through a non-object (the whole variable follows). */
const THROUGH: unique symbol = Symbol('through');

function memoOf(expr: CompiledExpr): Memo {
  let memo = memos.get(expr);
  if (memo === undefined) memos.set(expr, (memo = { byKey: new Map(), recent: [] }));
  return memo;
}

/** The FEEL fast path of each expression (feel-fast.ts), compiled on first use; `null`: none. */
const fastExprs = new WeakMap<CompiledExpr, FastFeel | null>();

function run(
  expr: CompiledExpr,
  inst: Instance,
  doc: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>>,
): unknown {
  if (!expr.cacheable) return evalExpr(expr, inst, doc, extra);
  // Where the fast path answers, its value is feelin's (feel-fast.test.ts): no memo needed.
  let fast = fastExprs.get(expr);
  if (fast === undefined) fastExprs.set(expr, (fast = compileFastFeel(expr.source, expr.reads) ?? null));
  if (fast !== null) {
    const v = fast(inst.item, inst.index, doc, extra);
    if (v !== FALLBACK) return v;
  }
  const inputs = memoInputs(expr.keyPaths, inst, doc, extra);
  const memo = memoOf(expr);
  const key = primitiveKey(inputs);
  if (key !== undefined) {
    if (key.length > 2048) return evalExpr(expr, inst, doc, extra);
    if (memo.byKey.has(key)) return memo.byKey.get(key);
    const value = evalExpr(expr, inst, doc, extra);
    if (memo.byKey.size >= CACHE_MAX) memo.byKey.clear();
    memo.byKey.set(key, value);
    return value;
  }
  const recent = memo.recent;
  for (let i = 0; i < recent.length; i++) {
    const r = recent[i]!;
    if (sameInputs(r.inputs, inputs)) return r.value;
  }
  const value = evalExpr(expr, inst, doc, extra);
  remember(memo, inputs, value);
  return value;
}

function evalExpr(
  expr: CompiledExpr,
  inst: Instance,
  doc: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>>,
): unknown {
  return toJson(evaluateFeel(expr.source, contextFor(expr, inst, doc, extra)).value);
}

/** The top-level value of a name as the expression sees it. */
function topValue(
  name: string,
  inst: Instance,
  doc: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>>,
): unknown {
  if (name === 'item') return inst.item ?? null;
  if (name === 'index') return inst.index ?? null;
  if (Object.hasOwn(doc, name)) return doc[name];
  if (Object.hasOwn(extra, name)) return extra[name];
  return undefined;
}

/**
 * The values an expression reads, one per key path. A dotted read follows plain objects only; through
 * anything else (a list, where FEEL maps the path over the items) the whole variable is the input,
 * preceded by a marker.
 */
function memoInputs(
  keyPaths: readonly (readonly string[])[],
  inst: Instance,
  doc: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>>,
): unknown[] {
  const out: unknown[] = [];
  for (let p = 0; p < keyPaths.length; p++) {
    const path = keyPaths[p]!;
    const base = topValue(path[0]!, inst, doc, extra);
    let v = base;
    let through = false;
    for (let i = 1; i < path.length; i++) {
      if (v === null || v === undefined) break;
      if (typeof v !== 'object' || Array.isArray(v)) {
        v = base;
        through = true;
        break;
      }
      v = Object.hasOwn(v, path[i]!) ? (v as Record<string, unknown>)[path[i]!] : undefined;
    }
    if (through) out.push(THROUGH);
    out.push(v);
  }
  return out;
}

/** A string key when every input is a primitive, else `undefined`. */
function primitiveKey(inputs: readonly unknown[]): string | undefined {
  let key = '';
  for (let i = 0; i < inputs.length; i++) {
    const v = inputs[i];
    if (v === undefined) key += '\u0000u';
    else if (v === null) key += '\u0000n';
    else if (v === THROUGH) key += '\u0001';
    else if (v === ABSENT) key += '\u0002';
    else if (typeof v === 'string') key += '\u0000s' + v;
    else if (typeof v === 'number' || typeof v === 'boolean') key += '\u0000' + String(v);
    else return undefined;
  }
  return key;
}

function isPlainRecord(v: object): boolean {
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

function sameInputs(a: readonly unknown[], b: readonly unknown[]): boolean {
  if (a.length !== b.length) return false;
  for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
  return true;
}

/** Structural equality of JSON values (`undefined` members count as present). */
export function jsonEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!jsonEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  if (!isPlainRecord(a) || !isPlainRecord(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (!Object.hasOwn(b, k)) return false;
    if (!jsonEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** FEEL values → JSON (dates, durations and ranges become their FEEL string form). */
function toJson(v: unknown): unknown {
  if (v === null || v === undefined) return null;
  if (typeof v === 'number') return Number.isFinite(v) ? v : null;
  if (typeof v === 'string' || typeof v === 'boolean') return v;
  if (Array.isArray(v)) return v.map(toJson);
  if (typeof v === 'object' && Object.getPrototypeOf(v) === Object.prototype) {
    const out: Record<string, unknown> = {};
    for (const [k, x] of Object.entries(v)) out[k] = toJson(x);
    return out;
  }
  if (typeof v === 'function') return null;
  return String(v);
}

/**
 * Evaluates every rule against a document.
 *
 * @param extra extra top-level variables (e.g. `role`).
 */
export function evaluateRules(
  rules: readonly CompiledRule[],
  data: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>> = {},
): RuleOutcome {
  if (rules.length === 0) return EMPTY_OUTCOME;
  // The whole outcome is memoised on the top-level values the rules can depend on.
  let deps: Dependencies;
  let memo: Memo;
  if (lastRules !== undefined && lastRules.rules === rules) ({ deps, memo } = lastRules);
  else {
    deps = dependenciesOf(rules);
    memo = outcomeMemos.get(rules) ?? newMemo(rules);
    lastRules = { rules, deps, memo };
  }
  if (!deps.cacheable) return evaluateAll(rules, data, extra);
  const inputs: unknown[] = [];
  for (const name of deps.data) inputs.push(Object.hasOwn(data, name) ? data[name] : ABSENT);
  for (const name of deps.extra) inputs.push(Object.hasOwn(extra, name) ? extra[name] : ABSENT);
  const key = primitiveKey(inputs);
  if (key !== undefined) {
    const hit = memo.byKey.get(key) as RuleOutcome | undefined;
    if (hit !== undefined) return hit;
    const outcome = evaluateAll(rules, data, extra);
    if (key.length <= 2048) {
      if (memo.byKey.size >= CACHE_MAX) memo.byKey.clear();
      memo.byKey.set(key, outcome);
    }
    return outcome;
  }
  for (const r of memo.recent) if (sameInputs(r.inputs, inputs)) return r.value as RuleOutcome;
  const outcome = evaluateAll(rules, data, extra);
  remember(memo, inputs, outcome);
  return outcome;
}

/** What a rule set's outcome depends on: top-level data names and extra names. */
interface Dependencies {
  readonly data: readonly string[];
  readonly extra: readonly string[];
  /** False when an expression reads the clock. */
  readonly cacheable: boolean;
}
const dependencies = new WeakMap<readonly CompiledRule[], Dependencies>();
const outcomeMemos = new WeakMap<readonly CompiledRule[], Memo>();
/** The last rule set seen, to skip two lookups when the same form is validated again. */
let lastRules: { rules: readonly CompiledRule[]; deps: Dependencies; memo: Memo } | undefined;
/** Marks a name that is not present (distinct from a present `undefined` or `null`). */
const ABSENT: unique symbol = Symbol('absent');

function newMemo(rules: readonly CompiledRule[]): Memo {
  const memo: Memo = { byKey: new Map(), recent: [] };
  outcomeMemos.set(rules, memo);
  return memo;
}

/**
 * A rule's instances depend on the values along its field path (the first segment of a nested field);
 * its expressions on the names they read (data first, then the extra variables such as `role`).
 */
function dependenciesOf(rules: readonly CompiledRule[]): Dependencies {
  let deps = dependencies.get(rules);
  if (deps !== undefined) return deps;
  const names = new Set<string>();
  let cacheable = true;
  for (const r of rules) {
    if (r.segments[0] === '*')
      cacheable = false; // a list at the top: instances depend on the whole document
    else if (r.segments.length > 1) names.add(r.segments[0]!);
    for (const kind of KINDS) {
      const e = r[kind];
      if (e === undefined) continue;
      cacheable &&= e.cacheable;
      for (const n of e.reads) if (n !== 'item' && n !== 'index') names.add(n);
    }
  }
  const sorted = [...names].sort();
  deps = { data: sorted, extra: sorted, cacheable };
  dependencies.set(rules, deps);
  return deps;
}

/** Structured memo inputs above this size (characters + values) are not kept. */
const SNAPSHOT_BUDGET = 16_384;

/** Spends `budget` on the size of `v`; returns what is left (negative: too big or too deep). */
function sizeLeft(v: unknown, budget: number, depth = 0): number {
  if (budget < 0 || depth > 64) return -1;
  if (typeof v === 'string') return budget - 1 - v.length;
  if (v === null || typeof v !== 'object') return budget - 1;
  let left = budget - 1;
  for (const x of Array.isArray(v) ? v : Object.values(v)) {
    left = sizeLeft(x, left, depth + 1);
    if (left < 0) break;
  }
  return left;
}

function remember(memo: Memo, inputs: readonly unknown[], value: unknown): void {
  let left = SNAPSHOT_BUDGET;
  for (const v of inputs) if ((left = sizeLeft(v, left)) < 0) return; // too big to keep 16 copies of
  let snapshot: unknown[];
  try {
    snapshot = inputs.map((v) => (typeof v === 'symbol' ? v : structuredClone(v)));
  } catch {
    return; // not plain data: not memoised
  }
  memo.recent.unshift({ inputs: snapshot, value });
  if (memo.recent.length > RECENT_MAX) memo.recent.pop();
}

function evaluateAll(
  rules: readonly CompiledRule[],
  data: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>>,
): RuleOutcome {
  const hidden = new Set<string>();
  const required = new Set<string>();
  const ro = new Set<string>();
  const computed = new Map<string, unknown>();
  const failures: { path: string; source: string; reason: string }[] = [];
  let doc = data;
  for (const rule of rules) {
    for (const inst of instances(rule.segments, doc)) {
      if (rule.compute !== undefined) {
        try {
          const value = run(rule.compute, inst, doc, extra);
          computed.set(inst.path, value);
          const segs = rule.segments.length === 1 ? rule.segments : inst.path.split('.');
          // Unchanged values need no copy of the document.
          if (!jsonEqual(getPath(doc, segs), value)) doc = setPath(doc, segs, value);
        } catch (err) {
          failures.push({
            path: inst.path,
            source: rule.compute.source,
            reason: err instanceof Error ? err.message : String(err),
          });
        }
      }
      if (rule.visible !== undefined && test(rule.visible, inst, doc, extra, failures) === false)
        hidden.add(inst.path);
      if (rule.required !== undefined && test(rule.required, inst, doc, extra, failures) === true)
        required.add(inst.path);
      if (rule.readonly !== undefined && test(rule.readonly, inst, doc, extra, failures) === true)
        ro.add(inst.path);
    }
  }
  return { hidden, required, readonly: ro, computed, failures };
}

interface Instance {
  readonly path: string;
  readonly item?: unknown;
  readonly index?: number;
}

/** The FEEL context of one expression: only the names it reads. */
function contextFor(
  e: CompiledExpr,
  inst: Instance,
  doc: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>>,
): Record<string, unknown> {
  const ctx: Record<string, unknown> = {};
  for (const name of e.reads) {
    if (name === 'item') ctx.item = inst.item ?? null;
    else if (name === 'index') ctx.index = inst.index ?? null;
    else if (Object.hasOwn(doc, name)) ctx[name] = doc[name];
    else if (Object.hasOwn(extra, name)) ctx[name] = extra[name];
  }
  return ctx;
}

function test(
  e: CompiledExpr,
  inst: Instance,
  doc: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>>,
  failures: { path: string; source: string; reason: string }[],
): boolean | undefined {
  try {
    return run(e, inst, doc, extra) === true;
  } catch (err) {
    failures.push({
      path: inst.path,
      source: e.source,
      reason: err instanceof Error ? err.message : String(err),
    });
    return undefined;
  }
}

/** The concrete instances of a field pattern in a document (plain loops: this runs per validation). */
function instances(segments: readonly string[], data: unknown): Instance[] {
  // A top-level field has exactly one instance.
  if (segments.length === 1 && segments[0] !== '*') return [{ path: segments[0]! }];
  let frontier: { path: string; value: unknown; item?: unknown; index?: number }[] = [
    { path: '', value: data },
  ];
  for (let depth = 0; depth < segments.length; depth++) {
    const seg = segments[depth]!;
    const last = depth === segments.length - 1;
    const next: typeof frontier = [];
    for (const f of frontier) {
      const prefix = f.path === '' ? '' : f.path + '.';
      if (seg === '*') {
        if (!Array.isArray(f.value)) continue;
        for (let i = 0; i < f.value.length; i++)
          next.push({ path: prefix + String(i), value: f.value[i], item: f.value[i], index: i + 1 });
        continue;
      }
      const obj = f.value;
      const isObj = obj !== null && typeof obj === 'object' && !Array.isArray(obj);
      if (!isObj && !last) continue;
      const v = isObj && Object.hasOwn(obj, seg) ? (obj as Record<string, unknown>)[seg] : undefined;
      if (!last && v === undefined) continue;
      next.push(
        f.item === undefined
          ? { path: prefix + seg, value: v }
          : { path: prefix + seg, value: v, item: f.item, index: f.index! },
      );
    }
    frontier = next;
  }
  return frontier;
}

/** Marker for {@link setPath}: remove the value. */
export const REMOVE: unique symbol = Symbol('remove');

/** A copy of `root` with the value at `segments` replaced (or removed with `REMOVE`), copying only the path. */
export function setPath<T extends Readonly<Record<string, unknown>>>(
  root: T,
  segments: readonly string[],
  value: unknown,
): T {
  return setAt(root, segments, 0, value) as T;
}

function setAt(node: unknown, segments: readonly string[], i: number, value: unknown): unknown {
  const seg = segments[i]!;
  if (Array.isArray(node)) {
    const idx = Number(seg);
    if (!Number.isInteger(idx) || idx < 0) return node;
    const copy = node.slice();
    if (i === segments.length - 1) {
      if (value === REMOVE) copy[idx] = null;
      else copy[idx] = value;
    } else copy[idx] = setAt(node[idx], segments, i + 1, value);
    return copy;
  }
  const obj = node !== null && typeof node === 'object' ? (node as Record<string, unknown>) : {};
  const copy: Record<string, unknown> = { ...obj };
  if (i === segments.length - 1) {
    if (value === REMOVE) delete copy[seg];
    else copy[seg] = value;
  } else {
    if (!Object.hasOwn(obj, seg) && value === REMOVE) return node;
    copy[seg] = setAt(obj[seg], segments, i + 1, value);
  }
  return copy;
}

/** Reads the value at a concrete path. */
export function getPath(root: unknown, segments: readonly string[]): unknown {
  let v = root;
  for (let i = 0; i < segments.length; i++) {
    const s = segments[i]!;
    if (v === null || typeof v !== 'object' || !Object.hasOwn(v, s)) return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}
