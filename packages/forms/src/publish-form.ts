/**
 * Publishing a form version: the definition and the shared schemas it refers to are frozen and
 * content-hashed (SHA-256 of canonical JSON). A published version never changes; a change is a new
 * version with a new hash. Cases are pinned to the hash they started with.
 */
import { canonicalJson, sha256Hex } from './canonical-json.js';
import {
  compileForm,
  deepFreeze,
  toDefinition,
  type CompileOptions,
  type CompiledForm,
} from './compile-form.js';
import type { FormDefinition, JsonSchema } from './definition.js';
import { formError } from './errors.js';
import type { SharedSchemas } from './schema-refs.js';

/** An immutable, content-addressed form version. */
export interface PublishedForm {
  readonly id: string;
  /** Label given by the pilot (e.g. `2026.1`); informative, the hash is the identity. */
  readonly version: string;
  /** `sha256:<hex>` of the canonical JSON of `{ definition, shared }`. */
  readonly hash: string;
  readonly definition: FormDefinition;
  /** The shared schema files the definition refers to (directly or through each other), by file name. */
  readonly shared: SharedSchemas;
}

/**
 * Compiles (so a broken form is never published), then freezes and hashes a form version.
 *
 * @example
 * ```ts
 * const v1 = await publishForm(def, { version: '1', shared });
 * v1.hash; // 'sha256:…'
 * ```
 */
export async function publishForm(
  input: FormDefinition | JsonSchema,
  options: CompileOptions & { readonly version: string },
): Promise<{ published: PublishedForm; form: CompiledForm }> {
  const form = await compileForm(input, options);
  const definition = structuredClone(toDefinition(input));
  const shared = usedShared(definition, options.shared ?? {});
  const hash = await formHash(definition, shared);
  const published = deepFreeze({ id: form.id, version: options.version, hash, definition, shared });
  return { published, form: Object.freeze({ ...form, version: options.version, hash }) };
}

/** The content hash of a definition with its shared schemas. */
export async function formHash(definition: FormDefinition, shared: SharedSchemas): Promise<string> {
  return `sha256:${await sha256Hex(canonicalJson({ definition, shared }))}`;
}

/** Checks that a stored version still matches its hash (throws `FORM_ERR_VERSION_MISMATCH`) and compiles it. */
export async function loadPublishedForm(
  published: PublishedForm,
  options: Omit<CompileOptions, 'shared'> = {},
): Promise<CompiledForm> {
  const actual = await formHash(published.definition, published.shared);
  if (actual !== published.hash)
    throw formError('FORM_ERR_VERSION_MISMATCH', { expected: published.hash, actual });
  const form = await compileForm(published.definition, { ...options, shared: published.shared });
  return Object.freeze({ ...form, version: published.version, hash: published.hash });
}

function usedShared(definition: FormDefinition, shared: SharedSchemas): SharedSchemas {
  const texts = new Map(Object.entries(shared).map(([f, d]) => [f, JSON.stringify(d)]));
  const ids = new Map(
    Object.entries(shared).map(([f, d]) => [f, typeof d.$id === 'string' ? d.$id.split('#')[0]! : undefined]),
  );
  const refersTo = (text: string, file: string): boolean =>
    text.includes(file) || (ids.get(file) !== undefined && text.includes(ids.get(file)!));
  const used = new Set<string>();
  const queue = [JSON.stringify(definition)];
  while (queue.length > 0) {
    const text = queue.pop()!;
    for (const [file, t] of texts)
      if (!used.has(file) && refersTo(text, file)) {
        used.add(file);
        queue.push(t);
      }
  }
  return Object.fromEntries([...used].sort().map((f) => [f, structuredClone(shared[f]!)]));
}
