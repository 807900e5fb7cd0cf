import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from './bundle.js';
import { PilotRunner } from './pilot-runner.js';
import { validateBundle, type ValidatedBundle } from './validate-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let bundle: ValidatedBundle;
// registered on 2025-10-09 10:00 Beijing time, nine days after the letter arrived
const REGISTERED = '2025-10-09T02:00:00.000Z';

beforeAll(async () => {
  const report = await validateBundle(loadBundle(join(root, 'examples', 'reference')));
  if (report.bundle === undefined) throw new Error('reference bundle invalid');
  bundle = report.bundle;
}, 60_000);

const registerRouteDue = (vars: Record<string, string>): string | undefined => {
  const runner = new PilotRunner(bundle, REGISTERED);
  const inst = runner.start('acceptance', 'c1', vars);
  return Object.values(inst.state.budgets).find((b) => b.name === 'register-route')?.due;
};

describe('reference acceptance: the 15-day register-and-route limit counts from receipt', () => {
  it('given receivedAt 2025-09-30 23:30 Beijing, when registered on 10-09, then it ends at 24:00 on 10-15', () => {
    expect(registerRouteDue({ receivedAt: '2025-09-30T23:30:00+08:00', receivedOn: '2025-09-30' })).toBe(
      '2025-10-15T16:00:00.000Z',
    );
  });

  it('given only the intake form receivedOn, then the same date', () => {
    expect(registerRouteDue({ receivedOn: '2025-09-30' })).toBe('2025-10-15T16:00:00.000Z');
  });

  it('given neither, then it counts from the registration (10-09 → 10-24)', () => {
    expect(registerRouteDue({})).toBe('2025-10-24T16:00:00.000Z');
  });
});
