/**
 * Provisional holiday schedules for years the State Council has not published yet: the statutory
 * public holidays of 《全国年节及纪念日放假办法》 (as revised by 国务院令第795号, in force
 * 2025-01-01) on top of the weekends, with no make-up workdays and no 补假 (both are only known from
 * the yearly notice). Used only when a calendar is created with `uncoveredYears: 'provisional'`.
 */
import { createRequire } from 'node:module';
import { type CivilDate, addDays } from './civil-date.js';
import { CalendarError } from './errors.js';
import { type NamedDay, type ResolvedYear, resolveYearData } from './year-data.js';

/** The first year the 2024 revision of the holiday measures applies to (in force 2025-01-01). */
export const PROVISIONAL_LAW_FROM_YEAR = 2025;

/** The source shown for every day of a provisional year. */
export const PROVISIONAL_SOURCE =
  'provisional: 全国年节及纪念日放假办法 第二条 (国务院令第795号, 2025-01-01 施行) — 调休/补假未知 / no make-up days';

interface ChineseDaysLunar {
  getSolarDateFromLunar(lunar: Date): { date: string; leapMonthDate?: string };
  getSolarTermDate(year: number, month: number, term: 'pure_brightness'): string;
  getLunarDate(date: Date): { lunarYear: number; lunarMon: number; lunarDay: number; isLeap: boolean };
}

const lunar = createRequire(import.meta.url)('chinese-days') as ChineseDaysLunar;

/**
 * The Gregorian date of a day of the Chinese lunar calendar (regular, not leap, month), by
 * `chinese-days`' `getSolarDateFromLunar`. The lunar date is handed over as a *local* `Date`, because
 * that function reads it with local getters and does its arithmetic in local time; its answer is
 * then checked against `getLunarDate` at Beijing midnight (a time-zone-free computation), and a
 * disagreement is refused rather than guessed.
 */
function solarOfLunar(lunarYear: number, month: number, day: number): CivilDate {
  const { date } = lunar.getSolarDateFromLunar(new Date(lunarYear, month - 1, day));
  const check = lunar.getLunarDate(beijingMidnight(date));
  if (check.lunarYear !== lunarYear || check.lunarMon !== month || check.lunarDay !== day || check.isLeap) {
    throw new CalendarError(
      'CAL_ERR_YEAR_NOT_COVERED',
      `provisional ${lunarYear}: lunar ${month}-${day} ≠ ${date}`,
    );
  }
  return date;
}

/** The 清明 solar term of `year` (always 4–6 April in 1900–2100). */
function qingming(year: number): CivilDate {
  // getSolarTermDate builds `year-4-day` as UTC midnight and formats it in the local zone, which is the
  // previous day west of UTC: undo that by finding the April day whose UTC midnight reads as its answer.
  const answer = lunar.getSolarTermDate(year, 4, 'pure_brightness');
  for (let day = 1; day <= 30; day++) {
    const d = new Date(Date.UTC(year, 3, day));
    const local = `${d.getFullYear()}-${String(d.getMonth() + 1).padStart(2, '0')}-${String(d.getDate()).padStart(2, '0')}`;
    if (local === answer) {
      if (day < 4 || day > 6) break;
      return ymd(year, 4, day);
    }
  }
  throw new CalendarError('CAL_ERR_YEAR_NOT_COVERED', `provisional ${year}: 清明 ${answer}`);
}

function ymd(year: number, month: number, day: number): CivilDate {
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

function beijingMidnight(date: CivilDate): Date {
  const [y, m, d] = date.split('-').map(Number) as [number, number, number];
  return new Date(Date.UTC(y, m - 1, d) - 8 * 3_600_000);
}

/**
 * The statutory public holidays of `year` under Art. 2 of 《全国年节及纪念日放假办法》 (2024 revision):
 * 元旦 1 day (1-01); 春节 4 days (农历除夕 and 正月初一至初三); 清明节 1 day (the 清明 term); 劳动节 2 days
 * (5-01, 5-02); 端午节 1 day (农历五月初五); 中秋节 1 day (农历八月十五); 国庆节 3 days (10-01 … 10-03).
 * Days are sorted; a day that is two holidays at once (中秋 on 10-01 … 10-03) carries both names.
 *
 * @throws CalendarError `CAL_ERR_YEAR_NOT_COVERED` for a year before 2025 (another version of the law)
 *   or outside the lunar tables of `chinese-days` (1901–2099)
 * @example statutoryHolidays(2027).map((d) => d.date) // ['2027-01-01', '2027-02-05', …, '2027-10-03']
 */
export function statutoryHolidays(year: number): readonly NamedDay[] {
  if (!Number.isInteger(year) || year < PROVISIONAL_LAW_FROM_YEAR || year > 2099) {
    throw new CalendarError('CAL_ERR_YEAR_NOT_COVERED', `${year}: no provisional schedule`);
  }
  return holidaysByTheMeasures(year);
}

/**
 * The days of Art. 2 for any year of the lunar tables, without the check that the 2024 revision
 * applies (the tests compare it with the published schedules of earlier years).
 * @internal
 */
export function holidaysByTheMeasures(year: number): readonly NamedDay[] {
  const days: NamedDay[] = [];
  const add = (date: CivilDate, name: string, nameEn: string) => days.push({ date, name, nameEn });
  add(ymd(year, 1, 1), '元旦', "New Year's Day");
  const newYear = solarOfLunar(year, 1, 1); // 正月初一
  add(addDays(newYear, -1), '春节', 'Spring Festival'); // 除夕, the last day of the twelfth month
  for (let i = 0; i < 3; i++) add(addDays(newYear, i), '春节', 'Spring Festival');
  add(qingming(year), '清明', 'Tomb-sweeping Day');
  add(ymd(year, 5, 1), '劳动节', 'Labour Day');
  add(ymd(year, 5, 2), '劳动节', 'Labour Day');
  add(solarOfLunar(year, 5, 5), '端午', 'Dragon Boat Festival');
  add(solarOfLunar(year, 8, 15), '中秋', 'Mid-autumn Festival');
  for (let d = 1; d <= 3; d++) add(ymd(year, 10, d), '国庆节', 'National Day');
  const merged = new Map<CivilDate, NamedDay>();
  for (const d of days) {
    const seen = merged.get(d.date);
    merged.set(
      d.date,
      seen === undefined
        ? d
        : {
            date: d.date,
            name: `${seen.name ?? ''}、${d.name ?? ''}`,
            nameEn: `${seen.nameEn ?? ''}, ${d.nameEn ?? ''}`,
          },
    );
  }
  return Object.freeze(
    [...merged.values()].sort((a, b) => (a.date < b.date ? -1 : 1)).map((d) => Object.freeze(d)),
  );
}

/**
 * The provisional schedule of `year`: its statutory holidays as rest days, no make-up workdays,
 * source {@link PROVISIONAL_SOURCE}.
 * @internal
 */
export function provisionalYear(year: number): ResolvedYear {
  return resolveYearData({
    year,
    restDays: statutoryHolidays(year),
    workdays: [],
    source: PROVISIONAL_SOURCE,
  });
}
