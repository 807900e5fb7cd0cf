/**
 * `shidian gen-types [--root <dir>] [--check] [--json]`: generates TypeScript types
 * (json-schema-to-typescript) for every `*.schema.json` under `schemas/` and under
 * `examples/<pilot>/forms/`, into a `generated/` folder beside each schema. Generated files are
 * committed; `--check` writes nothing and exits 1 when a file is missing, different or stale (CI).
 * Exit 2 on a broken schema.
 */
import { existsSync, mkdirSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { dirname, join, resolve } from 'node:path';
import { isFormError } from '@shidian/forms';
import { generateTypes } from '@shidian/forms/node';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

/** What `--json` prints. */
export interface GenTypesJson {
  readonly root: string;
  readonly written: readonly string[];
  readonly unchanged: readonly string[];
  /** Generated files whose schema is gone. */
  readonly stale: readonly string[];
  readonly ok: boolean;
}

export const register: Register = (program) => {
  program
    .command('gen-types')
    .description(
      '由 JSON Schema 生成 TypeScript 类型 / generate TypeScript types from schemas/ and examples/*/forms',
    )
    .option('--root <dir>', 'repository root (default: the workspace root above the current folder)')
    .option('--check', 'write nothing; exit 1 if any generated file is missing, different or stale')
    .option('--json', 'print one JSON object')
    .action(async (opts: { root?: string; check?: boolean; json?: boolean }) => {
      const root = resolve(opts.root ?? workspaceRoot(process.cwd()));
      let generated;
      try {
        generated = await generateTypes(root);
      } catch (err) {
        if (isFormError(err)) {
          console.error(err.message);
          throw new CliExit(2);
        }
        throw err;
      }
      const written: string[] = [];
      const unchanged: string[] = [];
      const wanted = new Set(generated.map((g) => g.output));
      for (const g of generated) {
        const file = join(root, g.output);
        if (existsSync(file) && readFileSync(file, 'utf8') === g.content) {
          unchanged.push(g.output);
          continue;
        }
        written.push(g.output);
        if (opts.check !== true) {
          mkdirSync(dirname(file), { recursive: true });
          writeFileSync(file, g.content);
        }
      }
      const stale: string[] = [];
      for (const dir of new Set(
        generated
          .map((g) => dirname(g.output))
          .concat(
            generatedDirsWithoutSources(
              root,
              generated.map((g) => g.schema),
            ),
          ),
      )) {
        const abs = join(root, dir);
        if (!existsSync(abs)) continue;
        for (const f of readdirSync(abs)) {
          const rel = `${dir}/${f}`;
          if (f.endsWith('.ts') && !wanted.has(rel)) {
            stale.push(rel);
            if (opts.check !== true) rmSync(join(abs, f));
          }
        }
      }
      const ok = opts.check !== true || (written.length === 0 && stale.length === 0);
      const out: GenTypesJson = { root, written, unchanged, stale, ok };
      if (opts.json === true) console.log(JSON.stringify(out, null, 2));
      else {
        const verb = opts.check === true ? 'out of date' : 'written';
        for (const f of written) console.log(`${verb}: ${f}`);
        for (const f of stale) console.log(`${opts.check === true ? 'stale' : 'removed'}: ${f}`);
        console.log(`${generated.length} schemas, ${unchanged.length} unchanged`);
      }
      if (!ok) throw new CliExit(1);
    });
};

function workspaceRoot(from: string): string {
  let dir = resolve(from);
  for (;;) {
    if (existsSync(join(dir, 'pnpm-workspace.yaml'))) return dir;
    const up = dirname(dir);
    if (up === dir) return resolve(from);
    dir = up;
  }
}

/** `generated/` folders under schemas/ and examples/*\/forms whose sources all disappeared. */
function generatedDirsWithoutSources(root: string, sources: readonly string[]): string[] {
  const out: string[] = [];
  const visit = (rel: string): void => {
    const abs = join(root, rel);
    if (!existsSync(abs)) return;
    for (const f of readdirSync(abs, { withFileTypes: true })) {
      if (!f.isDirectory() || f.name === 'node_modules') continue;
      const sub = `${rel}/${f.name}`;
      if (f.name === 'generated') {
        if (!sources.some((s) => dirname(s) === rel)) out.push(sub);
      } else visit(sub);
    }
  };
  visit('schemas');
  if (existsSync(join(root, 'examples')))
    for (const p of readdirSync(join(root, 'examples'))) visit(`examples/${p}/forms`);
  return out;
}
