import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import {
  addDays,
  dayOfWeek,
  diffDays,
  endOfDay,
  fromEpochDay,
  isCivilDate,
  parseCivilDate,
  startOfDay,
  toCivilDate,
  toEpochDay,
} from './civil-date.js';
import { expectCode } from './fixtures/expect-code.js';

describe('civil dates', () => {
  it('accepts real dates only', () => {
    expect(parseCivilDate('2024-02-29')).toBe('2024-02-29');
    expect(isCivilDate('2000-02-29')).toBe(true); // divisible by 400
    expect(isCivilDate('1900-02-29')).toBe(false); // divisible by 100
    expect(isCivilDate('2025-02-29')).toBe(false);
    expect(isCivilDate('2025-04-31')).toBe(false);
    expect(isCivilDate('2025-00-10')).toBe(false);
    expect(isCivilDate('2025-1-10')).toBe(false);
    expect(isCivilDate('2025-01-10T00:00:00Z')).toBe(false);
    expect(isCivilDate(20250110)).toBe(false);
    expectCode(() => parseCivilDate('not a date'), 'CAL_ERR_INVALID_DATE');
  });
  it('does arithmetic across month ends and leap days', () => {
    expect(addDays('2025-01-31', 1)).toBe('2025-02-01');
    expect(addDays('2024-02-28', 1)).toBe('2024-02-29');
    expect(addDays('2024-03-01', -1)).toBe('2024-02-29');
    expect(addDays('2025-12-31', 1)).toBe('2026-01-01');
    expect(diffDays('2024-01-01', '2025-01-01')).toBe(366);
    expect(diffDays('2025-01-01', '2026-01-01')).toBe(365);
    expect(dayOfWeek('2025-10-01')).toBe(3); // Wednesday
    expect(dayOfWeek('2026-02-15')).toBe(0); // Sunday
  });
  it('round-trips epoch days', () => {
    fc.assert(
      fc.property(fc.integer({ min: toEpochDay('1900-01-01'), max: toEpochDay('2200-12-31') }), (n) => {
        const d = fromEpochDay(n);
        expect(isCivilDate(d)).toBe(true);
        expect(toEpochDay(d)).toBe(n);
        expect(diffDays(d, addDays(d, 7))).toBe(7);
        expect(dayOfWeek(addDays(d, 7))).toBe(dayOfWeek(d));
      }),
    );
  });
});

describe('toCivilDate: the receipt day in the pilot zone', () => {
  it('a letter received at 23:30 Beijing time belongs to that day, whatever the server zone', () => {
    expect(toCivilDate('2025-01-27T23:30:00+08:00')).toBe('2025-01-27');
    expect(toCivilDate('2025-01-27T15:30:00Z')).toBe('2025-01-27');
    expect(toCivilDate(new Date('2025-01-27T15:30:00Z'))).toBe('2025-01-27');
    expect(toCivilDate('2025-01-27T16:30:00Z')).toBe('2025-01-28'); // 00:30 the next day in Beijing
    expect(toCivilDate('2025-01-27T15:59:59.999Z')).toBe('2025-01-27');
    expect(toCivilDate('2025-01-27T16:00:00Z')).toBe('2025-01-28');
  });
  it('uses another zone when asked', () => {
    expect(toCivilDate('2025-01-27T15:30:00Z', 'UTC')).toBe('2025-01-27');
    expect(toCivilDate('2025-01-27T02:00:00Z', 'America/New_York')).toBe('2025-01-26');
    expect(toCivilDate('2025-01-27T23:30:00+08:00', 'Asia/Urumqi')).toBe('2025-01-27'); // UTC+6: 21:30
  });
  it('passes a bare civil date through and refuses ambiguous or invalid input', () => {
    expect(toCivilDate('2025-01-27')).toBe('2025-01-27');
    expectCode(() => toCivilDate('2025-01-27T23:30:00'), 'CAL_ERR_INVALID_INSTANT'); // no offset
    expectCode(() => toCivilDate('2025-01-27 23:30'), 'CAL_ERR_INVALID_DATE'); // no T: read as a (malformed) date
    expectCode(() => toCivilDate('2025-01-27T25:30:00Z'), 'CAL_ERR_INVALID_INSTANT');
    expectCode(() => toCivilDate('yesterday'), 'CAL_ERR_INVALID_INSTANT');
    expectCode(() => toCivilDate(new Date(Number.NaN)), 'CAL_ERR_INVALID_INSTANT');
    expectCode(() => toCivilDate('2025-02-30'), 'CAL_ERR_INVALID_DATE');
    expectCode(() => toCivilDate('2025-01-27T23:30:00+08:00', 'Nowhere/City'), 'CAL_ERR_INVALID_TIME_ZONE');
  });
});

describe('start and end of a civil day', () => {
  it('in Beijing a day runs from 16:00 UTC the day before', () => {
    expect(startOfDay('2025-10-09').toISOString()).toBe('2025-10-08T16:00:00.000Z');
    expect(endOfDay('2025-10-09').toISOString()).toBe('2025-10-09T16:00:00.000Z');
    expect(endOfDay('2024-02-28').toISOString()).toBe('2024-02-28T16:00:00.000Z');
  });
  it('handles daylight saving time where the zone has it', () => {
    expect(startOfDay('2025-07-01', 'America/New_York').toISOString()).toBe('2025-07-01T04:00:00.000Z');
    expect(startOfDay('2025-01-15', 'America/New_York').toISOString()).toBe('2025-01-15T05:00:00.000Z');
    // Havana skips midnight at the start of DST: the day starts at 01:00.
    expect(startOfDay('2025-03-09', 'America/Havana').toISOString()).toBe('2025-03-09T05:00:00.000Z');
  });
});
