/**
 * The shared JSON Schemas shipped with the platform (`schemas/**.json`): the `$defs` used by every
 * pilot (`defs.schema.json`), the reference forms and the notice data schemas. Loaded once.
 */
import { readFileSync, readdirSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { PLATFORM_ROOT } from './bundle.js';
import type { SchemaNode } from './schema-paths.js';

const cache = new Map<string, Readonly<Record<string, SchemaNode>>>();

/**
 * Shared schemas (`*.schema.json`) by path under `schemas/` (e.g. `defs.schema.json`, `notices/decision.schema.json`).
 * `schemas/generated/` is skipped.
 */
export function platformSchemas(root: string = PLATFORM_ROOT): Readonly<Record<string, SchemaNode>> {
  const hit = cache.get(root);
  if (hit !== undefined) return hit;
  const base = join(root, 'schemas');
  const out: Record<string, SchemaNode> = {};
  const walk = (dir: string) => {
    for (const e of readdirSync(dir, { withFileTypes: true })) {
      const abs = join(dir, e.name);
      if (e.isDirectory() && e.name !== 'generated') walk(abs);
      else if (e.isFile() && e.name.endsWith('.schema.json')) {
        out[relative(base, abs).split(sep).join('/')] = JSON.parse(readFileSync(abs, 'utf8')) as SchemaNode;
      }
    }
  };
  walk(base);
  const frozen = Object.freeze(out);
  cache.set(root, frozen);
  return frozen;
}

/** The manifest's own JSON Schema (`schemas/pilot.schema.json`). */
export function pilotManifestSchema(root: string = PLATFORM_ROOT): SchemaNode {
  const s = platformSchemas(root)['pilot.schema.json'];
  if (s === undefined) throw new Error(`schemas/pilot.schema.json not found under ${root}`);
  return s;
}
