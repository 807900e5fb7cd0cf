/**
 * Validates what a user submits on one step: merges it over the case's previous data under the
 * permission overlay (writes to read-only or hidden fields are rejected, append-only fields may only
 * grow), applies the rules (computed values, hidden fields cleared or kept), then checks the result
 * against the schema. Errors are reported only for fields the step may write.
 */
import type { CompiledForm } from './compile-form.js';
import type { FieldError, Lang } from './errors.js';
import { fromAjv, toFieldErrors, unambiguous, type RawProblem } from './field-errors.js';
import type { FieldNode } from './field-tree.js';
import { inspectData, isForbiddenKey, OK, Walk, type DataProblem } from './guards.js';
import { maskValue } from './mask.js';
import { BAIL } from './merge-codegen.js';
import { rulePlanOf, type PreparedRules } from './rule-plan.js';
import {
  isWritable,
  resolvePermissions,
  type FieldMode,
  type FieldPermission,
  type PermissionPlan,
} from './permissions.js';
import { evaluateRules, getPath, REMOVE, setPath, type RuleOutcome } from './rules.js';
import { isCurrent, submissionPlan, type MergeNode, type SubmissionPlan } from './submission-plan.js';

/** Options of {@link validateSubmission}. */
export interface SubmissionOptions {
  readonly lang?: Lang;
  /** The role of the submitter (available to rules as `role`). */
  readonly role?: string;
  /** Whether the submitter saw sensitive values unmasked (a masked value sent back means "unchanged"). */
  readonly canSeeSensitive?: boolean;
  /** Today's date in China (`YYYY-MM-DD`), for error details of ID numbers. */
  readonly today?: string;
}

/** Result of a validation: the data to store when valid (previous data with the allowed changes applied). */
export interface SubmissionResult {
  readonly valid: boolean;
  readonly errors: readonly FieldError[];
  /** The merged document (rules applied). Present even when invalid, for redisplay. */
  readonly data: Readonly<Record<string, unknown>>;
}

/** Either a permission list (as on `UserTaskNode.permissions`) or a view returned by `formView`. */
export type PermissionSource =
  readonly FieldPermission[] | { readonly permissions: readonly FieldPermission[] };

/**
 * Validates a submission for one step.
 *
 * @example
 * ```ts
 * const r = validateSubmission(form, task.permissions, caseData, body, { lang: 'zh' });
 * if (!r.valid) reply.code(422).send({ errors: r.errors });
 * ```
 */
export function validateSubmission(
  form: CompiledForm,
  permissions: PermissionSource,
  previousData: Readonly<Record<string, unknown>> | undefined,
  submitted: unknown,
  options: SubmissionOptions = {},
): SubmissionResult {
  const lang = options.lang ?? 'zh';
  const prev = previousData ?? {};
  if (submitted === null || typeof submitted !== 'object' || Array.isArray(submitted)) {
    const guard = inspectData(submitted, form.dataLimits);
    if (guard !== undefined) return guardFailure(form, guard, lang, prev);
    return fail(form, [{ segments: [], code: 'FORM_ERR_NOT_OBJECT' }], lang, prev);
  }
  const list = Array.isArray(permissions)
    ? (permissions as readonly FieldPermission[])
    : (permissions as { permissions: readonly FieldPermission[] }).permissions;
  const step = stepFor(form, list);
  const problems: RawProblem[] = [];
  const masked = options.canSeeSensitive !== true;
  const validator =
    previousData === undefined && step.plainValidator !== undefined ? step.plainValidator : step.validator;
  // The whole check as one generated function (submit-codegen.ts), when it answers.
  const fused = step.generatedSubmit(masked);
  if (fused !== undefined) {
    const role = options.role as unknown;
    const fast = fused.run(
      previousData,
      submitted,
      role === undefined ? NO_EXTRA : { role },
      typeof role !== 'object' || role === null,
      problems,
      validator,
      options.today,
      lang,
    );
    if (fast !== BAIL) {
      const data = fast as Record<string, unknown>;
      if (problems.length === 0) return { valid: true, errors: [], data };
      return finish(form, step, problems, fused.hidden, lang, data);
    }
    problems.length = 0;
  }
  // One pass: the merge applies the safety limits to every part of the submission (kept, compared
  // or rejected). When one is passed, the full safety walk runs for the exact error, so a submission
  // over the limits gets the same coded error as from a walk before the merge.
  const generated = step.generatedMerge(masked);
  let data: Record<string, unknown>;
  const fast = generated === undefined ? BAIL : generated.run(previousData, submitted, problems);
  // Whether the merge checked every key of the document (the rules then skip their own check).
  let vetted = false;
  if (fast !== BAIL) {
    data = fast as Record<string, unknown>;
    vetted = !generated!.unvetted;
  } else {
    // The interpreted merge (the generated one gave up, or generated code is off).
    problems.length = 0;
    const ctx: MergeCtx = { problems, masked, walk: new Walk(form.dataLimits), tripped: false };
    data = merge(ctx, step.root, previousData, submitted, []) as Record<string, unknown>;
    if (ctx.tripped) {
      const guard = inspectData(submitted, form.dataLimits);
      if (guard !== undefined) return guardFailure(form, guard, lang, prev);
      return fail(form, [{ segments: [], code: 'FORM_ERR_DATA_TOO_LARGE' }], lang, prev);
    }
  }
  if (data === undefined || data === null || typeof data !== 'object') data = {};

  // Rules: computed values, rule-level readonly / hidden / required.
  let hidden: PreparedRules['hidden'] = NONE_ROWS;
  let ruleRequired: readonly (readonly string[])[] = NONE_SEGS;
  if (form.rules.length > 0) {
    const role = options.role as unknown;
    const extra = role === undefined ? NO_EXTRA : { role };
    if (typeof role === 'object' && role !== null) vetted = false;
    // The fast path (rules in the FEEL subset run directly) or the interpreted one: same outcome.
    const plan = generated === undefined ? undefined : rulePlanOf(form);
    let r: PreparedRules | undefined = plan === undefined ? undefined : plan(data, extra, vetted);
    if (r === undefined) {
      const outcome = evaluateRules(form.rules, data, extra);
      r = prepare(form, outcome);
      for (const f of outcome.failures)
        problems.push({
          segments: f.path.split('.'),
          code: 'FORM_ERR_RULE_FAILED',
          detail: { zh: f.reason, en: f.reason },
        });
    }
    const computed = r.computed;
    for (let i = 0; i < computed.length; i++) {
      const c = computed[i]!;
      if (!deepEqual(valueAt(data, c.segs), c.value === null ? undefined : c.value))
        data = setPath(data, c.segs, c.value === null ? REMOVE : c.value);
    }
    if (r.readonly.length > 0)
      for (const ro of r.readonly) {
        const before = getPath(prev, ro.segs);
        const sent = getPath(submitted, ro.segs);
        if (sent !== undefined && !deepEqual(sent, before) && !ro.computed)
          problems.push({ segments: ro.segs, code: 'FORM_ERR_READONLY_WRITE' });
        if (!ro.computed) data = setPath(data, ro.segs, before === undefined ? REMOVE : before);
      }
    for (let i = 0; i < r.hidden.length; i++) {
      const h = r.hidden[i]!;
      const target = h.keep ? valueAt(prev, h.segs) : undefined;
      if (valueAt(data, h.segs) !== target)
        data = setPath(data, h.segs, target === undefined ? REMOVE : target);
    }
    hidden = r.hidden;
    ruleRequired = r.required;
  }

  // Schema validation of the merged document (the step validator: see submission-plan.ts).
  if (!validator(data)) problems.push(...fromAjv(validator.errors ?? [], data, options.today, lang));

  // Required by permission or by rule.
  if (step.generatedRequired !== undefined) step.generatedRequired(data, problems);
  else for (const path of step.required) requireAll(path, 0, data, [], problems);
  for (let i = 0; i < ruleRequired.length; i++) {
    const segs = ruleRequired[i]!;
    if (isEmpty(getPath(data, segs))) problems.push({ segments: segs, code: 'FORM_ERR_REQUIRED' });
  }

  if (problems.length === 0) return { valid: true, errors: [], data };
  return finish(form, step, problems, hidden, lang, data);
}

/** Keeps only the problems the submitter is responsible for, as errors with labels and messages. */
function finish(
  form: CompiledForm,
  step: SubmissionPlan,
  problems: readonly RawProblem[],
  hidden: PreparedRules['hidden'],
  lang: Lang,
  data: Record<string, unknown>,
): SubmissionResult {
  const plan = step.plan;
  const paths: string[] = new Array<string>(problems.length);
  for (let i = 0; i < problems.length; i++) {
    const p = problems[i]!;
    paths[i] = p.path ?? p.segments.join('.');
  }
  // Paths of required problems: a set for long lists, else a scan of the list.
  let required = 0;
  for (let i = 0; i < problems.length; i++) if (problems[i]!.code === 'FORM_ERR_REQUIRED') required++;
  let missing: Set<string> | undefined;
  if (required > 8) {
    missing = new Set();
    for (let i = 0; i < problems.length; i++)
      if (problems[i]!.code === 'FORM_ERR_REQUIRED') missing.add(paths[i]!);
  }
  const kept: RawProblem[] = [];
  const keptPaths: string[] = [];
  for (let i = 0; i < problems.length; i++) {
    const p = problems[i]!;
    const code = p.code;
    let keep: boolean;
    if (
      code === 'FORM_ERR_READONLY_WRITE' ||
      code === 'FORM_ERR_HIDDEN_WRITE' ||
      code === 'FORM_ERR_APPEND_ONLY' ||
      code === 'FORM_ERR_RULE_FAILED'
    )
      keep = true;
    // An empty required field reports "required" only, not also its format or options.
    else if (code !== 'FORM_ERR_REQUIRED' && required > 0 && isMissing(problems, paths, missing, paths[i]!))
      keep = false;
    else if (underHidden(hidden, p.segments)) keep = false;
    else keep = isWritable(modeOf(step, form.root, plan, paths[i]!, p));
    if (keep) {
      kept.push(p);
      keptPaths.push(paths[i]!);
    }
  }
  const errors = toFieldErrors(form.root, kept, lang, keptPaths);
  return { valid: errors.length === 0, errors, data };
}

/** Whether a required problem has this path (a set look-up for long lists, else a scan). */
function isMissing(
  problems: readonly RawProblem[],
  paths: readonly string[],
  missing: Set<string> | undefined,
  path: string,
): boolean {
  if (missing !== undefined) return missing.has(path);
  for (let i = 0; i < problems.length; i++)
    if (problems[i]!.code === 'FORM_ERR_REQUIRED' && paths[i] === path) return true;
  return false;
}

const NONE: readonly string[] = [];

/** `getPath` with the one-segment case (a top-level field) read directly. */
function valueAt(root: Readonly<Record<string, unknown>>, segs: readonly string[]): unknown {
  if (segs.length === 1) {
    const k = segs[0]!;
    return Object.hasOwn(root, k) ? root[k] : undefined;
  }
  return getPath(root, segs);
}

/** The last (form, permission list) seen and its plan: a server validates the same step over and over. */
let last: { form: CompiledForm; list: readonly FieldPermission[]; step: SubmissionPlan } | undefined;

function stepFor(form: CompiledForm, list: readonly FieldPermission[]): SubmissionPlan {
  if (last !== undefined && last.form === form && last.list === list && isCurrent(last.step))
    return last.step;
  const step = submissionPlan(form, resolvePermissions(form.root, form.fields, list));
  last = { form, list, step };
  return step;
}
const NONE_SEGS: readonly (readonly string[])[] = [];
const NONE_ROWS: PreparedRules['hidden'] = [];

/** A rule outcome with its paths split and looked up once (outcomes are memoised, so this is too). */
interface PreparedOutcome extends PreparedRules {
  readonly root: FieldNode;
  readonly computed: readonly { readonly segs: readonly string[]; readonly value: unknown }[];
  readonly readonly: readonly { readonly segs: readonly string[]; readonly computed: boolean }[];
  readonly hidden: readonly { readonly segs: readonly string[]; readonly keep: boolean }[];
  readonly required: readonly (readonly string[])[];
}
const prepared = new WeakMap<RuleOutcome, PreparedOutcome>();
let lastPrepared: { outcome: RuleOutcome; out: PreparedOutcome } | undefined;

function prepare(form: CompiledForm, outcome: RuleOutcome): PreparedOutcome {
  if (lastPrepared !== undefined && lastPrepared.outcome === outcome && lastPrepared.out.root === form.root)
    return lastPrepared.out;
  const hit = prepared.get(outcome);
  if (hit !== undefined && hit.root === form.root) {
    lastPrepared = { outcome, out: hit };
    return hit;
  }
  const hiddenSegs = [...outcome.hidden].map((p) => p.split('.'));
  const out: PreparedOutcome = {
    root: form.root,
    computed: [...outcome.computed].map(([p, value]) => ({ segs: p.split('.'), value })),
    readonly: [...outcome.readonly].map((p) => ({ segs: p.split('.'), computed: outcome.computed.has(p) })),
    hidden: hiddenSegs.map((segs) => ({ segs, keep: fieldAt(form.root, segs)?.onHide === 'keep' })),
    required: [...outcome.required].map((p) => p.split('.')),
  };
  prepared.set(outcome, out);
  lastPrepared = { outcome, out };
  return out;
}
const NO_EXTRA: Readonly<Record<string, unknown>> = Object.freeze({});

function fail(
  form: CompiledForm,
  problems: RawProblem[],
  lang: Lang,
  prev: Readonly<Record<string, unknown>>,
): SubmissionResult {
  return { valid: false, errors: toFieldErrors(form.root, problems, lang), data: prev };
}

interface MergeCtx {
  readonly problems: RawProblem[];
  readonly masked: boolean;
  /** Limits and the count of submitted nodes seen. */
  readonly walk: Walk;
  /** A limit was passed (the caller then runs the full safety walk for the exact error). */
  tripped: boolean;
}

function guardFailure(
  form: CompiledForm,
  guard: DataProblem,
  lang: Lang,
  prev: Readonly<Record<string, unknown>>,
): SubmissionResult {
  return fail(
    form,
    [{ segments: guard.path === '' ? [] : guard.path.split('.'), code: guard.code }],
    lang,
    prev,
  );
}

/** Marks a passed limit; returns `false` for use in comparisons. */
function trip(ctx: MergeCtx): false {
  ctx.tripped = true;
  return false;
}

/** Keeps a submitted value as it is, after walking it under the limits. */
function keep(ctx: MergeCtx, v: unknown, depth: number): unknown {
  if (v !== undefined && ctx.walk.walk(v, depth) !== OK) ctx.tripped = true;
  return v;
}

/** Counts one submitted node (a container, or a present `undefined`) against the limits. */
function count(ctx: MergeCtx, depth: number, container: boolean): boolean {
  const w = ctx.walk;
  if (++w.nodes > w.maxNodes || (container && depth >= w.maxDepth)) return trip(ctx);
  return true;
}

/**
 * Merges `sub` over `prev` for one field under the overlay. Returns the merged value (`undefined` =
 * absent). `segs` is the data path; its length is the depth for the limits.
 */
function merge(ctx: MergeCtx, n: MergeNode, prev: unknown, sub: unknown, segs: string[]): unknown {
  if (ctx.tripped) return prev;
  const depth = segs.length;
  if (n.allEdit && (prev === undefined || !ctx.masked || !n.sensitiveBelow)) return keep(ctx, sub, depth);
  const mode = n.mode;
  const editable = n.editable;
  if (sub === undefined) return editable && mode !== 'append' ? undefined : prev;
  if (!n.writableBelow) {
    if (unchanged(ctx, n, prev, sub, depth)) return prev;
    if (ctx.tripped) return prev;
    // Descend only to find which field was written (masked or hidden values below).
    if (!((n.kind === 'object' && isPlainObject(sub)) || (n.kind === 'array' && Array.isArray(sub))))
      return denied(ctx, mode, prev, sub, segs);
  }
  if (mode === 'append') {
    if (!extends_(prev, sub)) {
      ctx.problems.push({ segments: [...segs], code: 'FORM_ERR_APPEND_ONLY' });
      keep(ctx, sub, depth); // rejected, but still under the limits (for the same error as a walk)
      return prev;
    }
    return keep(ctx, sub, depth);
  }
  if (n.kind === 'object' && isPlainObject(sub)) {
    if (!count(ctx, depth, true)) return prev;
    const proto = Object.getPrototypeOf(sub) as unknown;
    if (proto !== Object.prototype && proto !== null) return trip(ctx) || prev;
    const keys = Object.keys(sub);
    for (let i = 0; i < keys.length; i++) if (isForbiddenKey(keys[i]!)) return trip(ctx) || prev;
    const p = isPlainObject(prev) ? prev : EMPTY;
    const out: Record<string, unknown> = {};
    const children = n.children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      const key = c.field.key;
      // Direct reads are safe for keys that no prototype provides; the others need an own-key check.
      const s: unknown = c.protoKey ? (Object.hasOwn(sub, key) ? sub[key] : undefined) : sub[key];
      const pv: unknown = c.protoKey ? (Object.hasOwn(p, key) ? p[key] : undefined) : p[key];
      if (s === undefined) {
        if (Object.hasOwn(sub, key) && !count(ctx, depth + 1, false)) return prev;
      } else if (!c.writableBelow && !c.allEdit && pv !== undefined) {
        // Fast path for a read-only field sent back unchanged (the common case on later steps).
        const mark = ctx.walk.nodes;
        if (same(ctx, pv, s, depth + 1)) {
          out[key] = pv;
          continue;
        }
        ctx.walk.nodes = mark;
        if (ctx.tripped) return prev;
      }
      segs.push(key);
      const v = merge(ctx, c, pv, s, segs);
      segs.pop();
      if (v !== undefined) out[key] = v;
    }
    const known = n.keys;
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (known.has(k)) continue;
      const pk = Object.hasOwn(p, k) ? p[k] : undefined;
      if (sub[k] === undefined) {
        // A present `undefined` (not JSON, but a caller may pass it): one node.
        if (!count(ctx, depth + 1, false)) return prev;
        if (editable) out[k] = undefined;
        else if (pk !== undefined)
          ctx.problems.push({ segments: [...segs, k], code: 'FORM_ERR_READONLY_WRITE' });
        continue;
      }
      if (editable) out[k] = keep(ctx, sub[k], depth + 1);
      else {
        const mark = ctx.walk.nodes;
        if (!same(ctx, pk, sub[k], depth + 1)) {
          ctx.walk.nodes = mark;
          if (ctx.tripped) return prev;
          ctx.problems.push({ segments: [...segs, k], code: 'FORM_ERR_READONLY_WRITE' });
          keep(ctx, sub[k], depth + 1);
        }
      }
    }
    if (!editable) for (const k of Object.keys(p)) if (!known.has(k) && !(k in out)) out[k] = p[k];
    return out;
  }
  if (n.kind === 'array' && n.item !== undefined && Array.isArray(sub)) {
    const p: readonly unknown[] = Array.isArray(prev) ? prev : NONE;
    if (!editable && sub.length !== p.length) return denied(ctx, mode, prev, sub, segs);
    if (!count(ctx, depth, true)) return prev;
    const out: unknown[] = new Array<unknown>(sub.length);
    for (let i = 0; i < sub.length; i++) {
      const s: unknown = sub[i];
      if (s === undefined && !count(ctx, depth + 1, false)) return prev;
      segs.push(String(i));
      const r = merge(ctx, n.item, p[i], s, segs);
      segs.pop();
      out[i] = r === undefined ? null : r;
    }
    return out;
  }
  if (unchanged(ctx, n, prev, sub, depth)) return prev;
  if (ctx.tripped) return prev;
  return editable ? keep(ctx, sub, depth) : denied(ctx, mode, prev, sub, segs);
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

/** A rejected write: the problem, and the rejected value still walked under the limits. */
function denied(
  ctx: MergeCtx,
  mode: FieldMode,
  prev: unknown,
  sub: unknown,
  segs: readonly string[],
): unknown {
  keep(ctx, sub, segs.length);
  ctx.problems.push({
    segments: [...segs],
    code: mode === 'hidden' ? 'FORM_ERR_HIDDEN_WRITE' : 'FORM_ERR_READONLY_WRITE',
  });
  return prev;
}

/**
 * A submitted value that equals the previous one, or its masked form. The nodes of `sub` it compares
 * are counted and checked against the limits (and uncounted again when it is not the same, since the
 * merge then visits them itself or rejects them).
 */
function unchanged(ctx: MergeCtx, n: MergeNode, prev: unknown, sub: unknown, depth: number): boolean {
  const mark = ctx.walk.nodes;
  if (same(ctx, prev, sub, depth)) return true;
  ctx.walk.nodes = mark;
  if (ctx.tripped) return false;
  if (ctx.masked && n.sensitive !== undefined && prev !== undefined) {
    if (same(ctx, maskValue(prev, n.sensitive), sub, depth)) return true;
    ctx.walk.nodes = mark;
  }
  return false;
}

/**
 * `deepEqual(a, b)` that also applies the safety limits to `b` (the submitted side): node count,
 * depth, string length, plain objects only, no forbidden keys. A passed limit trips the context.
 */
function same(ctx: MergeCtx, a: unknown, b: unknown, depth: number): boolean {
  const w = ctx.walk;
  if (++w.nodes > w.maxNodes) return trip(ctx);
  switch (typeof b) {
    case 'string':
      if (b.length > w.maxString) return trip(ctx);
      return a === b;
    case 'number':
    case 'boolean':
    case 'undefined':
      return a === b;
    case 'object':
      break;
    default:
      return trip(ctx); // functions, symbols, big integers are not JSON
  }
  if (b === null) return a === null;
  if (depth >= w.maxDepth) return trip(ctx);
  if (Array.isArray(b)) {
    if (!Array.isArray(a) || a.length !== b.length) return false;
    for (let i = 0; i < b.length; i++) if (!same(ctx, a[i], b[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(b) as unknown;
  if (proto !== Object.prototype && proto !== null) return trip(ctx);
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (isForbiddenKey(k)) return trip(ctx);
    if (!Object.hasOwn(b, k)) return false;
    if (!same(ctx, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1))
      return false;
  }
  return true;
}

/** Append-only: a string that starts with the previous one; an array whose first items equal the previous ones. */
function extends_(prev: unknown, sub: unknown): boolean {
  if (prev === undefined || prev === null) return true;
  if (typeof prev === 'string') return typeof sub === 'string' && sub.startsWith(prev);
  if (Array.isArray(prev)) {
    if (!Array.isArray(sub) || sub.length < prev.length) return false;
    for (let i = 0; i < prev.length; i++) if (!deepEqual(prev[i], sub[i])) return false;
    return true;
  }
  return deepEqual(prev, sub);
}

/**
 * Every concrete instance of a `required`-mode field (`claims.*.decision` → each item's) must be
 * non-empty. A missing top-level field counts; below the top level, only instances whose parent exists.
 */
function requireAll(
  path: readonly MergeNode[],
  i: number,
  value: unknown,
  segs: string[],
  problems: RawProblem[],
): void {
  const n = path[i]!;
  const last = i === path.length - 1;
  const key = n.field.key;
  if (key === '*') {
    if (!Array.isArray(value)) return;
    for (let j = 0; j < value.length; j++) {
      const v: unknown = value[j];
      segs.push(String(j));
      if (last) {
        if (isEmpty(v)) problems.push({ segments: [...segs], code: 'FORM_ERR_REQUIRED' });
      } else requireAll(path, i + 1, v, segs, problems);
      segs.pop();
    }
    return;
  }
  let v: unknown;
  if (isPlainObject(value)) v = Object.hasOwn(value, key) ? value[key] : undefined;
  else if (!(last && i === 0)) return;
  segs.push(key);
  if (last) {
    if (isEmpty(v)) problems.push({ segments: [...segs], code: 'FORM_ERR_REQUIRED' });
  } else if (v !== undefined) requireAll(path, i + 1, v, segs, problems);
  segs.pop();
}

function childOf(f: FieldNode, key: string): FieldNode | undefined {
  if (f.kind === 'array') return f.item;
  if (f.kind !== 'object') return undefined;
  const cs = f.children;
  for (let i = 0; i < cs.length; i++) if (cs[i]!.key === key) return cs[i];
  return undefined;
}

/** `modeAt`, remembered per step and dotted path (bounded). */
const modeCache = new WeakMap<SubmissionPlan, Map<string, FieldMode>>();
function modeOf(
  step: SubmissionPlan,
  root: FieldNode,
  plan: PermissionPlan,
  path: string,
  p: RawProblem,
): FieldMode {
  const segs = p.segments;
  if (!(p.plain ?? unambiguous(path, segs))) return modeAt(root, plan, segs);
  let byPath = modeCache.get(step);
  if (byPath === undefined) modeCache.set(step, (byPath = new Map()));
  let mode = byPath.get(path);
  if (mode === undefined) {
    mode = modeAt(root, plan, segs);
    if (byPath.size >= 4096) byPath.clear();
    byPath.set(path, mode);
  }
  return mode;
}

function modeAt(root: FieldNode, plan: PermissionPlan, segs: readonly string[]): FieldMode {
  let f: FieldNode | undefined = root;
  let mode: FieldMode = 'edit';
  for (const s of segs) {
    f = childOf(f, s);
    if (f === undefined) break;
    mode = plan.modes.get(f.path) ?? mode;
  }
  return mode;
}

function fieldAt(root: FieldNode, segs: readonly string[]): FieldNode | undefined {
  let f: FieldNode | undefined = root;
  for (const s of segs) {
    if (f === undefined) return undefined;
    f = childOf(f, s);
  }
  return f;
}

function underHidden(hidden: PreparedRules['hidden'], segs: readonly string[]): boolean {
  for (let i = 0; i < hidden.length; i++) if (isPrefix(hidden[i]!.segs, segs)) return true;
  return false;
}

function isPrefix(p: readonly string[], segs: readonly string[]): boolean {
  if (p.length > segs.length) return false;
  for (let i = 0; i < p.length; i++) if (p[i] !== segs[i]) return false;
  return true;
}

function isEmpty(v: unknown): boolean {
  return v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);
}

function isPlainObject(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

/** Structural equality of JSON values (own enumerable keys, any order). */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (!Object.hasOwn(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}
