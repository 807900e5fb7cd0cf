import { describe, expect, it } from 'vitest';
import { createCalendar } from '@shidian/calendar';
import { pilotDeadlineCalendar, uncoveredYearsFromEnv } from './uncovered-years.js';
import type { ValidatedBundle } from './validate-bundle.js';

const bundle = {
  calendar: createCalendar(),
  provisionalCalendar: createCalendar({ uncoveredYears: 'provisional' }),
} as unknown as ValidatedBundle;

describe('SHIDIAN_UNCOVERED_YEARS for pilot runs', () => {
  it('given no setting, then provisional; given refuse, then refuse; given anything else, then a coded error', () => {
    expect(uncoveredYearsFromEnv({})).toBe('provisional');
    expect(uncoveredYearsFromEnv({ SHIDIAN_UNCOVERED_YEARS: ' refuse ' })).toBe('refuse');
    expect(() => uncoveredYearsFromEnv({ SHIDIAN_UNCOVERED_YEARS: 'maybe' })).toThrow(
      expect.objectContaining({ code: 'PILOT_ERR_UNCOVERED_YEARS_INVALID' }),
    );
  });

  it('given a 15-day period reaching 2027, when provisional, then a flagged date; when refuse, then it throws', () => {
    const provisional = pilotDeadlineCalendar(bundle, 'provisional');
    const r = provisional.dueDetailed?.('2026-12-20T02:00:00.000Z', 'P15D', 'calendar');
    expect(r).toMatchObject({ due: '2027-01-04T16:00:00.000Z', provisional: true });
    const strict = pilotDeadlineCalendar(bundle, 'refuse');
    expect(() => strict.due('2026-12-20T02:00:00.000Z', 'P15D', 'calendar')).toThrow();
  });
});
