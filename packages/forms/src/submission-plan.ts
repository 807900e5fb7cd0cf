/**
 * What the submission hot path needs for one compiled form and one permission overlay, built once and
 * cached: a merge tree (each field with its resolved mode and subtree summaries, so merging looks
 * nothing up by path), the paths in mode `required`, and a **step validator**: an ajv validator of the
 * form's schema specialised to the overlay.
 *
 * The step validator leaves out what could only produce errors that `validateSubmission` drops anyway.
 * Errors are reported only for fields the step may write, so a subschema sitting at a field with
 * nothing writable at or below it (read-only and hidden parts) is replaced by `true`, and `required`
 * stops naming such fields. Pruning happens only where a subschema's result cannot change another
 * keyword's outcome: through `properties`, `items`, `allOf`, `then` and `else`; never inside `anyOf`,
 * `oneOf`, `not`, `if`, `contains` or `dependentSchemas`, and never through `$ref` (the target is kept
 * whole). Forms whose own document refers into itself other than via `#/$defs/…`, or that use
 * `$dynamicRef`, nested `$id`s or anchors, use the full validator. Error filtering after validation is
 * unchanged, so the step validator can only ever check more than needed, never less.
 */
import type { Ajv2020 } from 'ajv/dist/2020.js';
import type { ValidateFunction } from 'ajv';
import type { CompiledForm } from './compile-form.js';
import type { JsonSchema, SensitiveKind } from './definition.js';
import type { FieldNode } from './field-tree.js';
import { isWritable, type FieldMode, type PermissionPlan } from './permissions.js';

/** One field as the merge sees it under one overlay. */
export interface MergeNode {
  readonly field: FieldNode;
  readonly kind: FieldNode['kind'];
  readonly mode: FieldMode;
  /** The mode allows writing (`edit`, `required`, `append`). */
  readonly editable: boolean;
  /** The whole subtree is plain `edit` / `required`: taken as submitted. */
  readonly allEdit: boolean;
  /** The field or something below it may be written. */
  readonly writableBelow: boolean;
  /** A sensitive field is at or below it. */
  readonly sensitiveBelow: boolean;
  readonly sensitive: SensitiveKind | undefined;
  readonly children: readonly MergeNode[];
  /** Keys of `children`. */
  readonly keys: ReadonlySet<string>;
  readonly item: MergeNode | undefined;
  /** The key is also a property of `Object.prototype` (`toString`, …): read it as an own key only. */
  readonly protoKey: boolean;
}

/** The cached machinery of one form under one overlay. */
export interface SubmissionPlan {
  readonly plan: PermissionPlan;
  readonly root: MergeNode;
  /** The step validator (or the form's full validator when nothing can be left out). */
  readonly validator: ValidateFunction;
  /** True when `validator` is specialised to the overlay. */
  readonly specialised: boolean;
  /** Field paths in mode `required`, as merge-tree paths from the root. */
  readonly required: readonly (readonly MergeNode[])[];
  /** Cache generation (see {@link useStepValidators}). */
  readonly generation: number;
}

const ajvOf = new WeakMap<CompiledForm, Ajv2020>();
const cache = new WeakMap<CompiledForm, Map<PermissionPlan, SubmissionPlan>>();
/** Plans kept per form (each holds one compiled ajv function); the oldest is dropped first. */
const MAX_PLANS_PER_FORM = 64;
let planIds = 0;

let stepValidators = true;

/**
 * Turns step validators on (default) or off, clearing cached plans: with them off every overlay uses
 * the form's full validator. For tests that check both give the same results.
 */
export function useStepValidators(on: boolean): void {
  stepValidators = on;
  plansCleared++;
}
let plansCleared = 0;

/** False once {@link useStepValidators} has cleared the plans. */
export function isCurrent(step: SubmissionPlan): boolean {
  return step.generation === plansCleared;
}

/** Records the ajv instance a form was compiled with (called by `compileForm`). */
export function rememberAjv(form: CompiledForm, ajv: Ajv2020): void {
  ajvOf.set(form, ajv);
}

/** The submission plan of a form under a resolved overlay (built on first use, then cached). */
export function submissionPlan(form: CompiledForm, plan: PermissionPlan): SubmissionPlan {
  let byPlan = cache.get(form);
  const hit = byPlan?.get(plan);
  if (hit !== undefined && hit.generation === plansCleared) return hit;
  if (hit !== undefined) {
    byPlan!.delete(plan);
    const ajv = ajvOf.get(form);
    if (hit.specialised && ajv !== undefined) ajv.removeSchema(hit.validator.schema as JsonSchema);
  }
  const root = mergeTree(form.root, plan);
  const required: MergeNode[][] = [];
  collectRequired(root, [], required);
  let validator = form.validator;
  let specialised = false;
  let pruned: JsonSchema | undefined;
  const ajv = ajvOf.get(form);
  if (stepValidators && !plan.allEdit.has('') && ajv !== undefined && canPrune(form.schema)) {
    pruned = pruneRoot(form.schema, root);
    try {
      validator = ajv.compile(pruned);
      specialised = true;
    } catch {
      pruned = undefined; // an unforeseen construct: the full validator is always correct
    }
  }
  const out: SubmissionPlan = { plan, root, validator, specialised, required, generation: plansCleared };
  if (byPlan === undefined) cache.set(form, (byPlan = new Map()));
  if (byPlan.size >= MAX_PLANS_PER_FORM) {
    const [oldPlan, old] = byPlan.entries().next().value as [PermissionPlan, SubmissionPlan];
    byPlan.delete(oldPlan);
    if (old.specialised && ajv !== undefined) ajv.removeSchema(old.validator.schema as JsonSchema);
  }
  byPlan.set(plan, out);
  return out;
}

/** A merge-tree node; a class so that every node has the same shape (monomorphic property access). */
class Node implements MergeNode {
  readonly kind: FieldNode['kind'];
  readonly editable: boolean;
  readonly allEdit: boolean;
  readonly writableBelow: boolean;
  readonly sensitiveBelow: boolean;
  readonly sensitive: SensitiveKind | undefined;
  readonly keys: ReadonlySet<string>;
  readonly protoKey: boolean;
  constructor(
    readonly field: FieldNode,
    readonly mode: FieldMode,
    plan: PermissionPlan,
    readonly children: readonly MergeNode[],
    readonly item: MergeNode | undefined,
  ) {
    this.kind = field.kind;
    this.editable = isWritable(mode);
    this.allEdit = plan.allEdit.has(field.path);
    this.writableBelow = plan.writableBelow.has(field.path);
    this.sensitiveBelow = plan.sensitiveBelow.has(field.path);
    this.sensitive = field.sensitive;
    this.keys = new Set(field.children.map((c) => c.key));
    this.protoKey = field.key in Object.prototype;
  }
}

function mergeTree(f: FieldNode, plan: PermissionPlan): MergeNode {
  const mode: FieldMode = f.path === '' ? 'edit' : plan.modes.get(f.path)!;
  const children = f.children.map((c) => mergeTree(c, plan));
  const item = f.item === undefined ? undefined : mergeTree(f.item, plan);
  return new Node(f, mode, plan, children, item);
}

function collectRequired(n: MergeNode, path: MergeNode[], out: MergeNode[][]): void {
  if (n.mode === 'required' && path.length > 0) out.push(path);
  for (const c of n.children) collectRequired(c, [...path, c], out);
  if (n.item !== undefined) collectRequired(n.item, [...path, n.item], out);
}

/** Constructs that make pruning unsafe (a reference could land inside a pruned part). */
function canPrune(schema: JsonSchema): boolean {
  const stack: unknown[] = [schema];
  let first = true;
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    const o = v as Record<string, unknown>;
    if (!first && (typeof o.$id === 'string' || typeof o.$anchor === 'string')) return false;
    if (o.$dynamicRef !== undefined || o.$dynamicAnchor !== undefined || o.$recursiveRef !== undefined)
      return false;
    if (typeof o.$ref === 'string' && o.$ref.startsWith('#') && !o.$ref.startsWith('#/$defs/')) return false;
    const own = typeof schema.$id === 'string' ? schema.$id.split('#')[0]! : undefined;
    if (
      typeof o.$ref === 'string' &&
      own !== undefined &&
      o.$ref.startsWith(own + '#') &&
      !o.$ref.startsWith(own + '#/$defs/')
    )
      return false;
    first = false;
    for (const [k, x] of Object.entries(o)) {
      // `const` / `enum` / `default` / `examples` hold data, not schemas.
      if (k === 'const' || k === 'enum' || k === 'default' || k === 'examples') continue;
      stack.push(x);
    }
  }
  return true;
}

function pruneRoot(schema: JsonSchema, root: MergeNode): JsonSchema {
  const out = prune(schema, root) as Record<string, unknown>;
  const copy = out === (schema as unknown) ? { ...schema } : out;
  // A new id: the original stays registered under its own.
  if (typeof schema.$id === 'string') copy.$id = `urn:shidian:step-validator:${++planIds}`;
  return copy as JsonSchema;
}

/** The subschema `s` located at field `n`, with what cannot produce a kept error left out. */
function prune(s: unknown, n: MergeNode): unknown {
  if (!n.writableBelow) return true;
  if (s === null || typeof s !== 'object' || Array.isArray(s)) return s;
  const o = s as Record<string, unknown>;
  let out: Record<string, unknown> | undefined;
  const set = (k: string, v: unknown): void => {
    if (v === o[k]) return;
    out ??= { ...o };
    if (v === undefined) delete out[k];
    else out[k] = v;
  };
  const props = o.properties;
  if (props !== null && typeof props === 'object' && !Array.isArray(props)) {
    let p: Record<string, unknown> | undefined;
    for (const [k, sub] of Object.entries(props)) {
      const child = n.children.find((c) => c.field.key === k);
      if (child === undefined) continue;
      const r = prune(sub, child);
      if (r !== sub) (p ??= { ...(props as Record<string, unknown>) })[k] = r;
    }
    if (p !== undefined) set('properties', p);
  }
  if (Array.isArray(o.required)) {
    const kept = (o.required as unknown[]).filter((k) => {
      if (typeof k !== 'string') return true;
      const child = n.children.find((c) => c.field.key === k);
      return child === undefined ? n.editable : child.editable;
    });
    if (kept.length !== o.required.length) set('required', kept.length === 0 ? undefined : kept);
  }
  if (n.item !== undefined && o.items !== null && typeof o.items === 'object' && !Array.isArray(o.items))
    set('items', prune(o.items, n.item));
  if (Array.isArray(o.allOf)) {
    const list = o.allOf as unknown[];
    const next = list.map((b) => prune(b, n));
    if (next.some((b, i) => b !== list[i])) set('allOf', next);
  }
  for (const k of ['then', 'else'] as const) if (o[k] !== undefined) set(k, prune(o[k], n));
  return out ?? o;
}
