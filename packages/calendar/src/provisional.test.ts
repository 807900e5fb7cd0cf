import fc from 'fast-check';
import { createRequire } from 'node:module';
import { describe, expect, it } from 'vitest';
import { addPeriod, addPeriodDetailed, countWorkingDays } from './add-period.js';
import { budgetStatus } from './budget.js';
import { createCalendar } from './calendar.js';
import { addDays, fromEpochDay, toEpochDay } from './civil-date.js';
import { deadlineCalendar } from './deadline-calendar.js';
import { expectCode } from './fixtures/expect-code.js';
import { PROVISIONAL_SOURCE, holidaysByTheMeasures, statutoryHolidays } from './provisional-year.js';

const strict = createCalendar();
const provisional = createCalendar({ uncoveredYears: 'provisional' });

/** chinese-days' own lunar conversion at Beijing midnight (independent of the server's zone). */
const { getLunarDate } = createRequire(import.meta.url)('chinese-days') as {
  getLunarDate(d: Date): { lunarMon: number; lunarDay: number; isLeap: boolean };
};
const lunarOf = (date: string) => {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  const l = getLunarDate(new Date(Date.UTC(y, m - 1, d) - 8 * 3_600_000));
  return `${l.isLeap ? 'leap ' : ''}${l.lunarMon}-${l.lunarDay}`;
};

describe('statutory holidays of the 2024 measures (国务院令第795号), computed for 2027', () => {
  it('gives 元旦, the four days of 春节, 清明, two days of 劳动节, 端午, 中秋 and three days of 国庆节', () => {
    // Given the measures as revised in 2024 and the lunar tables of chinese-days
    // When the holidays of 2027 are computed
    const days = statutoryHolidays(2027);
    // Then they are the 13 statutory days of Art. 2
    expect(days.map((d) => `${d.date} ${d.name ?? ''}`)).toEqual([
      '2027-01-01 元旦',
      '2027-02-05 春节', // 除夕
      '2027-02-06 春节', // 正月初一
      '2027-02-07 春节',
      '2027-02-08 春节',
      '2027-04-05 清明',
      '2027-05-01 劳动节',
      '2027-05-02 劳动节',
      '2027-06-09 端午',
      '2027-09-15 中秋',
      '2027-10-01 国庆节',
      '2027-10-02 国庆节',
      '2027-10-03 国庆节',
    ]);
  });

  it('matches the lunar calendar day by day', () => {
    // 除夕 is the last day of the twelfth month: the next day is 正月初一
    expect(lunarOf('2027-02-05')).toBe('12-29');
    expect(lunarOf('2027-02-06')).toBe('1-1');
    expect(lunarOf('2027-02-08')).toBe('1-3');
    expect(lunarOf('2027-06-09')).toBe('5-5');
    expect(lunarOf('2027-09-15')).toBe('8-15');
    // 2028 has a leap fifth month: 端午 is in the regular one
    const d2028 = statutoryHolidays(2028);
    expect(d2028.find((d) => d.name === '端午')?.date).toBe('2028-05-28');
    expect(lunarOf('2028-05-28')).toBe('5-5');
    // 中秋 2028 falls on 10-03: one day with both names
    expect(d2028.find((d) => d.date === '2028-10-03')?.name).toBe('中秋、国庆节');
    expect(d2028.filter((d) => d.date.startsWith('2028-10'))).toHaveLength(3);
  });

  it('agrees with every published schedule since 2014: each statutory day is a rest day there', () => {
    // Given the published schedules of 2014–2026 (2013 revision until 2024: no 除夕, one day of 劳动节)
    for (let year = 2014; year <= 2026; year++) {
      const revised2024 = year >= 2025;
      const days = holidaysByTheMeasures(year);
      const eve = addDays(days.find((d) => d.name === '春节')?.date ?? '', 0);
      for (const d of days) {
        if (!revised2024 && (d.date === eve || d.date.endsWith('-05-02'))) continue;
        // Then every statutory day of the computed list is a rest day of the official schedule
        expect({ year, date: d.date, rest: strict.isRestDay(d.date) }).toEqual({
          year,
          date: d.date,
          rest: true,
        });
      }
    }
  });

  it('refuses years the 2024 revision does not govern', () => {
    expectCode(() => statutoryHolidays(2024), 'CAL_ERR_YEAR_NOT_COVERED');
    expectCode(() => statutoryHolidays(2100), 'CAL_ERR_YEAR_NOT_COVERED');
  });
});

describe("createCalendar({ uncoveredYears: 'provisional' })", () => {
  it('is off by default: an uncovered year is still refused', () => {
    expectCode(() => strict.day('2027-01-04'), 'CAL_ERR_YEAR_NOT_COVERED');
    expectCode(() => addPeriod('2026-11-22', 'P60D', strict), 'CAL_ERR_YEAR_NOT_COVERED');
    expect(strict.provisionalYears).toEqual([]);
  });

  it('answers the year after the last covered one, every day marked provisional', () => {
    expect(provisional.provisionalYears).toEqual([2027]);
    expect(provisional.covers(2027)).toBe(false);
    expect(provisional.day('2027-02-05')).toMatchObject({
      kind: 'holiday',
      work: false,
      name: '春节',
      provisional: true,
      source: PROVISIONAL_SOURCE,
    });
    expect(provisional.day('2027-02-09')).toMatchObject({ kind: 'workday', work: true, provisional: true });
    expect(provisional.day('2027-02-13')).toMatchObject({ kind: 'weekend', work: false, provisional: true });
    // covered days carry no flag at all
    expect(provisional.day('2026-10-08')).toEqual(strict.day('2026-10-08'));
    expect('provisional' in provisional.day('2026-12-31')).toBe(false);
  });

  it('lists the provisional rest days and no make-up workdays in the schedule', () => {
    const s = provisional.schedule(2027);
    expect(s.provisional).toBe(true);
    expect(s.source).toBe(PROVISIONAL_SOURCE);
    expect(s.workdays).toEqual([]);
    expect(s.restDays.map((d) => d.date)).toEqual(statutoryHolidays(2027).map((d) => d.date));
    expect(s.restDays.every((d) => d.provisional === true)).toBe(true);
    expect(provisional.schedule(2026).provisional).toBeUndefined();
  });

  it('refuses beyond the horizon (1 year by default, at most 2)', () => {
    expectCode(() => provisional.day('2028-01-03'), 'CAL_ERR_YEAR_NOT_COVERED');
    expectCode(() => provisional.schedule(2028), 'CAL_ERR_YEAR_NOT_COVERED');
    expectCode(() => addPeriod('2027-12-20', 'P30D', provisional), 'CAL_ERR_YEAR_NOT_COVERED');
    const two = createCalendar({ uncoveredYears: 'provisional', provisionalHorizon: 2 });
    expect(two.provisionalYears).toEqual([2027, 2028]);
    expect(two.day('2028-01-26')).toMatchObject({ kind: 'holiday', name: '春节', provisional: true });
    expectCode(() => two.day('2029-01-02'), 'CAL_ERR_YEAR_NOT_COVERED');
    // years before the data are never provisional
    expectCode(() => provisional.day('2003-06-02'), 'CAL_ERR_YEAR_NOT_COVERED');
  });

  it('moves with the data: once 2027 is loaded, 2027 is official and 2028 provisional', () => {
    const y2027 = {
      year: 2027,
      source: 'notice',
      restDays: [{ from: '2027-02-05', to: '2027-02-12' }],
      workdays: ['2027-02-20'],
    };
    const cal = createCalendar({ uncoveredYears: 'provisional', extraYears: [y2027] });
    expect(cal.provisionalYears).toEqual([2028]);
    expect(cal.day('2027-02-20')).toEqual(createCalendar({ extraYears: [y2027] }).day('2027-02-20'));
    expect(cal.day('2028-05-01')).toMatchObject({ kind: 'holiday', provisional: true });
  });

  it('lets pilot days win, and those are not provisional', () => {
    const cal = createCalendar({
      uncoveredYears: 'provisional',
      overrides: { restDays: [{ date: '2027-07-01', name: '县庆' }], workdays: ['2027-02-08'] },
    });
    expect(cal.day('2027-07-01')).toMatchObject({ kind: 'pilot-rest-day', work: false });
    expect(cal.day('2027-07-01').provisional).toBeUndefined();
    expect(cal.day('2027-02-08')).toMatchObject({ kind: 'pilot-workday', work: true });
    expect(cal.day('2027-02-08').provisional).toBeUndefined();
  });

  it('refuses bad options with a code', () => {
    expectCode(() => createCalendar({ uncoveredYears: 'guess' as 'refuse' }), 'CAL_ERR_INVALID_OPTIONS');
    expectCode(
      () => createCalendar({ uncoveredYears: 'provisional', provisionalHorizon: 3 }),
      'CAL_ERR_INVALID_OPTIONS',
    );
    expectCode(() => createCalendar({ provisionalHorizon: 0 }), 'CAL_ERR_INVALID_OPTIONS');
  });
});

describe('addPeriodDetailed: periods reaching into 2027', () => {
  it.each([
    // a case registered today: 60-day handling period
    ['2026-11-22', 'P60D', '2027-01-21'],
    // 元旦 2027 is a Friday: the weekend follows, the period ends on Monday
    ['2026-12-17', '15d', '2027-01-04'],
    // 春节 2027: 除夕 02-05 (Fri), 初一–初三 02-06..02-08
    ['2027-01-22', '15d', '2027-02-09'],
    ['2027-02-01', '5wd', '2027-02-10'],
    // 清明 2027-04-05 (Mon)
    ['2027-03-21', '15d', '2027-04-06'],
    // 劳动节 05-01/02 fall on a weekend (no 补假 is assumed): 05-03 works
    ['2027-04-16', '15d', '2027-05-03'],
    // 端午 2027-06-09 (Wed), 中秋 2027-09-15 (Wed)
    ['2027-05-25', '15d', '2027-06-10'],
    ['2027-09-13', '2wd', '2027-09-16'],
    // 国庆 10-01..03 (Fri–Sun)
    ['2027-09-16', '15d', '2027-10-04'],
  ])('%s + %s → %s, provisional', (start, period, due) => {
    expect(addPeriodDetailed(start, period, provisional)).toEqual({
      due,
      provisional: true,
      provisionalYears: [2027],
    });
  });

  it('is not provisional when no day of 2027 was looked at', () => {
    expect(addPeriodDetailed('2026-12-20', '10d', provisional)).toEqual({
      due: '2026-12-30',
      provisional: false,
      provisionalYears: [],
    });
    expect(addPeriodDetailed('2025-09-23', 'P15D', strict)).toEqual({
      due: '2025-10-09',
      provisional: false,
      provisionalYears: [],
    });
  });

  it('flows into the engine adapter', () => {
    const dc = deadlineCalendar(provisional);
    expect(dc.dueDetailed('2026-11-22T10:00:00+08:00', 'P60D', 'calendar')).toEqual({
      due: '2027-01-21T16:00:00.000Z',
      provisional: true,
      provisionalYears: [2027],
    });
    expect(dc.due('2026-11-22T10:00:00+08:00', 'P60D', 'calendar')).toBe('2027-01-21T16:00:00.000Z');
    expect(dc.dueDetailed('2025-09-23T09:00:00+08:00', '15d', 'calendar').provisional).toBe(false);
  });
});

describe('budgetStatus with a provisional year', () => {
  const budget = { start: '2026-11-22', period: 'P60D', pauses: [], extensions: [] };
  it('says provisional when the budget reaches into 2027', () => {
    const s = budgetStatus(budget, '2026-12-01', provisional);
    expect(s).toMatchObject({
      due: '2027-01-21',
      provisional: true,
      provisionalYears: [2027],
      state: 'normal',
    });
    expectCode(() => budgetStatus(budget, '2026-12-01', strict), 'CAL_ERR_YEAR_NOT_COVERED');
  });
  it('leaves a covered budget exactly as before (no provisional key)', () => {
    const b = {
      start: '2026-09-01',
      period: 'P30D',
      pauses: [{ from: '2026-09-10', to: '2026-09-12' }],
      extensions: [],
    };
    const s = budgetStatus(b, '2026-09-20', provisional);
    expect(s).toEqual(budgetStatus(b, '2026-09-20', strict));
    expect('provisional' in s).toBe(false);
  });
});

// ---- properties ----

const FIRST = toEpochDay('2004-01-01');
const LAST_2026 = toEpochDay('2026-12-31');
// the whole covered range, and its last months (where periods reach into 2027) on purpose
const startArb = fc
  .oneof(
    fc.integer({ min: FIRST, max: LAST_2026 - 1 }),
    fc.integer({ min: LAST_2026 - 120, max: LAST_2026 - 1 }),
  )
  .map(fromEpochDay);
const periodArb = fc.oneof(
  fc.integer({ min: 1, max: 90 }).map((n) => `${n}d`),
  fc.integer({ min: 1, max: 60 }).map((n) => `${n}wd`),
);

describe('properties', () => {
  it('provisional mode never changes a result the strict calendar gives, and flags exactly what it refuses', () => {
    fc.assert(
      fc.property(startArb, periodArb, (start, period) => {
        let strictDue: string | undefined;
        try {
          strictDue = addPeriod(start, period, strict);
        } catch {
          strictDue = undefined;
        }
        const r = addPeriodDetailed(start, period, provisional);
        if (strictDue === undefined) {
          expect(r.provisional).toBe(true);
        } else {
          expect(r).toEqual({ due: strictDue, provisional: false, provisionalYears: [] });
        }
      }),
      { numRuns: 400 },
    );
  });

  it('day(), working-day counts and budgets of covered years are identical in both modes', () => {
    fc.assert(
      fc.property(startArb, fc.integer({ min: 0, max: 40 }), (date, span) => {
        expect(provisional.day(date)).toEqual(strict.day(date));
        const to = fromEpochDay(Math.min(toEpochDay(date) + span, LAST_2026));
        expect(countWorkingDays(date, to, provisional)).toBe(countWorkingDays(date, to, strict));
      }),
      { numRuns: 300 },
    );
  });

  it('a provisional calendar-period due date is never a rest day, and only rest days lie after start + n', () => {
    fc.assert(
      fc.property(
        fc.integer({ min: toEpochDay('2026-10-01'), max: toEpochDay('2027-10-31') }),
        fc.integer({ min: 1, max: 60 }),
        (s, n) => {
          const start = fromEpochDay(s);
          const { due } = addPeriodDetailed(start, `${n}d`, provisional);
          expect(provisional.isRestDay(due)).toBe(false);
          for (let d = addDays(start, n); d < due; d = addDays(d, 1))
            expect(provisional.isRestDay(d)).toBe(true);
        },
      ),
      { numRuns: 200 },
    );
  });
});
