/**
 * `seedPilotCases`: realistic synthetic cases of one deployed pilot, driven through the database
 * (see {@link StoreDriver}), each on its own clock from its receipt instant.
 */
import type { Store } from '@shidian/store';
import { driveCase, type DrivenCase } from './drive-case.js';
import { StoreDriver } from './store-driver.js';
import { syntheticCases } from './synthetic.js';
import type { ValidatedBundle } from './validate-bundle.js';

/** Options of {@link seedPilotCases}. */
export interface SeedOptions {
  readonly countyId: string;
  readonly pilotId: string;
  readonly bundle: ValidatedBundle;
  readonly count: number;
  readonly seed: number;
  /** First receipt date (`YYYY-MM-DD`) and the number of days the cases spread over. */
  readonly from: string;
  readonly days: number;
  /** Called after each case (for a progress bar). */
  readonly onProgress?: (done: number, total: number) => void;
}

/** What was seeded. */
export interface SeedSummary {
  readonly countyId: string;
  readonly cases: number;
  /** Case instances created in the store (a case has 1–3: acceptance, handling, review). */
  readonly instances: number;
  readonly outcomes: Readonly<Record<DrivenCase['outcome'], number>>;
}

/**
 * Generates `count` synthetic cases for a deployed pilot and drives each through the store.
 *
 * @example
 * ```ts
 * const s = await seedPilotCases(store, { countyId: 'baishui', pilotId: 'baishui', bundle, count: 50, seed: 1, from: '2026-03-02', days: 90 });
 * ```
 */
export async function seedPilotCases(store: Store, options: SeedOptions): Promise<SeedSummary> {
  const cases = syntheticCases({
    count: options.count,
    seed: options.seed,
    division: options.bundle.manifest.division,
    prefix: options.pilotId,
    from: options.from,
    days: options.days,
  });
  const outcomes: Record<DrivenCase['outcome'], number> = {
    closed: 0,
    'not-accepted': 0,
    'no-longer-accepted': 0,
    litigation: 0,
    duplicate: 0,
    mediated: 0,
    open: 0,
  };
  let instances = 0;
  for (const [i, c] of cases.entries()) {
    const driver = new StoreDriver(store, {
      countyId: options.countyId,
      pilotId: options.pilotId,
      bundle: options.bundle,
      start: c.receivedAt,
    });
    const driven = await driveCase(driver, c);
    outcomes[driven.outcome]++;
    instances += driver.caseIds.size;
    options.onProgress?.(i + 1, cases.length);
  }
  return { countyId: options.countyId, cases: cases.length, instances, outcomes };
}
