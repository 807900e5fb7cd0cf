import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { compileForm, validateData, type CompiledForm } from '@shidian/forms';
import { loadBundle } from './bundle.js';
import { driveCase, memoryDriver } from './drive-case.js';
import { PilotRunner } from './pilot-runner.js';
import { platformSchemas } from './platform-schemas.js';
import { idCheckChar, syntheticCases } from './synthetic.js';
import { validateBundle } from './validate-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let intake: CompiledForm;

beforeAll(async () => {
  const shared = platformSchemas();
  intake = await compileForm(shared['forms/intake.schema.json']!, {
    shared: Object.fromEntries(Object.entries(shared).filter(([k]) => k !== 'forms/intake.schema.json')),
  });
}, 60_000);

describe('syntheticCases', () => {
  it('produces intake data that passes the shared intake form', () => {
    // given 200 cases of a county
    const cases = syntheticCases({
      count: 200,
      seed: 7,
      division: '610527',
      prefix: 'BS',
      from: '2026-03-02',
      days: 120,
    });
    // then every one is valid, and collective visits have 1–5 representatives
    for (const c of cases) {
      const r = validateData(intake, c.intake);
      expect(r.errors, c.id).toEqual([]);
      if (c.intake.collective === true)
        expect((c.intake.representatives as unknown[]).length).toBeLessThanOrEqual(5);
    }
    expect(new Set(cases.map((c) => c.script.acceptance)).size).toBe(4);
  });

  it('is deterministic for a seed and differs between seeds', () => {
    const a = syntheticCases({
      count: 20,
      seed: 1,
      division: '220524',
      prefix: 'LH',
      from: '2026-03-02',
      days: 30,
    });
    const b = syntheticCases({
      count: 20,
      seed: 1,
      division: '220524',
      prefix: 'LH',
      from: '2026-03-02',
      days: 30,
    });
    const c = syntheticCases({
      count: 20,
      seed: 2,
      division: '220524',
      prefix: 'LH',
      from: '2026-03-02',
      days: 30,
    });
    expect(a).toEqual(b);
    expect(a).not.toEqual(c);
  });

  it('computes the ID number check character', () => {
    expect(idCheckChar('11010519491231002')).toBe('X');
  });
});

describe('driveCase', () => {
  it.each(['qingshan', 'baishui', 'liuhe'])(
    'runs 30 synthetic cases of %s through its processes',
    async (county) => {
      const { bundle } = await validateBundle(loadBundle(join(root, 'examples', county)));
      const cases = syntheticCases({
        count: 30,
        seed: 11,
        division: bundle!.manifest.division,
        prefix: county,
        from: '2026-03-02',
        days: 60,
      });
      const outcomes = new Map<string, number>();
      for (const c of cases) {
        const runner = new PilotRunner(bundle!, c.receivedAt);
        const d = await driveCase(memoryDriver(runner), c);
        outcomes.set(d.outcome, (outcomes.get(d.outcome) ?? 0) + 1);
        // every instance that was driven to its end is completed
        if (d.outcome === 'closed')
          expect(runner.instance(`${c.id}.handling`).state.status).toBe('completed');
      }
      expect(outcomes.get('closed') ?? 0).toBeGreaterThan(10);
    },
  );
});
