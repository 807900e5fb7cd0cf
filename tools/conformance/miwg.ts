/**
 * Regenerates `docs/conformance/miwg.md` from the MIWG corpus beside the checkout
 * (`../shared/conformance/bpmn-miwg`, or the directory given as the first argument):
 *
 *     pnpm exec tsx tools/conformance/miwg.ts [corpus-dir]
 *
 * The test `packages/bpmn/src/conformance.test.ts` fails when the committed file differs from a
 * fresh run.
 */
import { existsSync, mkdirSync, writeFileSync } from 'node:fs';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { conformanceMarkdown, runConformance } from '@shidian/bpmn';

const repo = resolve(dirname(fileURLToPath(import.meta.url)), '../..');
const corpus = resolve(process.argv[2] ?? resolve(repo, '../shared/conformance/bpmn-miwg'));
if (!existsSync(corpus)) {
  console.error(`corpus not found: ${corpus}`);
  process.exit(2);
}
const out = resolve(repo, 'docs/conformance/miwg.md');
mkdirSync(dirname(out), { recursive: true });
const entries = await runConformance(corpus);
writeFileSync(out, conformanceMarkdown(entries));
const processes = entries.flatMap((e) => e.result.summaries);
console.log(
  `${entries.length} files, ${processes.length} processes, ${processes.filter((p) => p.executable).length} executable → ${out}`,
);
