/**
 * The view of a form for one task and role: a simplified schema, the UI schema and the data, with
 * hidden fields removed (by permission or by rule) and sensitive values masked unless the role may
 * see them. The view schema is for rendering only (references inlined, conditional keywords
 * dropped); the server always validates with the full schema.
 */
import type { CompiledForm } from './compile-form.js';
import type { JsonSchema, SensitiveKind, UiSchema } from './definition.js';
import type { Lang } from './errors.js';
import type { FieldNode } from './field-tree.js';
import { maskValue } from './mask.js';
import {
  resolvePermissions,
  type FieldMode,
  type FieldPermission,
  type PermissionPlan,
} from './permissions.js';
import { evaluateRules, getPath, REMOVE, setPath } from './rules.js';

/** Options of {@link formView}. */
export interface ViewOptions {
  /** The task's permissions (`UserTaskNode.permissions`); none = everything editable. */
  readonly permissions?: readonly FieldPermission[];
  /** Role of the viewer (available to rules as `role`). */
  readonly role?: string;
  /** The case data to show. */
  readonly data?: Readonly<Record<string, unknown>>;
  /** Whether the role may see `x-sensitive` values unmasked (default false). */
  readonly canSeeSensitive?: boolean;
  readonly lang?: Lang;
}

/** One field as shown. */
export interface ViewField {
  readonly path: string;
  readonly label: string;
  readonly mode: FieldMode;
  readonly kind: FieldNode['kind'];
  readonly section?: string;
  readonly sensitive?: SensitiveKind;
}

/** The view of a form. */
export interface FormView {
  readonly formId: string;
  /** Content hash of the form version the view was made from (when compiled from a published version). */
  readonly formHash?: string;
  readonly permissions: readonly FieldPermission[];
  readonly schema: JsonSchema;
  readonly ui: UiSchema;
  readonly data: Readonly<Record<string, unknown>>;
  /** Visible fields (permission not `hidden`), in schema order. */
  readonly fields: readonly ViewField[];
  /** Concrete paths the rules hide, make read-only or required for this data. */
  readonly ruleState: {
    readonly hidden: readonly string[];
    readonly readonly: readonly string[];
    readonly required: readonly string[];
  };
}

const APPLICATORS = new Set([
  '$ref',
  '$defs',
  'definitions',
  'allOf',
  'anyOf',
  'oneOf',
  'not',
  'if',
  'then',
  'else',
  'dependentSchemas',
  'dependentRequired',
  'properties',
  'required',
  'items',
  'prefixItems',
  'unevaluatedProperties',
  'unevaluatedItems',
  'patternProperties',
  '$id',
  '$schema',
  '$anchor',
  '$dynamicAnchor',
  '$dynamicRef',
  'x-onHide',
]);

/**
 * Builds the view of a form for a task and role.
 *
 * @example
 * ```ts
 * const view = formView(form, { permissions: task.permissions, role: 'handler', data: caseData });
 * view.data.petitioner; // { name: '张三', idNumber: '110105********002X', … }
 * ```
 */
export function formView(form: CompiledForm, options: ViewOptions = {}): FormView {
  const lang = options.lang ?? 'zh';
  const permissions = options.permissions ?? [];
  const plan = resolvePermissions(form.root, form.fields, permissions);
  let data: Record<string, unknown> = { ...(options.data ?? {}) };
  const outcome = evaluateRules(form.rules, data, options.role === undefined ? {} : { role: options.role });
  for (const [path, value] of outcome.computed)
    data = setPath(data, path.split('.'), value === null ? REMOVE : value);
  for (const path of outcome.hidden)
    if (getPath(data, path.split('.')) !== undefined) data = setPath(data, path.split('.'), REMOVE);
  data = prune(form.root, plan, data, options.canSeeSensitive === true) as Record<string, unknown>;
  const fields: ViewField[] = [];
  for (const f of form.fields.values()) {
    if (f.path === '') continue;
    const mode = plan.modes.get(f.path)!;
    if (mode === 'hidden') continue;
    fields.push({
      path: f.path,
      label: lang === 'en' ? f.label.en : f.label.zh,
      mode,
      kind: f.kind,
      ...(f.section === undefined ? {} : { section: f.section }),
      ...(f.sensitive === undefined ? {} : { sensitive: f.sensitive }),
    });
  }
  return {
    formId: form.id,
    ...(form.hash === undefined ? {} : { formHash: form.hash }),
    permissions,
    schema: viewSchema(form.root, plan) ?? {},
    ui: pruneUi(form.ui, plan),
    data,
    fields,
    ruleState: {
      hidden: [...outcome.hidden],
      readonly: [...outcome.readonly],
      required: [...outcome.required],
    },
  };
}

function prune(f: FieldNode, plan: PermissionPlan, value: unknown, canSee: boolean): unknown {
  if (value === undefined) return undefined;
  const mode = f.path === '' ? 'edit' : plan.modes.get(f.path)!;
  if (mode === 'hidden') return undefined;
  if (f.sensitive !== undefined && !canSee) return maskValue(value, f.sensitive);
  if (f.kind === 'object' && value !== null && typeof value === 'object' && !Array.isArray(value)) {
    const out: Record<string, unknown> = {};
    const known = new Set(f.children.map((c) => c.key));
    for (const c of f.children) {
      const v = prune(c, plan, (value as Record<string, unknown>)[c.key], canSee);
      if (v !== undefined) out[c.key] = v;
    }
    for (const [k, v] of Object.entries(value)) if (!known.has(k)) out[k] = v;
    return out;
  }
  if (f.kind === 'array' && f.item !== undefined && Array.isArray(value))
    return value.map((v) => prune(f.item!, plan, v, canSee) ?? null);
  return value;
}

function viewSchema(f: FieldNode, plan: PermissionPlan): JsonSchema | undefined {
  const mode = f.path === '' ? 'edit' : plan.modes.get(f.path)!;
  if (mode === 'hidden') return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(f.schema)) if (!APPLICATORS.has(k)) out[k] = v;
  if (f.kind === 'object') {
    const props: Record<string, JsonSchema> = {};
    const required: string[] = [];
    for (const c of f.children) {
      const s = viewSchema(c, plan);
      if (s === undefined) continue;
      props[c.key] = s;
      const cm = plan.modes.get(c.path);
      if (cm === 'required' || (c.requiredBySchema && cm !== 'read')) required.push(c.key);
    }
    out.type = 'object';
    out.properties = props;
    if (required.length > 0) out.required = required;
  } else if (f.kind === 'array' && f.item !== undefined) {
    out.type = 'array';
    const s = viewSchema(f.item, plan);
    if (s !== undefined) out.items = s;
  }
  if (mode === 'read') out.readOnly = true;
  if (f.path !== '' && out.title === undefined) out.title = f.label.zh;
  return out;
}

function pruneUi(ui: UiSchema, plan: PermissionPlan): UiSchema {
  const hidden = (p: string): boolean => plan.modes.get(p) === 'hidden';
  const out: { -readonly [K in keyof UiSchema]: UiSchema[K] } = {};
  if (ui.title !== undefined) out.title = ui.title;
  if (ui.sections !== undefined)
    out.sections = ui.sections
      .map((s) => ({ ...s, fields: s.fields.filter((p) => !hidden(p)) }))
      .filter((s) => s.fields.length > 0);
  if (ui.fields !== undefined)
    out.fields = Object.fromEntries(Object.entries(ui.fields).filter(([p]) => !hidden(p)));
  return out;
}
