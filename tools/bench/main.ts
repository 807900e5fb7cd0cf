/**
 * `pnpm bench <name> [--json] [bench options]` — runs `tools/bench/<name>.ts`.
 */
import { readdirSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { printReport, type Bench } from './report.js';

const here = dirname(fileURLToPath(import.meta.url));
const available = readdirSync(here)
  .filter((f) => f.endsWith('.ts') && !['main.ts', 'report.ts'].includes(f) && !f.endsWith('.test.ts'))
  .map((f) => f.slice(0, -3))
  .sort();

const args = process.argv.slice(2).filter((a) => a !== '--');
const json = args.includes('--json');
const name = args.find((a) => !a.startsWith('-'));
if (name === undefined || !available.includes(name)) {
  console.error(`usage: pnpm bench <${available.join('|')}> [--json]`);
  process.exit(2);
}
const mod = (await import(pathToFileURL(join(here, `${name}.ts`)).href)) as { default: Bench };
const report = await mod.default(args.filter((a) => a !== name && a !== '--json'));
printReport(report, json);
