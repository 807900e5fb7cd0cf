/**
 * `$ref` handling: shared definitions (the files of `schemas/`) are registered by file name and `$id`;
 * every `$ref` is checked before ajv sees it. A reference to anything that is not local is refused
 * (`FORM_ERR_REMOTE_REF`): nothing is ever fetched. A relative reference to a shared file
 * (`common.schema.json#/$defs/idNumber`, `../../schemas/common.schema.json#…`) is rewritten to that
 * file's id. Cycles of `$ref`/`allOf`/… that never descend into the data (which would recurse
 * forever) are refused with `FORM_ERR_REF_CYCLE`; recursion through `properties`/`items` is allowed.
 */
import type { JsonSchema } from './definition.js';
import { formError } from './errors.js';

/**
 * Shared schema documents by their path relative to `schemas/` (e.g. `defs.schema.json`,
 * `notices/notice-common.schema.json`).
 */
export type SharedSchemas = Readonly<Record<string, JsonSchema>>;

/** A registry of documents ready for ajv: id → document (a deep copy, refs rewritten). */
export interface SchemaRegistry {
  readonly docs: ReadonlyMap<string, JsonSchema>;
  /** id of a document by its relative path, and by its bare file name when that is unique. */
  readonly byFile: ReadonlyMap<string, string>;
}

/** The id given to a shared file that has no `$id`. */
export function sharedSchemaId(file: string): string {
  return `urn:shidian:schemas:${file}`;
}

const SCHEME = /^[a-z][a-z0-9+.-]*:/i;
const DATA_KEYWORDS = new Set(['enum', 'const', 'default', 'examples', 'x-optionsSource']);

/** The `$id` of a document without fragment, if it has one. */
export function schemaId(doc: JsonSchema): string | undefined {
  return typeof doc.$id === 'string' ? stripFragment(doc.$id) : undefined;
}

/** Builds the registry of shared documents (checking and rewriting their own references). */
export function buildRegistry(shared: SharedSchemas = {}): SchemaRegistry {
  const byFile = new Map<string, string>();
  const ids = new Map<string, string>();
  const baseCount = new Map<string, number>();
  for (const file of Object.keys(shared))
    baseCount.set(baseName(file), (baseCount.get(baseName(file)) ?? 0) + 1);
  for (const [file, doc] of Object.entries(shared)) {
    const id = schemaId(doc) ?? sharedSchemaId(file);
    byFile.set(normalise(file), id);
    if (baseCount.get(baseName(file)) === 1) byFile.set(baseName(file), id);
    ids.set(id, file);
  }
  const docs = new Map<string, JsonSchema>();
  for (const [file, doc] of Object.entries(shared)) {
    const id = byFile.get(normalise(file))!;
    const copy = rewriteRefs(doc, `schemas/${file}`, normalise(file), byFile, ids) as Record<string, unknown>;
    copy.$id = id;
    docs.set(id, copy);
  }
  return { docs, byFile };
}

/**
 * Returns a copy of a form schema with its references checked and rewritten against the registry.
 * Throws `FORM_ERR_REMOTE_REF` / `FORM_ERR_REF_UNRESOLVED` / `FORM_ERR_REF_CYCLE`.
 */
export function prepareSchema(schema: JsonSchema, where: string, registry: SchemaRegistry): JsonSchema {
  const ids = new Map<string, string>([...registry.byFile].map(([f, id]) => [id, f]));
  const copy = rewriteRefs(schema, where, undefined, registry.byFile, ids);
  assertNoRefCycle(copy, where, registry);
  return copy;
}

function rewriteRefs(
  doc: JsonSchema,
  where: string,
  file: string | undefined,
  byFile: ReadonlyMap<string, string>,
  ids: ReadonlyMap<string, string>,
): JsonSchema {
  const ownId = schemaId(doc);
  const lookup = (uri: string): string | undefined => {
    if (file !== undefined) {
      const rel = normalise(`${dirName(file)}/${uri}`);
      if (byFile.has(rel)) return byFile.get(rel);
    }
    const clean = normalise(uri);
    if (byFile.has(clean)) return byFile.get(clean);
    const suffix = [...byFile.keys()].filter((k) => k.includes('/') && clean.endsWith(`/${k}`));
    if (suffix.length === 1) return byFile.get(suffix[0]!);
    return byFile.get(baseName(uri));
  };
  const fix = (ref: string, at: string): string => {
    if (ref.startsWith('#')) return ref;
    const hash = ref.indexOf('#');
    const uri = hash < 0 ? ref : ref.slice(0, hash);
    const frag = hash < 0 ? '' : ref.slice(hash);
    if (uri === ownId) return ref;
    if (ids.has(uri)) return ref;
    if (SCHEME.test(uri)) {
      // An absolute URI that is not a registered id is never fetched.
      throw formError('FORM_ERR_REMOTE_REF', { at, ref });
    }
    const id = lookup(uri);
    if (id === undefined) throw formError('FORM_ERR_REF_UNRESOLVED', { at, ref });
    return id + frag;
  };
  return mapJson(doc, where, (key, value, at) =>
    (key === '$ref' || key === '$dynamicRef') && typeof value === 'string' ? fix(value, at) : value,
  ) as JsonSchema;
}

/** Deep copy of a JSON tree (iterative), letting `f` replace string values of keys; skips data keywords. */
function mapJson(
  root: unknown,
  where: string,
  f: (key: string, value: unknown, at: string) => unknown,
): unknown {
  const rootBox: { v: unknown } = { v: undefined };
  const stack: { src: unknown; set: (v: unknown) => void; at: string; data: boolean }[] = [
    { src: root, set: (v) => (rootBox.v = v), at: where, data: false },
  ];
  while (stack.length > 0) {
    const { src, set, at, data } = stack.pop()!;
    if (Array.isArray(src)) {
      const out: unknown[] = new Array<unknown>(src.length);
      set(out);
      src.forEach((v, i) => stack.push({ src: v, set: (x) => (out[i] = x), at: `${at}/${i}`, data }));
    } else if (src !== null && typeof src === 'object') {
      const out: Record<string, unknown> = {};
      set(out);
      for (const [k, v] of Object.entries(src)) {
        const child = `${at}/${k}`;
        out[k] = null; // fix the key order now; the value is filled in when popped
        if (!data && typeof v === 'string') out[k] = f(k, v, child);
        else stack.push({ src: v, set: (x) => (out[k] = x), at: child, data: data || DATA_KEYWORDS.has(k) });
      }
    } else set(src);
  }
  return rootBox.v;
}

const IN_PLACE_ONE = ['not', 'if', 'then', 'else'];
const IN_PLACE_MANY = ['allOf', 'anyOf', 'oneOf'];

/** Throws `FORM_ERR_REF_CYCLE` when `$ref`/`allOf`/`anyOf`/`oneOf`/`not`/`if`/`then`/`else` chains loop. */
function assertNoRefCycle(schema: JsonSchema, where: string, registry: SchemaRegistry): void {
  const docs = new Map(registry.docs);
  const formId = typeof schema.$id === 'string' ? stripFragment(schema.$id) : 'urn:shidian:form';
  docs.set(formId, schema);
  type Node = { readonly doc: string; readonly node: Record<string, unknown>; readonly at: string };
  const edges = (n: Node): Node[] => {
    const out: Node[] = [];
    const push = (v: unknown, at: string): void => {
      if (v !== null && typeof v === 'object' && !Array.isArray(v))
        out.push({ doc: n.doc, node: v as Record<string, unknown>, at });
    };
    for (const k of IN_PLACE_ONE) push(n.node[k], `${n.at}/${k}`);
    for (const k of IN_PLACE_MANY) {
      const list = n.node[k];
      if (Array.isArray(list)) list.forEach((v, i) => push(v, `${n.at}/${k}/${i}`));
    }
    const ref = n.node.$ref;
    if (typeof ref === 'string') {
      const target = resolveRef(ref, n.doc, docs);
      if (target !== undefined)
        out.push({ doc: target.doc, node: target.node, at: `${target.doc}#${target.pointer}` });
    }
    return out;
  };
  const state = new Map<Record<string, unknown>, 1 | 2>();
  const roots: Node[] = [{ doc: formId, node: schema as Record<string, unknown>, at: where }];
  for (const [id, doc] of registry.docs)
    roots.push({ doc: id, node: doc as Record<string, unknown>, at: id });
  // Every schema object is a potential entry: collect them all (iteratively).
  const all: Node[] = [];
  for (const r of roots) collectSchemas(r.doc, r.node, r.at, all);
  for (const start of all) {
    if (state.has(start.node)) continue;
    const stack: { n: Node; next: Node[]; i: number }[] = [{ n: start, next: edges(start), i: 0 }];
    state.set(start.node, 1);
    while (stack.length > 0) {
      const top = stack[stack.length - 1]!;
      if (top.i >= top.next.length) {
        state.set(top.n.node, 2);
        stack.pop();
        continue;
      }
      const nx = top.next[top.i++]!;
      const s = state.get(nx.node);
      if (s === 1) throw formError('FORM_ERR_REF_CYCLE', { at: nx.at });
      if (s === 2) continue;
      state.set(nx.node, 1);
      stack.push({ n: nx, next: edges(nx), i: 0 });
    }
  }
}

function collectSchemas(
  doc: string,
  root: Record<string, unknown>,
  at: string,
  out: { doc: string; node: Record<string, unknown>; at: string }[],
): void {
  const stack: { v: unknown; at: string }[] = [{ v: root, at }];
  while (stack.length > 0) {
    const { v, at: p } = stack.pop()!;
    if (Array.isArray(v)) v.forEach((x, i) => stack.push({ v: x, at: `${p}/${i}` }));
    else if (v !== null && typeof v === 'object') {
      out.push({ doc, node: v as Record<string, unknown>, at: p });
      for (const [k, x] of Object.entries(v))
        if (!DATA_KEYWORDS.has(k)) stack.push({ v: x, at: `${p}/${k}` });
    }
  }
}

/** Resolves a (rewritten) `$ref` to a node of a known document, or `undefined` if it cannot. */
export function resolveRef(
  ref: string,
  currentDoc: string,
  docs: ReadonlyMap<string, JsonSchema>,
): { doc: string; node: Record<string, unknown>; pointer: string } | undefined {
  const hash = ref.indexOf('#');
  const uri = hash < 0 ? ref : ref.slice(0, hash);
  const frag = hash < 0 ? '' : decodeURIComponent(ref.slice(hash + 1));
  const docId = uri === '' ? currentDoc : uri;
  const doc = docs.get(docId);
  if (doc === undefined) return undefined;
  if (frag === '' || frag === '/') return { doc: docId, node: doc as Record<string, unknown>, pointer: '' };
  if (!frag.startsWith('/')) {
    const found = findAnchor(doc, frag);
    return found === undefined ? undefined : { doc: docId, node: found, pointer: frag };
  }
  let node: unknown = doc;
  for (const raw of frag.slice(1).split('/')) {
    const key = raw.replace(/~1/g, '/').replace(/~0/g, '~');
    if (node === null || typeof node !== 'object' || !Object.hasOwn(node, key)) return undefined;
    node = (node as Record<string, unknown>)[key];
  }
  if (node === null || typeof node !== 'object' || Array.isArray(node)) return undefined;
  return { doc: docId, node: node as Record<string, unknown>, pointer: frag };
}

function findAnchor(doc: JsonSchema, anchor: string): Record<string, unknown> | undefined {
  const stack: unknown[] = [doc];
  while (stack.length > 0) {
    const v = stack.pop();
    if (Array.isArray(v)) stack.push(...(v as unknown[]));
    else if (v !== null && typeof v === 'object') {
      const o = v as Record<string, unknown>;
      if (o.$anchor === anchor) return o;
      for (const [k, x] of Object.entries(o)) if (!DATA_KEYWORDS.has(k)) stack.push(x);
    }
  }
  return undefined;
}

function stripFragment(id: string): string {
  const i = id.indexOf('#');
  return i < 0 ? id : id.slice(0, i);
}

function baseName(uri: string): string {
  const parts = uri.split(/[/\\]/);
  return parts[parts.length - 1] ?? uri;
}

function dirName(path: string): string {
  const i = path.lastIndexOf('/');
  return i < 0 ? '.' : path.slice(0, i);
}

/** Normalises a relative path: `./a/../b.json` → `b.json`; leading `../` beyond the root are dropped. */
function normalise(path: string): string {
  const out: string[] = [];
  for (const part of path.split(/[/\\]/)) {
    if (part === '' || part === '.') continue;
    if (part === '..') out.pop();
    else out.push(part);
  }
  return out.join('/');
}
