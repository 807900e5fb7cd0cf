/**
 * Validates what a user submits on one step: merges it over the case's previous data under the
 * permission overlay (writes to read-only or hidden fields are rejected, append-only fields may only
 * grow), applies the rules (computed values, hidden fields cleared or kept), then checks the result
 * against the schema. Errors are reported only for fields the step may write.
 */
import type { CompiledForm } from './compile-form.js';
import type { FieldError, FormErrorCode, Lang } from './errors.js';
import { fromAjv, toFieldErrors, type RawProblem } from './field-errors.js';
import type { FieldNode } from './field-tree.js';
import { inspectData } from './guards.js';
import { maskValue } from './mask.js';
import {
  isWritable,
  resolvePermissions,
  type FieldMode,
  type FieldPermission,
  type PermissionPlan,
} from './permissions.js';
import { evaluateRules, getPath, REMOVE, setPath } from './rules.js';
import { submissionPlan, type MergeNode } from './submission-plan.js';

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
  const guard = inspectData(submitted, form.dataLimits);
  if (guard !== undefined)
    return fail(
      form,
      [{ segments: guard.path === '' ? [] : guard.path.split('.'), code: guard.code }],
      lang,
      prev,
    );
  if (submitted === null || typeof submitted !== 'object' || Array.isArray(submitted))
    return fail(form, [{ segments: [], code: 'FORM_ERR_NOT_OBJECT' }], lang, prev);
  const list = Array.isArray(permissions)
    ? (permissions as readonly FieldPermission[])
    : (permissions as { permissions: readonly FieldPermission[] }).permissions;
  const plan = resolvePermissions(form.root, form.fields, list);
  const step = submissionPlan(form, plan);
  const problems: RawProblem[] = [];
  const ctx: MergeCtx = { problems, masked: options.canSeeSensitive !== true };
  let data = merge(ctx, step.root, previousData, submitted, []) as Record<string, unknown>;
  if (data === undefined || data === null || typeof data !== 'object') data = {};

  // Rules: computed values, rule-level readonly / hidden / required.
  let hiddenPaths: readonly string[] = NONE;
  let ruleRequired: ReadonlySet<string> | undefined;
  if (form.rules.length > 0) {
    const outcome = evaluateRules(form.rules, data, options.role === undefined ? NO_EXTRA : { role: options.role });
    for (const f of outcome.failures)
      problems.push({
        segments: f.path.split('.'),
        code: 'FORM_ERR_RULE_FAILED',
        detail: { zh: f.reason, en: f.reason },
      });
    for (const [path, value] of outcome.computed) {
      const segs = path.split('.');
      if (!deepEqual(getPath(data, segs), value === null ? undefined : value))
        data = setPath(data, segs, value === null ? REMOVE : value);
    }
    for (const path of outcome.readonly) {
      const segs = path.split('.');
      const before = getPath(prev, segs);
      const sent = getPath(submitted, segs);
      if (sent !== undefined && !deepEqual(sent, before) && !outcome.computed.has(path))
        problems.push({ segments: segs, code: 'FORM_ERR_READONLY_WRITE' });
      if (!outcome.computed.has(path)) data = setPath(data, segs, before === undefined ? REMOVE : before);
    }
    if (outcome.hidden.size > 0) hiddenPaths = [...outcome.hidden];
    for (const path of hiddenPaths) {
      const segs = path.split('.');
      const field = fieldAt(form.root, segs);
      const before = getPath(prev, segs);
      const target = field?.onHide === 'keep' ? before : undefined;
      if (getPath(data, segs) !== target) data = setPath(data, segs, target === undefined ? REMOVE : target);
    }
    if (outcome.required.size > 0) ruleRequired = outcome.required;
  }

  // Schema validation of the merged document (the step validator: see submission-plan.ts).
  const validator = step.validator;
  if (!validator(data)) problems.push(...fromAjv(validator.errors ?? [], data, options.today, lang));

  // Required by permission or by rule.
  for (const path of step.required) requireAll(path, 0, data, [], problems);
  if (ruleRequired !== undefined)
    for (const path of ruleRequired)
      if (isEmpty(getPath(data, path.split('.'))))
        problems.push({ segments: path.split('.'), code: 'FORM_ERR_REQUIRED' });

  // Keep only what the submitter is responsible for.
  if (problems.length === 0) return { valid: true, errors: [], data };
  const hiddenSegs = hiddenPaths.map((h) => h.split('.'));
  const missing = new Set(
    problems.filter((p) => p.code === 'FORM_ERR_REQUIRED').map((p) => p.segments.join('.')),
  );
  const kept = problems.filter((p) => {
    if (ALWAYS_KEEP.has(p.code)) return true;
    // An empty required field reports "required" only, not also its format or options.
    if (p.code !== 'FORM_ERR_REQUIRED' && missing.has(p.segments.join('.'))) return false;
    if (hiddenSegs.some((h) => isPrefix(h, p.segments))) return false;
    return isWritable(modeAt(form.root, plan, p.segments));
  });
  const errors = toFieldErrors(form.root, kept, lang);
  return { valid: errors.length === 0, errors, data };
}

const NONE: readonly string[] = [];
const NO_EXTRA: Readonly<Record<string, unknown>> = Object.freeze({});

const ALWAYS_KEEP = new Set<FormErrorCode>([
  'FORM_ERR_READONLY_WRITE',
  'FORM_ERR_HIDDEN_WRITE',
  'FORM_ERR_APPEND_ONLY',
  'FORM_ERR_RULE_FAILED',
]);

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
}

/** Merges `sub` over `prev` for one field under the overlay. Returns the merged value (`undefined` = absent). */
function merge(ctx: MergeCtx, n: MergeNode, prev: unknown, sub: unknown, segs: string[]): unknown {
  if (n.allEdit && (prev === undefined || !ctx.masked || !n.sensitiveBelow)) return sub;
  const mode = n.mode;
  const editable = n.editable;
  if (sub === undefined) return editable && mode !== 'append' ? undefined : prev;
  if (!n.writableBelow) {
    if (unchanged(ctx, n, prev, sub)) return prev;
    // Descend only to find which field was written (masked or hidden values below).
    if (!((n.kind === 'object' && isPlainObject(sub)) || (n.kind === 'array' && Array.isArray(sub))))
      return denied(ctx, mode, prev, segs);
  }
  if (mode === 'append') {
    if (!extends_(prev, sub)) {
      ctx.problems.push({ segments: [...segs], code: 'FORM_ERR_APPEND_ONLY' });
      return prev;
    }
    return sub;
  }
  if (n.kind === 'object' && isPlainObject(sub)) {
    const p = isPlainObject(prev) ? prev : EMPTY;
    const out: Record<string, unknown> = {};
    const children = n.children;
    for (let i = 0; i < children.length; i++) {
      const c = children[i]!;
      const key = c.field.key;
      segs.push(key);
      const v = merge(
        ctx,
        c,
        Object.hasOwn(p, key) ? p[key] : undefined,
        Object.hasOwn(sub, key) ? sub[key] : undefined,
        segs,
      );
      segs.pop();
      if (v !== undefined) out[key] = v;
    }
    const known = n.keys;
    for (const k of Object.keys(sub)) {
      if (known.has(k)) continue;
      if (editable) out[k] = sub[k];
      else if (!deepEqual(sub[k], Object.hasOwn(p, k) ? p[k] : undefined))
        ctx.problems.push({ segments: [...segs, k], code: 'FORM_ERR_READONLY_WRITE' });
    }
    if (!editable) for (const k of Object.keys(p)) if (!known.has(k) && !(k in out)) out[k] = p[k];
    return out;
  }
  if (n.kind === 'array' && n.item !== undefined && Array.isArray(sub)) {
    const p: readonly unknown[] = Array.isArray(prev) ? prev : NONE;
    if (!editable && sub.length !== p.length) return denied(ctx, mode, prev, segs);
    const out: unknown[] = new Array<unknown>(sub.length);
    for (let i = 0; i < sub.length; i++) {
      segs.push(String(i));
      const r = merge(ctx, n.item, p[i], sub[i], segs);
      segs.pop();
      out[i] = r === undefined ? null : r;
    }
    return out;
  }
  if (editable) return unchanged(ctx, n, prev, sub) ? prev : sub;
  return unchanged(ctx, n, prev, sub) ? prev : denied(ctx, mode, prev, segs);
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});

function denied(ctx: MergeCtx, mode: FieldMode, prev: unknown, segs: readonly string[]): unknown {
  ctx.problems.push({
    segments: [...segs],
    code: mode === 'hidden' ? 'FORM_ERR_HIDDEN_WRITE' : 'FORM_ERR_READONLY_WRITE',
  });
  return prev;
}

/** A submitted value that equals the previous one, or its masked form. */
function unchanged(ctx: MergeCtx, n: MergeNode, prev: unknown, sub: unknown): boolean {
  if (deepEqual(prev, sub)) return true;
  return (
    ctx.masked &&
    n.sensitive !== undefined &&
    prev !== undefined &&
    deepEqual(maskValue(prev, n.sensitive), sub)
  );
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
