import { existsSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { conformanceMarkdown, runConformance } from './conformance-report.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
/** The MIWG corpus sits beside the checkout (`../shared/conformance/bpmn-miwg`), on CI as here. */
const corpus = `${repo}../shared/conformance/bpmn-miwg`;
const available = existsSync(corpus);

describe.skipIf(!available && process.env.CI === undefined)('conformance over the BPMN MIWG corpus', () => {
  it('given every reference model and bpmn.io export, when compiled, then none throws and the committed report is current', async () => {
    expect(available, `corpus missing at ${corpus}`).toBe(true);
    const entries = await runConformance(corpus);
    expect(entries.length).toBeGreaterThanOrEqual(60);
    expect(entries.filter((e) => e.threw !== undefined).map((e) => e.file)).toEqual([]);
    const internal = entries.filter((e) => e.result.problems.some((p) => p.code === 'BPMN_ERR_INTERNAL'));
    expect(internal.map((e) => e.file)).toEqual([]);
    // every not-executable process says why, with at least one error code
    for (const e of entries) {
      for (const s of e.result.summaries.filter((x) => !x.executable)) {
        const why = e.result.problems.filter(
          (p) => p.severity === 'error' && (p.processId === s.id || p.processId === undefined),
        );
        expect(why.length, `${e.file} ${s.id}`).toBeGreaterThan(0);
      }
    }
    const committed = readFileSync(`${repo}docs/conformance/miwg.md`, 'utf8');
    // Regenerate with: pnpm exec tsx tools/conformance/miwg.ts
    expect(conformanceMarkdown(entries)).toBe(committed);
  });
});
