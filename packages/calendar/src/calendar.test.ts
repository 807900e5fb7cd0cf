import { describe, expect, it } from 'vitest';
import { createCalendar } from './calendar.js';
import { expectCode } from './fixtures/expect-code.js';
import type { YearData } from './year-data.js';

const cal = createCalendar();

function range(from: string, to: string): string[] {
  const out: string[] = [];
  for (
    let d = new Date(`${from}T00:00:00Z`);
    d.toISOString().slice(0, 10) <= to;
    d.setUTCDate(d.getUTCDate() + 1)
  )
    out.push(d.toISOString().slice(0, 10));
  return out;
}

// Facts from the State Council notices (国办发明电〔2024〕12号 for 2025; the notice of 2025-11-04 for 2026).
describe('national schedule 2025', () => {
  it('Spring Festival: rest 01-28..02-04, make-up workdays Sunday 01-26 and Saturday 02-08', () => {
    for (const d of range('2025-01-28', '2025-02-04')) expect(cal.isRestDay(d), d).toBe(true);
    expect(cal.isWorkday('2025-01-27')).toBe(true);
    expect(cal.isWorkday('2025-02-05')).toBe(true);
    expect(cal.day('2025-01-26')).toMatchObject({ work: true, kind: 'makeup-workday', weekday: 0 });
    expect(cal.day('2025-02-08')).toMatchObject({ work: true, kind: 'makeup-workday', weekday: 6 });
    expect(cal.holidayName('2025-01-29')).toBe('春节');
  });
  it('Qingming 04-04..04-06 without make-up day; Labour Day 05-01..05-05 with make-up Sunday 04-27', () => {
    for (const d of range('2025-04-04', '2025-04-06')) expect(cal.isRestDay(d), d).toBe(true);
    expect(cal.isWorkday('2025-04-07')).toBe(true);
    for (const d of range('2025-05-01', '2025-05-05')) expect(cal.isRestDay(d), d).toBe(true);
    expect(cal.isWorkday('2025-04-27')).toBe(true);
    expect(cal.isRestDay('2025-05-10')).toBe(true); // an ordinary Saturday
  });
  it('National Day and Mid-autumn: rest 10-01..10-08, make-up Sunday 09-28 and Saturday 10-11', () => {
    for (const d of range('2025-10-01', '2025-10-08')) expect(cal.isRestDay(d), d).toBe(true);
    expect(cal.isWorkday('2025-09-28')).toBe(true);
    expect(cal.isWorkday('2025-10-11')).toBe(true);
    expect(cal.isWorkday('2025-10-09')).toBe(true);
    expect(cal.holidayName('2025-10-08')).toBeDefined();
  });
});

describe('national schedule 2026', () => {
  it('New Year 01-01..01-03 with make-up Sunday 01-04', () => {
    for (const d of range('2026-01-01', '2026-01-03')) expect(cal.isRestDay(d), d).toBe(true);
    expect(cal.day('2026-01-04')).toMatchObject({ work: true, kind: 'makeup-workday' });
  });
  it('Spring Festival 02-15..02-23 (9 days), make-up Saturdays 02-14 and 02-28', () => {
    for (const d of range('2026-02-15', '2026-02-23')) expect(cal.isRestDay(d), d).toBe(true);
    expect(cal.isWorkday('2026-02-14')).toBe(true);
    expect(cal.isWorkday('2026-02-28')).toBe(true);
    expect(cal.isWorkday('2026-02-24')).toBe(true);
  });
  it('Qingming 04-04..04-06, Labour Day 05-01..05-05 with make-up Saturday 05-09', () => {
    for (const d of [...range('2026-04-04', '2026-04-06'), ...range('2026-05-01', '2026-05-05')])
      expect(cal.isRestDay(d), d).toBe(true);
    expect(cal.isWorkday('2026-05-09')).toBe(true);
  });
  it('National Day 10-01..10-07, make-up Sunday 09-20 and Saturday 10-10; Mid-autumn 09-25..09-27', () => {
    for (const d of [...range('2026-10-01', '2026-10-07'), ...range('2026-09-25', '2026-09-27')])
      expect(cal.isRestDay(d), d).toBe(true);
    expect(cal.isWorkday('2026-09-20')).toBe(true);
    expect(cal.isWorkday('2026-10-10')).toBe(true);
    expect(cal.isWorkday('2026-10-08')).toBe(true);
  });
  it('the year schedule lists exactly the six make-up workdays of 2026', () => {
    const s = cal.schedule(2026);
    expect(s.workdays.map((d) => d.date)).toEqual([
      '2026-01-04',
      '2026-02-14',
      '2026-02-28',
      '2026-05-09',
      '2026-09-20',
      '2026-10-10',
    ]);
    expect(s.restDays.filter((d) => d.date.startsWith('2026-02')).map((d) => d.date)).toEqual(
      range('2026-02-15', '2026-02-23'),
    );
  });
});

describe('coverage', () => {
  it('refuses years the data does not cover instead of guessing', () => {
    expect(cal.covers(2026)).toBe(true);
    expect(cal.covers(2027)).toBe(false);
    expectCode(() => cal.isWorkday('2027-01-04'), 'CAL_ERR_YEAR_NOT_COVERED');
    expectCode(() => cal.isRestDay('2028-02-29'), 'CAL_ERR_YEAR_NOT_COVERED'); // a real date, just not covered
    expectCode(() => cal.isWorkday('2003-12-31'), 'CAL_ERR_YEAR_NOT_COVERED');
    expectCode(() => cal.schedule(2030), 'CAL_ERR_YEAR_NOT_COVERED');
  });
  it('knows leap days and refuses dates that do not exist', () => {
    expect(cal.day('2024-02-29')).toMatchObject({ weekday: 4, work: true });
    expectCode(() => cal.isWorkday('2025-02-29'), 'CAL_ERR_INVALID_DATE');
    expectCode(() => cal.isWorkday('2025-13-01'), 'CAL_ERR_INVALID_DATE');
    expectCode(() => cal.isWorkday('2025-1-1'), 'CAL_ERR_INVALID_DATE');
  });
  it('a year loaded as data becomes covered, and replaces bundled data for that year', () => {
    const y2027: YearData = {
      year: 2027,
      source: 'test fixture (not the real 2027 schedule)',
      restDays: [{ from: '2027-02-05', to: '2027-02-11', name: '春节' }, '2027-01-01'],
      workdays: [{ date: '2027-02-13', name: '春节' }],
    };
    const c = createCalendar({ extraYears: [y2027] });
    expect(c.covers(2027)).toBe(true);
    expect(c.isRestDay('2027-02-08')).toBe(true); // a Monday inside the block
    expect(c.day('2027-02-13')).toMatchObject({
      work: true,
      kind: 'makeup-workday',
      source: 'test fixture (not the real 2027 schedule)',
    });
    expect(c.isWorkday('2027-03-01')).toBe(true);
    const replaced = createCalendar({ extraYears: [{ year: 2025, restDays: [], workdays: [] }] });
    expect(replaced.isWorkday('2025-10-08')).toBe(true);
  });
  it('bundledData: false covers only the years given', () => {
    const c = createCalendar({
      bundledData: false,
      extraYears: [{ year: 2026, restDays: [], workdays: [] }],
    });
    expect(c.coveredYears).toEqual([2026]);
    expectCode(() => c.isWorkday('2025-01-02'), 'CAL_ERR_YEAR_NOT_COVERED');
  });
});

describe('pilot overrides', () => {
  const pilot = createCalendar({
    overrides: {
      restDays: [{ date: '2026-07-01', name: '县庆' }],
      workdays: ['2026-10-07'],
      source: '某县通知',
    },
  });
  it('adds local rest days and workdays over the national schedule', () => {
    expect(pilot.day('2026-07-01')).toMatchObject({
      work: false,
      kind: 'pilot-rest-day',
      name: '县庆',
      source: '某县通知',
    });
    expect(pilot.day('2026-10-07')).toMatchObject({ work: true, kind: 'pilot-workday' });
    expect(cal.isWorkday('2026-07-01')).toBe(true); // the national calendar is unchanged
  });
  it('shows overrides in the year schedule', () => {
    const s = pilot.schedule(2026);
    expect(s.restDays.map((d) => d.date)).toContain('2026-07-01');
    expect(s.restDays.map((d) => d.date)).not.toContain('2026-10-07');
    expect(s.workdays.map((d) => d.date)).toContain('2026-10-07');
  });
  it('does not make a year covered by overrides alone', () => {
    const c = createCalendar({ overrides: { restDays: ['2027-07-01'] } });
    expectCode(() => c.isRestDay('2027-07-01'), 'CAL_ERR_YEAR_NOT_COVERED');
  });
  it('refuses contradictory or malformed data', () => {
    expectCode(
      () => createCalendar({ overrides: { restDays: ['2026-07-01'], workdays: ['2026-07-01'] } }),
      'CAL_ERR_CONFLICTING_DAYS',
    );
    expectCode(() => createCalendar({ overrides: { restDays: ['2026-02-30'] } }), 'CAL_ERR_INVALID_DATE');
    expectCode(
      () => createCalendar({ extraYears: [{ year: 2027, restDays: ['2026-12-31'], workdays: [] }] }),
      'CAL_ERR_INVALID_YEAR_DATA',
    );
    expectCode(
      () =>
        createCalendar({ extraYears: [{ year: 2027, restDays: ['2027-01-02'], workdays: ['2027-01-02'] }] }),
      'CAL_ERR_CONFLICTING_DAYS',
    );
    expectCode(
      () =>
        createCalendar({
          extraYears: [{ year: 2027, restDays: [{ from: '2027-02-11', to: '2027-02-05' }], workdays: [] }],
        }),
      'CAL_ERR_INVALID_YEAR_DATA',
    );
    expectCode(
      () => createCalendar({ extraYears: [{ year: 20.5, restDays: [], workdays: [] }] }),
      'CAL_ERR_INVALID_YEAR_DATA',
    );
    expectCode(
      () => createCalendar({ extraYears: [{ year: 2027 } as unknown as YearData] }),
      'CAL_ERR_INVALID_YEAR_DATA',
    );
    expectCode(() => createCalendar({ timeZone: 'Mars/Olympus' }), 'CAL_ERR_INVALID_TIME_ZONE');
  });
});
