/**
 * Yearly holiday schedules as data: the State Council's notice for one year (statutory rest days and
 * make-up workdays), either from the `chinese-days` package or loaded by a province or pilot.
 */
import { createRequire } from 'node:module';
import { type CivilDate, addDays, compareCivilDates, parseCivilDate, yearOf } from './civil-date.js';
import { CalendarError } from './errors.js';

/**
 * One entry of a rest-day or workday list: a single date, a named date, or an inclusive named range
 * (`{ from: '2027-02-06', to: '2027-02-14', name: '春节' }`).
 */
export type DayEntry =
  | CivilDate
  | { readonly date: CivilDate; readonly name?: string; readonly nameEn?: string }
  | { readonly from: CivilDate; readonly to: CivilDate; readonly name?: string; readonly nameEn?: string };

/**
 * The holiday schedule of one year, as published by the State Council each November
 * (国务院办公厅关于某年部分节假日安排的通知).
 *
 * @example
 * const y2027: YearData = {
 *   year: 2027,
 *   source: '国办发明电〔2026〕…',
 *   restDays: [{ from: '2027-01-01', to: '2027-01-03', name: '元旦' }],
 *   workdays: [],
 * };
 */
export interface YearData {
  readonly year: number;
  /** Statutory rest days of the holidays (weekend days inside a holiday block may be listed too). */
  readonly restDays: readonly DayEntry[];
  /** Make-up workdays (调休上班): weekend days that are working days. */
  readonly workdays: readonly DayEntry[];
  /** Where the data comes from (notice number or URL); shown by `shidian calendar`. */
  readonly source?: string;
}

/** One resolved day of a schedule. */
export interface NamedDay {
  readonly date: CivilDate;
  readonly name?: string;
  readonly nameEn?: string;
}

/** A validated year: every entry expanded to single days, sorted, with no date in both lists. */
export interface ResolvedYear {
  readonly year: number;
  readonly restDays: ReadonlyMap<CivilDate, NamedDay>;
  readonly workdays: ReadonlyMap<CivilDate, NamedDay>;
  readonly source: string;
}

/** The bundled data's source, `chinese-days@<installed version>` (e.g. `chinese-days@1.5.7`). */
export const CHINESE_DAYS_SOURCE = `chinese-days@${(createRequire(import.meta.url)('chinese-days/package.json') as { version: string }).version}`;

/**
 * Expands day entries to single named days, checking every date (and, when `year` is given, that
 * each day lies in that year).
 *
 * @throws CalendarError `CAL_ERR_INVALID_DATE`, `CAL_ERR_INVALID_YEAR_DATA`
 */
export function expandDayEntries(entries: unknown, context: string, year?: number): NamedDay[] {
  if (!Array.isArray(entries))
    throw new CalendarError('CAL_ERR_INVALID_YEAR_DATA', `${context}: expected an array`);
  const out: NamedDay[] = [];
  for (const raw of entries as unknown[]) {
    let days: NamedDay[];
    if (typeof raw === 'string') {
      days = [{ date: parseCivilDate(raw) }];
    } else if (typeof raw === 'object' && raw !== null) {
      const e = raw as Record<string, unknown>;
      const name = optionalString(e.name, context);
      const nameEn = optionalString(e.nameEn, context);
      const label = { ...(name === undefined ? {} : { name }), ...(nameEn === undefined ? {} : { nameEn }) };
      if ('date' in e) {
        days = [{ date: parseCivilDate(e.date), ...label }];
      } else if ('from' in e && 'to' in e) {
        const from = parseCivilDate(e.from);
        const to = parseCivilDate(e.to);
        if (compareCivilDates(from, to) > 0)
          throw new CalendarError(
            'CAL_ERR_INVALID_YEAR_DATA',
            `${context}: range ${from}..${to} is reversed`,
          );
        days = [];
        for (let d = from; d <= to; d = addDays(d, 1)) {
          days.push({ date: d, ...label });
          if (days.length > 366)
            throw new CalendarError(
              'CAL_ERR_INVALID_YEAR_DATA',
              `${context}: range ${from}..${to} is longer than a year`,
            );
        }
      } else {
        throw new CalendarError(
          'CAL_ERR_INVALID_YEAR_DATA',
          `${context}: an entry needs "date" or "from"/"to"`,
        );
      }
    } else {
      throw new CalendarError('CAL_ERR_INVALID_YEAR_DATA', `${context}: bad entry ${JSON.stringify(raw)}`);
    }
    for (const d of days) {
      if (year !== undefined && yearOf(d.date) !== year) {
        throw new CalendarError('CAL_ERR_INVALID_YEAR_DATA', `${context}: ${d.date} is not in ${year}`);
      }
      out.push(d);
    }
  }
  return out;
}

function optionalString(v: unknown, context: string): string | undefined {
  if (v === undefined) return undefined;
  if (typeof v !== 'string')
    throw new CalendarError('CAL_ERR_INVALID_YEAR_DATA', `${context}: name must be a string`);
  return v;
}

/**
 * Validates one year of schedule data and resolves it to lookup maps.
 *
 * @throws CalendarError `CAL_ERR_INVALID_YEAR_DATA`, `CAL_ERR_INVALID_DATE`, `CAL_ERR_CONFLICTING_DAYS`
 */
export function resolveYearData(data: unknown, defaultSource = 'pilot'): ResolvedYear {
  if (typeof data !== 'object' || data === null)
    throw new CalendarError('CAL_ERR_INVALID_YEAR_DATA', 'expected an object');
  const d = data as Record<string, unknown>;
  const year = d.year;
  if (typeof year !== 'number' || !Number.isInteger(year) || year < 1 || year > 9999) {
    throw new CalendarError('CAL_ERR_INVALID_YEAR_DATA', `bad year ${JSON.stringify(year)}`);
  }
  if (d.source !== undefined && typeof d.source !== 'string')
    throw new CalendarError('CAL_ERR_INVALID_YEAR_DATA', `${year}: source must be a string`);
  const rest = toMap(expandDayEntries(d.restDays, `${year}.restDays`, year));
  const work = toMap(expandDayEntries(d.workdays, `${year}.workdays`, year));
  for (const date of rest.keys()) {
    if (work.has(date)) throw new CalendarError('CAL_ERR_CONFLICTING_DAYS', date);
  }
  return Object.freeze({
    year,
    restDays: rest,
    workdays: work,
    source: (d.source as string | undefined) ?? defaultSource,
  });
}

function toMap(days: readonly NamedDay[]): Map<CivilDate, NamedDay> {
  const m = new Map<CivilDate, NamedDay>();
  for (const d of [...days].sort((a, b) => compareCivilDates(a.date, b.date)))
    if (!m.has(d.date)) m.set(d.date, Object.freeze(d));
  return m;
}

let bundled: ReadonlyMap<number, ResolvedYear> | undefined;

/**
 * The years bundled with `chinese-days` (2004–2026 in 1.5.7), read from its published JSON file
 * `dist/chinese-days.json` (`holidays`, `workdays`; values `"English name,中文名,n"`). The JSON is
 * used rather than the runtime functions because those parse `YYYY-MM-DD` strings as UTC and then
 * read them in the server's local zone, which shifts every date by one west of UTC.
 */
export function bundledYears(): ReadonlyMap<number, ResolvedYear> {
  if (bundled !== undefined) return bundled;
  const require = createRequire(import.meta.url);
  const json = require('chinese-days/dist/chinese-days.json') as {
    holidays?: Record<string, string>;
    workdays?: Record<string, string>;
  };
  const byYear = new Map<number, { restDays: NamedDay[]; workdays: NamedDay[] }>();
  const slot = (date: string) => {
    const y = yearOf(date);
    let s = byYear.get(y);
    if (s === undefined) byYear.set(y, (s = { restDays: [], workdays: [] }));
    return s;
  };
  for (const [date, label] of Object.entries(json.holidays ?? {}))
    slot(date).restDays.push(namedFromLabel(date, label));
  for (const [date, label] of Object.entries(json.workdays ?? {}))
    slot(date).workdays.push(namedFromLabel(date, label));
  const out = new Map<number, ResolvedYear>();
  for (const [year, s] of [...byYear].sort((a, b) => a[0] - b[0])) {
    out.set(
      year,
      resolveYearData({ year, restDays: s.restDays, workdays: s.workdays, source: CHINESE_DAYS_SOURCE }),
    );
  }
  bundled = out;
  return out;
}

function namedFromLabel(date: string, label: string): NamedDay {
  const [en, zh] = label.split(',');
  return { date, ...(zh ? { name: zh } : {}), ...(en ? { nameEn: en } : {}) };
}
