import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { addPeriod, countWorkingDays, rollToWorkingDay } from './add-period.js';
import { createCalendar } from './calendar.js';
import { addDays, diffDays, fromEpochDay, toEpochDay } from './civil-date.js';
import { expectCode } from './fixtures/expect-code.js';

const cal = createCalendar();

describe('addPeriod in calendar days (start day not counted, last rest day rolls forward)', () => {
  it.each([
    // [start, period, due, why]
    ['2025-01-20', 'P15D', '2025-02-05', 'lands on 02-04 in Spring Festival 2025, rolls to Wednesday 02-05'],
    ['2025-01-11', '15d', '2025-01-26', 'lands on Sunday 01-26, a make-up workday: no roll-over'],
    ['2025-03-21', '15d', '2025-04-07', 'lands on Saturday 04-05 in Qingming 2025'],
    ['2025-04-16', '15日', '2025-05-06', 'lands on 05-01, Labour Day 2025 runs to 05-05'],
    ['2025-09-23', 'P15D', '2025-10-09', 'lands on 10-08, last day of National Day 2025'],
    ['2025-09-13', '15d', '2025-09-28', 'lands on Sunday 09-28, a make-up workday'],
    ['2026-01-31', 'P15D', '2026-02-24', 'lands on 02-15, Spring Festival 2026 runs to 02-23'],
    ['2026-01-30', '15d', '2026-02-14', 'lands on Saturday 02-14, a make-up workday'],
    ['2026-03-20', '15d', '2026-04-07', 'lands on Saturday 04-04 in Qingming 2026'],
    ['2026-04-16', '15d', '2026-05-06', 'lands on 05-01, Labour Day 2026 runs to 05-05'],
    ['2026-09-16', '15d', '2026-10-08', 'lands on 10-01, National Day 2026 runs to 10-07'],
    ['2026-09-05', '15d', '2026-09-20', 'lands on Sunday 09-20, a make-up workday'],
    ['2025-01-31', 'P30D', '2025-03-03', 'month end: lands on Sunday 03-02'],
    ['2024-01-30', '30d', '2024-02-29', 'leap year: lands on Thursday 29 February'],
    ['2024-02-28', '1d', '2024-02-29', 'leap day exists in 2024'],
    ['2023-02-28', '1d', '2023-03-01', 'no leap day in 2023'],
    ['2025-12-20', '15d', '2026-01-04', 'across the year end onto the 2026 New Year make-up Sunday'],
    ['2025-08-11', 'P60D', '2025-10-10', '60-day handling period ending on a Friday'],
    ['2025-08-05', 'P60D', '2025-10-09', '60-day handling period ending inside National Day 2025'],
  ])('%s + %s → %s (%s)', (start, period, due) => {
    expect(addPeriod(start, period, cal)).toBe(due);
  });
});

describe('addPeriod in working days (weekends and holidays skipped, make-up workdays counted)', () => {
  it.each([
    ['2025-01-24', '5wd', '2025-02-07', 'make-up Sunday 01-26 counts, 01-28..02-04 skipped'],
    ['2025-02-05', '3wd', '2025-02-08', 'make-up Saturday 02-08 is the third working day'],
    ['2025-04-03', '1wd', '2025-04-07', 'Qingming 2025 skipped'],
    ['2025-04-25', '3wd', '2025-04-29', 'make-up Sunday 04-27 counts'],
    ['2025-04-30', 'P1WD', '2025-05-06', 'Labour Day 2025 skipped'],
    ['2025-05-30', '1wd', '2025-06-03', 'month end into Dragon Boat 05-31..06-02'],
    ['2025-09-26', '5wd', '2025-10-10', 'make-up Sunday 09-28 counts, 10-01..10-08 skipped'],
    ['2025-09-30', '10wd', '2025-10-21', 'make-up Saturday 10-11 counts'],
    ['2026-02-13', '1wd', '2026-02-14', 'make-up Saturday 02-14 is a working day'],
    ['2026-02-13', '2wd', '2026-02-24', 'Spring Festival 2026 skipped'],
    ['2026-04-30', '5个工作日', '2026-05-11', 'Labour Day 2026 skipped, make-up Saturday 05-09 counts'],
    ['2026-09-30', '3wd', '2026-10-10', 'National Day 2026 skipped, make-up Saturday 10-10 counts'],
    [
      '2025-12-31',
      '10wd',
      '2026-01-15',
      'simplified procedure across New Year 2026 (make-up Sunday 01-04 counts)',
    ],
  ])('%s + %s → %s (%s)', (start, period, due) => {
    expect(addPeriod(start, period, cal)).toBe(due);
  });
});

describe('addPeriod with bad input or missing data', () => {
  it('refuses malformed dates, bad periods and uncovered years with codes', () => {
    expectCode(() => addPeriod('2025/01/01', '15d', cal), 'CAL_ERR_INVALID_DATE');
    expectCode(() => addPeriod('2025-02-29', '15d', cal), 'CAL_ERR_INVALID_DATE');
    expectCode(() => addPeriod('2025-01-01', '0d', cal), 'CAL_ERR_PERIOD_NOT_POSITIVE');
    expectCode(() => addPeriod('2025-01-01', '-3wd', cal), 'CAL_ERR_PERIOD_NOT_POSITIVE');
    expectCode(() => addPeriod('2025-01-01', 'P1M', cal), 'CAL_ERR_PERIOD_SYNTAX');
    expectCode(() => addPeriod('2026-12-25', '10d', cal), 'CAL_ERR_YEAR_NOT_COVERED'); // due 2027-01-04
    expectCode(() => addPeriod('2026-12-30', '3wd', cal), 'CAL_ERR_YEAR_NOT_COVERED');
    expectCode(() => addPeriod('2028-02-29', '1d', cal), 'CAL_ERR_YEAR_NOT_COVERED');
  });
  it('only needs the days it looks at to be covered', () => {
    expect(addPeriod('2026-12-20', '10d', cal)).toBe('2026-12-30');
  });
});

describe('helpers', () => {
  it('rollToWorkingDay and countWorkingDays', () => {
    expect(rollToWorkingDay('2025-10-04', cal)).toBe('2025-10-09');
    expect(rollToWorkingDay('2025-10-09', cal)).toBe('2025-10-09');
    expect(countWorkingDays('2025-09-30', '2025-10-10', cal)).toBe(2);
    expect(countWorkingDays('2025-10-10', '2025-09-30', cal)).toBe(-2);
    expect(countWorkingDays('2025-10-10', '2025-10-10', cal)).toBe(0);
  });
});

// Properties over the covered range. Start dates keep the result inside 2004–2026.
const FIRST = toEpochDay('2004-01-01');
const LAST = toEpochDay('2026-09-01'); // leaves room for the longest generated period inside 2026
const dateArb = fc.integer({ min: FIRST, max: LAST }).map(fromEpochDay);
const calendarPeriodArb = fc.integer({ min: 1, max: 40 });
const workingPeriodArb = fc.integer({ min: 1, max: 25 });
const pilotArb = fc.record({
  rest: fc.uniqueArray(fc.integer({ min: FIRST, max: LAST + 40 }).map(fromEpochDay), { maxLength: 30 }),
  work: fc.uniqueArray(fc.integer({ min: FIRST, max: LAST + 40 }).map(fromEpochDay), { maxLength: 30 }),
});

describe('properties', () => {
  it('the due date of a calendar period is never a rest day, and nothing earlier after start + n would do', () => {
    fc.assert(
      fc.property(dateArb, calendarPeriodArb, (start, n) => {
        const due = addPeriod(start, { kind: 'calendar', days: n }, cal);
        expect(cal.isRestDay(due)).toBe(false);
        expect(diffDays(start, due)).toBeGreaterThanOrEqual(n);
        for (let d = addDays(start, n); d < due; d = addDays(d, 1)) expect(cal.isRestDay(d)).toBe(true);
      }),
    );
  });

  it('also with arbitrary pilot rest days and workdays', () => {
    fc.assert(
      fc.property(dateArb, calendarPeriodArb, pilotArb, (start, n, pilot) => {
        const work = pilot.work.filter((d) => !pilot.rest.includes(d));
        const c = createCalendar({ overrides: { restDays: pilot.rest, workdays: work } });
        const due = addPeriod(start, `${n}d`, c);
        expect(c.isRestDay(due)).toBe(false);
        expect(diffDays(start, due)).toBeGreaterThanOrEqual(n);
      }),
      { numRuns: 50 },
    );
  });

  it('working days: exactly n working days lie in (start, due], and due is one of them', () => {
    fc.assert(
      fc.property(dateArb, workingPeriodArb, (start, n) => {
        const due = addPeriod(start, `${n}wd`, cal);
        expect(cal.isWorkday(due)).toBe(true);
        expect(countWorkingDays(start, due, cal)).toBe(n);
      }),
    );
  });

  it('is monotonic in the start date and in the length, strictly so for working days', () => {
    fc.assert(
      fc.property(
        dateArb,
        fc.integer({ min: 0, max: 20 }),
        workingPeriodArb,
        fc.integer({ min: 0, max: 10 }),
        (s1, gap, n, more) => {
          const s2 = addDays(s1, gap);
          for (const kind of ['calendar', 'working'] as const) {
            expect(addPeriod(s1, { kind, days: n }, cal) <= addPeriod(s2, { kind, days: n }, cal)).toBe(true);
            expect(
              addPeriod(s1, { kind, days: n }, cal) <= addPeriod(s1, { kind, days: n + more }, cal),
            ).toBe(true);
          }
          if (more > 0)
            expect(
              addPeriod(s1, { kind: 'working', days: n }, cal) <
                addPeriod(s1, { kind: 'working', days: n + more }, cal),
            ).toBe(true);
        },
      ),
    );
  });

  it('n calendar days never end after n working days', () => {
    fc.assert(
      fc.property(dateArb, workingPeriodArb, (start, n) => {
        // The n-th working day is a working day on or after start + n; roll-over stops at the first such day.
        expect(addPeriod(start, `${n}d`, cal) <= addPeriod(start, `${n}wd`, cal)).toBe(true);
      }),
    );
  });
});
