/**
 * The fields of a form, derived once from its (reference-resolved) schema: one node per property,
 * with `*` standing for the items of an array. Labels, sensitivity, hide behaviour and sections are
 * attached here so views, permissions, rules and error messages all agree on them.
 */
import type { JsonSchema, SensitiveKind, UiSchema } from './definition.js';
import type { Lang } from './errors.js';
import { resolveRef } from './schema-refs.js';
import { pickText, type LocalText } from './text.js';

/** One field of a form. */
export interface FieldNode {
  /** Field path: `petitioner.name`, `claims.*.kind` (the array item itself is `claims.*`). */
  readonly path: string;
  /** Last segment (`*` for an array item). */
  readonly key: string;
  readonly kind: 'object' | 'array' | 'value';
  /** The field's schema with its own `$ref` resolved (children are not inlined). */
  readonly schema: JsonSchema;
  readonly label: { readonly zh: string; readonly en: string };
  readonly sensitive?: SensitiveKind;
  readonly onHide: 'clear' | 'keep';
  /** Section id (from the UI schema), inherited from the parent when not listed. */
  readonly section?: string;
  /** Child fields of an object, in schema order. */
  readonly children: readonly FieldNode[];
  /** The item field of an array. */
  readonly item?: FieldNode;
  /** True when the parent object lists this field in `required`. */
  readonly requiredBySchema: boolean;
}

/** All fields by path. */
export type FieldIndex = ReadonlyMap<string, FieldNode>;

const MAX_FIELD_DEPTH = 24;

/** Builds the field tree from a prepared schema. */
export function buildFieldTree(
  schema: JsonSchema,
  docs: ReadonlyMap<string, JsonSchema>,
  rootDoc: string,
  ui: UiSchema | undefined,
): { root: FieldNode; index: FieldIndex } {
  const sectionOf = new Map<string, string>();
  for (const s of ui?.sections ?? []) for (const f of s.fields) if (!sectionOf.has(f)) sectionOf.set(f, s.id);
  const index = new Map<string, FieldNode>();

  const build = (
    raw: JsonSchema,
    docId: string,
    path: string,
    key: string,
    required: boolean,
    parentSection: string | undefined,
    seen: readonly object[],
    parentLabel: LocalText | undefined,
  ): FieldNode => {
    const { node, doc, parts } = flatten(raw, docId, docs);
    const uiField = ui?.fields?.[path];
    if (!index.has(path)) index.set(path, undefined as unknown as FieldNode); // keep document order (pre-order)
    const title = firstString(parts, 'title');
    const labelText: LocalText = uiField?.label ?? title ?? (key === '*' ? (parentLabel ?? key) : key);
    const label = { zh: pickText(labelText, 'zh'), en: pickText(labelText, 'en') };
    const sens = parts.map((p) => p['x-sensitive']).find((v) => v !== undefined);
    const sensitive: SensitiveKind | undefined =
      sens === true ? guessKind(parts) : typeof sens === 'string' ? (sens as SensitiveKind) : undefined;
    const onHide = parts.map((p) => p['x-onHide']).find((v) => v !== undefined) === 'keep' ? 'keep' : 'clear';
    const section = sectionOf.get(path) ?? parentSection;
    const isObject = parts.some(
      (p) =>
        p.type === 'object' ||
        p.properties !== undefined ||
        (Array.isArray(p.type) && p.type.includes('object')),
    );
    const isArray = parts.some(
      (p) =>
        p.type === 'array' || p.items !== undefined || (Array.isArray(p.type) && p.type.includes('array')),
    );
    const recursive = seen.includes(node) || path.split('.').length > MAX_FIELD_DEPTH;
    const children: FieldNode[] = [];
    let item: FieldNode | undefined;
    const nextSeen = [...seen, node];
    if (!recursive && isObject) {
      const req = new Set(
        parts.flatMap((p) =>
          Array.isArray(p.required)
            ? (p.required as unknown[]).filter((x): x is string => typeof x === 'string')
            : [],
        ),
      );
      const props = new Map<string, JsonSchema>();
      for (const p of parts) {
        const ps = p.properties;
        if (ps !== null && typeof ps === 'object')
          for (const [k, v] of Object.entries(ps))
            if (!props.has(k) && v !== null && typeof v === 'object') props.set(k, v as JsonSchema);
      }
      for (const [k, v] of props)
        children.push(
          build(v, doc, path === '' ? k : `${path}.${k}`, k, req.has(k), section, nextSeen, undefined),
        );
    } else if (!recursive && isArray) {
      const items = parts
        .map((p) => p.items)
        .find((v) => v !== null && typeof v === 'object' && !Array.isArray(v));
      if (items !== undefined)
        item = build(
          items as JsonSchema,
          doc,
          `${path === '' ? '' : path + '.'}*`,
          '*',
          false,
          section,
          nextSeen,
          labelText,
        );
    }
    const kind =
      children.length > 0 || (isObject && !isArray) ? 'object' : item !== undefined ? 'array' : 'value';
    const f: FieldNode = {
      path,
      key,
      kind,
      schema: node,
      label,
      onHide,
      children,
      requiredBySchema: required,
      ...(sensitive === undefined ? {} : { sensitive }),
      ...(section === undefined ? {} : { section }),
      ...(item === undefined ? {} : { item }),
    };
    index.set(path, f);
    return f;
  };
  const root = build(schema, rootDoc, '', '', true, undefined, [], ui?.title);
  return { root, index };
}

/**
 * The schema objects that describe one field: the node itself, what its `$ref` points to, and the
 * branches of `allOf` / `anyOf` / `oneOf` / `then` / `else` (so properties declared conditionally
 * are fields too).
 */
function flatten(
  raw: JsonSchema,
  docId: string,
  docs: ReadonlyMap<string, JsonSchema>,
): { node: JsonSchema; doc: string; parts: Record<string, unknown>[] } {
  const parts: Record<string, unknown>[] = [];
  let doc = docId;
  let node = raw;
  const queue: { s: Record<string, unknown>; d: string }[] = [
    { s: raw as Record<string, unknown>, d: docId },
  ];
  const seen = new Set<object>();
  while (queue.length > 0 && parts.length < 64) {
    const { s, d } = queue.shift()!;
    if (seen.has(s)) continue;
    seen.add(s);
    parts.push(s);
    if (typeof s.$ref === 'string') {
      const t = resolveRef(s.$ref, d, docs);
      if (t !== undefined) {
        if (s === raw) {
          node = t.node;
          doc = t.doc;
        }
        queue.push({ s: t.node, d: t.doc });
      }
    }
    for (const k of ['allOf', 'anyOf', 'oneOf']) {
      const list = s[k];
      if (Array.isArray(list))
        for (const x of list)
          if (x !== null && typeof x === 'object') queue.push({ s: x as Record<string, unknown>, d });
    }
    for (const k of ['then', 'else']) {
      const x = s[k];
      if (x !== null && typeof x === 'object' && !Array.isArray(x))
        queue.push({ s: x as Record<string, unknown>, d });
    }
  }
  return { node, doc, parts };
}

function firstString(parts: readonly Record<string, unknown>[], key: string): string | undefined {
  for (const p of parts) if (typeof p[key] === 'string') return p[key];
  return undefined;
}

function guessKind(parts: readonly Record<string, unknown>[]): SensitiveKind {
  const fmt = firstString(parts, 'format');
  if (fmt === 'cn-idcard') return 'idcard';
  if (fmt === 'cn-mobile' || fmt === 'cn-phone') return 'phone';
  return 'text';
}

/** The label of a field in a language. */
export function fieldLabel(f: FieldNode, lang: Lang): string {
  return lang === 'en' ? f.label.en : f.label.zh;
}
