/**
 * Resolving data paths against JSON Schemas, to check at validation time that a notice placeholder,
 * a loop or a field permission names something the data can actually hold.
 *
 * Resolution follows `$ref` (local `#/…` pointers and absolute `$id`s of registered documents),
 * `allOf` / `anyOf` / `oneOf` / `if`-`then`-`else` (a path exists when it exists in any branch),
 * `properties`, and `items` (for the `*` segment, or the element of an `each` loop).
 */

/** A JSON Schema node (kept loose). */
export type SchemaNode = { readonly [k: string]: unknown };

/** Registered schema documents by `$id` (without fragment). */
export type SchemaRegistry = ReadonlyMap<string, SchemaNode>;

interface Located {
  readonly node: SchemaNode;
  /** The document the node belongs to (for local `#/…` references). */
  readonly doc: SchemaNode;
}

const MAX_DEPTH = 64;

function isNode(v: unknown): v is SchemaNode {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

function pointer(doc: SchemaNode, fragment: string): SchemaNode | undefined {
  if (fragment === '' || fragment === '/') return doc;
  let cur: unknown = doc;
  for (const raw of fragment.replace(/^\//, '').split('/')) {
    const key = decodeURIComponent(raw).replace(/~1/g, '/').replace(/~0/g, '~');
    cur = isNode(cur) ? cur[key] : Array.isArray(cur) ? (cur as unknown[])[Number(key)] : undefined;
  }
  return isNode(cur) ? cur : undefined;
}

function deref(at: Located, registry: SchemaRegistry): Located | undefined {
  const ref = at.node.$ref;
  if (typeof ref !== 'string') return at;
  const hash = ref.indexOf('#');
  const base = hash === -1 ? ref : ref.slice(0, hash);
  const fragment = hash === -1 ? '' : ref.slice(hash + 1);
  const doc = base === '' ? at.doc : registry.get(base);
  if (doc === undefined) return undefined;
  const node = pointer(doc, fragment);
  return node === undefined ? undefined : { node, doc };
}

/** Every alternative a node stands for, after following `$ref` and the combinators. */
function alternatives(at: Located, registry: SchemaRegistry, depth = 0): Located[] {
  if (depth > MAX_DEPTH) return [];
  const resolved = deref(at, registry);
  if (resolved === undefined) return [];
  const out: Located[] = [resolved];
  // A node with $ref may also carry sibling keywords (2020-12).
  if (resolved !== at)
    out.push(...alternatives({ node: { ...at.node, $ref: undefined }, doc: at.doc }, registry, depth + 1));
  for (const key of ['allOf', 'anyOf', 'oneOf'] as const) {
    const list = resolved.node[key];
    if (Array.isArray(list))
      for (const sub of list)
        if (isNode(sub)) out.push(...alternatives({ node: sub, doc: resolved.doc }, registry, depth + 1));
  }
  for (const key of ['then', 'else'] as const) {
    const sub = resolved.node[key];
    if (isNode(sub)) out.push(...alternatives({ node: sub, doc: resolved.doc }, registry, depth + 1));
  }
  return out;
}

function step(at: Located, segment: string, registry: SchemaRegistry): Located[] {
  const out: Located[] = [];
  for (const alt of alternatives(at, registry)) {
    if (segment === '*') {
      const items = alt.node.items;
      if (isNode(items)) out.push({ node: items, doc: alt.doc });
    } else {
      const props = alt.node.properties;
      if (isNode(props) && isNode(props[segment])) out.push({ node: props[segment], doc: alt.doc });
    }
  }
  return out;
}

/**
 * The schema nodes a data path can land on (empty when no data can have that path).
 * `*` steps into array items.
 *
 * @example
 * ```ts
 * resolveSchemaPath(decisionSchema, ['claims', '*', 'legalBasis'], registry).length > 0 // true
 * ```
 */
export function resolveSchemaPath(
  root: SchemaNode,
  path: readonly string[],
  registry: SchemaRegistry,
): SchemaNode[] {
  let current: Located[] = [{ node: root, doc: root }];
  for (const segment of path) {
    current = current.flatMap((at) => step(at, segment, registry));
    if (current.length === 0) return [];
  }
  return current.flatMap((at) => alternatives(at, registry)).map((at) => at.node);
}

/** The JSON types a set of resolved nodes allows (from `type`, `const`, `enum`); empty = unconstrained. */
export function schemaTypes(nodes: readonly SchemaNode[]): Set<string> {
  const types = new Set<string>();
  for (const n of nodes) {
    const t = n.type;
    if (typeof t === 'string') types.add(t);
    if (Array.isArray(t)) for (const x of t) if (typeof x === 'string') types.add(x);
  }
  return types;
}

/** Builds a registry from documents that carry a `$id`. */
export function schemaRegistry(docs: Iterable<SchemaNode>): Map<string, SchemaNode> {
  const map = new Map<string, SchemaNode>();
  for (const doc of docs) {
    if (typeof doc.$id === 'string') map.set(doc.$id.replace(/#.*$/, ''), doc);
  }
  return map;
}
