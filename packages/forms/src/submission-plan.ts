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
import {
  generateMerge,
  generateRequired,
  type GeneratedMerge,
  type GeneratedRequired,
} from './merge-codegen.js';
import { isWritable, type FieldMode, type PermissionPlan } from './permissions.js';
import { generateSubmit, type GeneratedSubmit } from './submit-codegen.js';

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
  /**
   * The generated merge of this overlay (see `merge-codegen.ts`) for a submitter who saw sensitive
   * values masked (`masked`) or not; `undefined` when generated code is off.
   */
  generatedMerge(masked: boolean): GeneratedMerge | undefined;
  /**
   * The whole submission check of this overlay as one generated function (merge, rules, values
   * applied, step validator, required checks; see `submit-codegen.ts`) for a masked submitter or not;
   * `undefined` when generated code is off or the rules cannot be generated.
   */
  generatedSubmit(masked: boolean): GeneratedSubmit | undefined;
  /**
   * For a step where everything is editable: the full validator compiled without `ownProperties`, for
   * submissions without previous data (see `plainValidator`).
   */
  readonly plainValidator?: ValidateFunction;
  /** The generated check of the `required`-mode fields; `undefined` when generated code is off. */
  readonly generatedRequired: GeneratedRequired | undefined;
}

const ajvOf = new WeakMap<CompiledForm, Ajv2020>();
/** Creates the form's ajv instance without `ownProperties` (see {@link plainValidator}). */
const plainAjvOf = new WeakMap<CompiledForm, () => Ajv2020>();
const plainValidators = new WeakMap<CompiledForm, ValidateFunction | null>();
const cache = new WeakMap<CompiledForm, Map<PermissionPlan, SubmissionPlan>>();
/** Plans kept per form (each holds one compiled ajv function); the oldest is dropped first. */
const MAX_PLANS_PER_FORM = 64;
let planIds = 0;

let stepValidators = true;
let generatedCode = true;

/**
 * Turns the generated fast paths (merge, required checks, rules, the validator without
 * `ownProperties`) on (default) or off, clearing cached plans: with them off every submission takes
 * the interpreted path. For tests that check both give the same results.
 */
export function useGeneratedCode(on: boolean): void {
  generatedCode = on;
  plansCleared++;
}

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
export function rememberAjv(form: CompiledForm, ajv: Ajv2020, plainAjv?: () => Ajv2020): void {
  ajvOf.set(form, ajv);
  if (plainAjv !== undefined) plainAjvOf.set(form, plainAjv);
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
  // Everything editable, generated code on: the validator without `ownProperties` for submissions
  // with no previous data (the document is then exactly what the safety pass walked, plus rule results).
  const plainFull =
    stepValidators && generatedCode && !specialised && plan.allEdit.has('')
      ? plainValidator(form)
      : undefined;
  const limits = form.dataLimits;
  const merges: (GeneratedMerge | undefined)[] = [];
  const submits: (GeneratedSubmit | null | undefined)[] = [];
  const withCode = generatedCode;
  const out: SubmissionPlan = {
    plan,
    root,
    validator,
    specialised,
    required,
    generation: plansCleared,
    generatedMerge(masked: boolean): GeneratedMerge | undefined {
      if (!withCode) return undefined;
      const i = masked ? 1 : 0;
      return (merges[i] ??= generateMerge(root, limits, masked));
    },
    generatedSubmit(masked: boolean): GeneratedSubmit | undefined {
      if (!withCode) return undefined;
      const i = masked ? 1 : 0;
      return (submits[i] ??= generateSubmit(form, root, required, masked) ?? null) ?? undefined;
    },
    generatedRequired: withCode ? generateRequired(required) : undefined,
    ...(plainFull === undefined ? {} : { plainValidator: plainFull }),
  };
  if (byPlan === undefined) cache.set(form, (byPlan = new Map()));
  if (byPlan.size >= MAX_PLANS_PER_FORM) {
    const [oldPlan, old] = byPlan.entries().next().value as [PermissionPlan, SubmissionPlan];
    byPlan.delete(oldPlan);
    if (old.specialised && ajv !== undefined) ajv.removeSchema(old.validator.schema as JsonSchema);
  }
  byPlan.set(plan, out);
  return out;
}

/**
 * The form's full validator compiled without ajv's `ownProperties` (about 1.2–1.4× faster), for a step
 * where everything is editable and no previous data is given (`validateData`): the document it checks
 * is then the submission (walked by the safety pass: plain objects only, no `__proto__` /
 * `constructor` / `prototype` keys) with rule results, so reading a property cannot reach anything
 * but the document's own members and `Object.prototype`.
 * Not used (`undefined`) when the schemas name a property that `Object.prototype` has (`toString`,
 * `valueOf`, …), where the two readings would differ.
 */
function plainValidator(form: CompiledForm): ValidateFunction | undefined {
  let v = plainValidators.get(form);
  if (v === undefined) {
    v = null;
    const make = plainAjvOf.get(form);
    const ajv = make === undefined ? undefined : make();
    if (ajv !== undefined && !namesPrototypeMember([form.schema, ...sharedDocs(ajv)])) {
      try {
        v = ajv.compile(form.schema);
      } catch {
        v = null;
      }
    }
    plainValidators.set(form, v);
  }
  return v ?? undefined;
}

/** The schema documents added to an ajv instance (the shared ones and ajv's meta-schemas). */
function sharedDocs(ajv: Ajv2020): unknown[] {
  const out: unknown[] = [];
  for (const env of Object.values(ajv.schemas)) if (env !== undefined) out.push(env.schema);
  return out;
}

/** True when some schema names a member of `Object.prototype` as a property (or a required one). */
function namesPrototypeMember(docs: readonly unknown[]): boolean {
  const stack: unknown[] = [...docs];
  const bad = (k: unknown): boolean => typeof k === 'string' && k in Object.prototype;
  while (stack.length > 0) {
    const v = stack.pop();
    if (v === null || typeof v !== 'object') continue;
    if (Array.isArray(v)) {
      for (const x of v) stack.push(x);
      continue;
    }
    const o = v as Record<string, unknown>;
    for (const key of ['properties', 'dependentRequired', 'dependentSchemas']) {
      const m = o[key];
      if (m !== null && typeof m === 'object' && !Array.isArray(m) && Object.keys(m).some(bad)) return true;
    }
    if (Array.isArray(o.required) && o.required.some(bad)) return true;
    for (const [k, x] of Object.entries(o)) {
      if (k === 'const' || k === 'enum' || k === 'default' || k === 'examples') continue;
      stack.push(x);
    }
  }
  return false;
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
