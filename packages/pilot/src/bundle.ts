/**
 * A pilot bundle as files: the manifest plus every file it references, keyed by the path the
 * manifest uses (bundle-relative, or `@shidian/…` for a platform file). The same map is what
 * `shidian deploy` sends to the server, so the server validates exactly what the CLI validated.
 */
import { existsSync, readFileSync, readdirSync, statSync } from 'node:fs';
import { dirname, join, relative, resolve, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import { parse as parseYaml } from 'yaml';
import { PilotError } from './errors.js';

/** The repository root, where the platform files (`schemas/`, `processes/`) live. */
export const PLATFORM_ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');

/** Prefix of a manifest path that names a platform file. */
export const PLATFORM_PREFIX = '@shidian/';

/** Manifest file names, in the order they are looked for. */
export const MANIFEST_FILES = ['pilot.yaml', 'pilot.yml', 'pilot.json'] as const;

/** Folders of the platform a bundle may reference with `@shidian/`. */
const PLATFORM_DIRS = ['schemas/', 'processes/'];

const MAX_FILES = 2000;
const MAX_FILE_BYTES = 10 * 1024 * 1024;

/** A bundle as a map of files. */
export interface PilotBundle {
  /** Absolute directory the bundle was read from (absent for a bundle received over HTTP). */
  readonly dir?: string;
  /** path → UTF-8 content. */
  readonly files: ReadonlyMap<string, string>;
}

/** True for a manifest path that names a platform file. */
export function isPlatformPath(path: string): boolean {
  return path.startsWith(PLATFORM_PREFIX);
}

/**
 * Reads a platform file named `@shidian/<path>`, or undefined when it does not exist or lies outside
 * `schemas/` and `processes/`.
 */
export function readPlatformFile(path: string, root: string = PLATFORM_ROOT): string | undefined {
  if (!isPlatformPath(path)) return undefined;
  const rel = path.slice(PLATFORM_PREFIX.length);
  if (!PLATFORM_DIRS.some((d) => rel.startsWith(d)) || rel.split('/').includes('..')) return undefined;
  const abs = resolve(root, rel);
  if (!abs.startsWith(resolve(root) + sep) || !existsSync(abs) || !statSync(abs).isFile()) return undefined;
  return readFileSync(abs, 'utf8');
}

function listFiles(dir: string): string[] {
  const out: string[] = [];
  const walk = (d: string) => {
    for (const entry of readdirSync(d, { withFileTypes: true })) {
      if (entry.name.startsWith('.') || entry.name === 'node_modules') continue;
      const abs = join(d, entry.name);
      if (entry.isDirectory()) walk(abs);
      else if (entry.isFile() && out.length < MAX_FILES && statSync(abs).size <= MAX_FILE_BYTES)
        out.push(abs);
    }
  };
  walk(dir);
  return out;
}

/** Every `@shidian/…` string anywhere in a parsed manifest. */
function platformRefs(value: unknown, out: Set<string> = new Set()): Set<string> {
  if (typeof value === 'string' && isPlatformPath(value)) out.add(value);
  else if (Array.isArray(value)) for (const v of value) platformRefs(v, out);
  else if (typeof value === 'object' && value !== null)
    for (const v of Object.values(value)) platformRefs(v, out);
  return out;
}

/** Parses a manifest's text (YAML or JSON by file name); throws what the parser throws. */
export function parseManifestText(file: string, text: string): unknown {
  return file.endsWith('.json')
    ? (JSON.parse(text) as unknown)
    : (parseYaml(text, { prettyErrors: true }) as unknown);
}

/**
 * Reads a bundle directory: every file in it (hidden files and `node_modules` skipped) and every
 * platform file its manifest names with `@shidian/`.
 *
 * @throws PilotError `PILOT_ERR_DIR_NOT_FOUND` when `dir` is not a directory.
 * @example
 * ```ts
 * const bundle = loadBundle('examples/qingshan');
 * const report = await validateBundle(bundle);
 * ```
 */
export function loadBundle(dir: string, options: { platformRoot?: string } = {}): PilotBundle {
  const abs = resolve(dir);
  if (!existsSync(abs) || !statSync(abs).isDirectory())
    throw new PilotError('PILOT_ERR_DIR_NOT_FOUND', [dir]);
  const files = new Map<string, string>();
  for (const f of listFiles(abs)) files.set(relative(abs, f).split(sep).join('/'), readFileSync(f, 'utf8'));
  const manifestName = MANIFEST_FILES.find((m) => files.has(m));
  if (manifestName !== undefined) {
    let parsed: unknown;
    try {
      parsed = parseManifestText(manifestName, files.get(manifestName)!);
    } catch {
      parsed = undefined; // reported by validation
    }
    for (const ref of platformRefs(parsed)) {
      const text = readPlatformFile(ref, options.platformRoot);
      if (text !== undefined) files.set(ref, text);
    }
  }
  return { dir: abs, files };
}

/** A bundle from a plain object of files (as received by the server). */
export function bundleFromFiles(files: Readonly<Record<string, string>>): PilotBundle {
  return { files: new Map(Object.entries(files)) };
}
