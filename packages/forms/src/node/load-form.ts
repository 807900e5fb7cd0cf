/**
 * Node-only helpers: read form definitions and the shared schemas from disk.
 *
 * File layout understood (documented in `docs/forms.md`):
 * - `<name>.form.json`: `{ id?, schema, ui?, rules? }`;
 * - `<name>.schema.json`: a bare JSON Schema, with optional siblings `<name>.ui.json` (UI schema) and
 *   `<name>.rules.json` (array of rules);
 * - shared definitions: every `*.schema.json` directly in the nearest `schemas/` folder above the form
 *   (or the folder given), referred to by file name.
 */
import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import { basename, dirname, join, resolve } from 'node:path';
import { compileForm, toDefinition, type CompileOptions, type CompiledForm } from '../compile-form.js';
import type { FormDefinition, FormRule, JsonSchema, UiSchema } from '../definition.js';
import { formError } from '../errors.js';
import type { SharedSchemas } from '../schema-refs.js';

const MAX_FILE_BYTES = 5 * 1024 * 1024;

/** Reads and parses a JSON file; throws `FORM_ERR_FILE_READ`. */
export function readJsonFile(path: string): unknown {
  let text: string;
  try {
    if (statSync(path).size > MAX_FILE_BYTES) throw formError('FORM_ERR_SCHEMA_TOO_LARGE', { at: path });
    text = readFileSync(path, 'utf8');
  } catch (err) {
    if (err instanceof Error && err.name === 'FormError') throw err;
    throw formError('FORM_ERR_FILE_READ', {
      at: path,
      reason: err instanceof Error ? err.message : String(err),
    });
  }
  try {
    return JSON.parse(text) as unknown;
  } catch (err) {
    throw formError('FORM_ERR_FILE_READ', {
      at: path,
      reason: err instanceof Error ? err.message : String(err),
    });
  }
}

/** Reads every `*.schema.json` in a folder and its sub-folders (not `generated/`), by relative path. */
export function loadSharedSchemas(dir: string): SharedSchemas {
  if (!existsSync(dir)) return {};
  const out: Record<string, JsonSchema> = {};
  const visit = (sub: string): void => {
    for (const f of readdirSync(join(dir, sub)).sort()) {
      const rel = sub === '' ? f : `${sub}/${f}`;
      const full = join(dir, rel);
      if (statSync(full).isDirectory()) {
        if (f !== 'generated' && f !== 'node_modules') visit(rel);
        continue;
      }
      if (!f.endsWith('.schema.json')) continue;
      const json = readJsonFile(full);
      if (json === null || typeof json !== 'object' || Array.isArray(json))
        throw formError('FORM_ERR_DEFINITION_SHAPE', { at: full });
      out[rel] = json as JsonSchema;
    }
  };
  visit('');
  return out;
}

/** The nearest `schemas/` folder at or above a path (stops at the folder holding `pnpm-workspace.yaml` or the root). */
export function findSharedDir(from: string): string | undefined {
  let dir = resolve(from);
  if (existsSync(dir) && statSync(dir).isFile()) dir = dirname(dir);
  for (;;) {
    const candidate = join(dir, 'schemas');
    if (existsSync(candidate) && statSync(candidate).isDirectory() && candidate !== dir) return candidate;
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return undefined;
    const up = dirname(dir);
    if (up === dir) return undefined;
    dir = up;
  }
}

/** Reads a form definition file (see the module comment for the layouts). */
export function readFormDefinition(path: string): FormDefinition {
  const json = readJsonFile(path);
  const def = toDefinition(json);
  if (!path.endsWith('.schema.json')) return def;
  const base = path.slice(0, -'.schema.json'.length);
  const ui = existsSync(`${base}.ui.json`) ? (readJsonFile(`${base}.ui.json`) as UiSchema) : undefined;
  const rules = existsSync(`${base}.rules.json`)
    ? (readJsonFile(`${base}.rules.json`) as readonly FormRule[])
    : undefined;
  return {
    ...def,
    ...(ui === undefined ? {} : { ui }),
    ...(rules === undefined ? {} : { rules }),
    ...(def.id === undefined && typeof def.schema.$id !== 'string' ? { id: basename(base) } : {}),
  };
}

/**
 * Reads and compiles a form file with the shared schemas found beside it.
 *
 * @example
 * ```ts
 * const form = await loadForm('examples/a/forms/intake.schema.json');
 * ```
 */
export async function loadForm(
  path: string,
  options: CompileOptions & { readonly sharedDir?: string } = {},
): Promise<CompiledForm> {
  const def = readFormDefinition(path);
  const sharedDir = options.sharedDir ?? findSharedDir(path);
  const shared = options.shared ?? (sharedDir === undefined ? {} : loadSharedSchemas(sharedDir));
  return compileForm(def, { ...options, shared });
}
