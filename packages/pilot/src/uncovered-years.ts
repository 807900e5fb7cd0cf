/**
 * The `SHIDIAN_UNCOVERED_YEARS` policy for pilot runs (`StoreDriver`, `PilotRunner`, `shidian seed`),
 * the same setting the server reads: what a deadline reaching a year past the holiday data does.
 * See docs/operations.md.
 */
import { deadlineCalendar } from '@shidian/calendar';
import type { DeadlineCalendar } from '@shidian/engine';
import { PilotError } from './errors.js';
import type { ValidatedBundle } from './validate-bundle.js';

/** `refuse`: an `ENG_ERR_BAD_DEADLINE` incident; `provisional`: a date flagged `provisional: true`. */
export type UncoveredYearsPolicy = 'refuse' | 'provisional';

/**
 * Reads `SHIDIAN_UNCOVERED_YEARS` (default `provisional`); any other value is
 * `PILOT_ERR_UNCOVERED_YEARS_INVALID`.
 *
 * @example uncoveredYearsFromEnv({ SHIDIAN_UNCOVERED_YEARS: 'refuse' }); // 'refuse'
 */
export function uncoveredYearsFromEnv(
  env: Readonly<Record<string, string | undefined>> = process.env,
): UncoveredYearsPolicy {
  const v = env['SHIDIAN_UNCOVERED_YEARS']?.trim();
  if (v === undefined || v === '') return 'provisional';
  if (v === 'refuse' || v === 'provisional') return v;
  throw new PilotError('PILOT_ERR_UNCOVERED_YEARS_INVALID', [JSON.stringify(v)]);
}

/**
 * The engine deadline calendar of a validated bundle under a policy (default: the environment's).
 *
 * @example const calendar = pilotDeadlineCalendar(bundle, 'provisional');
 */
export function pilotDeadlineCalendar(
  bundle: ValidatedBundle,
  policy: UncoveredYearsPolicy = uncoveredYearsFromEnv(),
): DeadlineCalendar {
  return deadlineCalendar(
    policy === 'provisional' ? (bundle.provisionalCalendar ?? bundle.calendar) : bundle.calendar,
  );
}
