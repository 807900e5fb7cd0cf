/**
 * The working-day calendar of one pilot: the State Council schedules (from `chinese-days`, plus
 * years loaded as data) with the pilot's local rest days and workdays on top.
 */
import {
  type CivilDate,
  DEFAULT_TIME_ZONE,
  compareCivilDates,
  dayOfWeek,
  fromEpochDay,
  parseCivilDate,
  parseTimeZone,
  toEpochDay,
  yearOf,
} from './civil-date.js';
import { CalendarError } from './errors.js';
import { PROVISIONAL_LAW_FROM_YEAR, provisionalYear } from './provisional-year.js';
import {
  type DayEntry,
  type NamedDay,
  type ResolvedYear,
  type YearData,
  bundledYears,
  expandDayEntries,
  resolveYearData,
} from './year-data.js';

/** Local changes a pilot makes to the national schedule (e.g. a county holiday, an extra workday). */
export interface CalendarOverrides {
  /** Extra rest days (they win over the national schedule, including make-up workdays). */
  readonly restDays?: readonly DayEntry[];
  /** Extra workdays (they win over the national schedule, including holidays). */
  readonly workdays?: readonly DayEntry[];
  /** Where the overrides come from (e.g. the pilot's notice), shown by `shidian calendar`. */
  readonly source?: string;
}

/** Options of {@link createCalendar}. */
export interface CalendarOptions {
  /** The pilot's local rest days and workdays. */
  readonly overrides?: CalendarOverrides;
  /**
   * Further years of State Council schedule, loaded as data (e.g. next year's notice published in
   * November). A year given here replaces the bundled data for that year.
   */
  readonly extraYears?: readonly YearData[];
  /** The pilot's IANA time zone; `Asia/Shanghai` by default. */
  readonly timeZone?: string;
  /** Use the schedules bundled with `chinese-days` (default `true`); `false` uses only `extraYears`. */
  readonly bundledData?: boolean;
  /**
   * What to do with a year no schedule covers. `'refuse'` (the default): `CAL_ERR_YEAR_NOT_COVERED`.
   * `'provisional'`: the year(s) right after the last covered one (see `provisionalHorizon`) are
   * answered with weekends plus the statutory holidays of 《全国年节及纪念日放假办法》 (2024 revision),
   * without make-up workdays; every such day says `provisional: true`. Later years are still refused.
   */
  readonly uncoveredYears?: 'refuse' | 'provisional';
  /** How many years after the last covered one are answered provisionally: 1 (default) or 2. */
  readonly provisionalHorizon?: number;
}

/** How a day is classified, and why. */
export type DayKind =
  | 'workday' // an ordinary Monday–Friday
  | 'weekend' // an ordinary Saturday or Sunday
  | 'holiday' // a statutory rest day of the State Council schedule
  | 'makeup-workday' // a weekend day made a workday by the schedule (调休上班)
  | 'pilot-rest-day' // a rest day added by the pilot
  | 'pilot-workday'; // a workday added by the pilot

/** Everything the calendar knows about one civil date. */
export interface DayInfo {
  readonly date: CivilDate;
  /** 0 Sunday … 6 Saturday. */
  readonly weekday: number;
  /** True on a working day. */
  readonly work: boolean;
  readonly kind: DayKind;
  /** Name of the holiday or make-up reason in Chinese (e.g. `春节`), when known. */
  readonly name?: string;
  /** English name, when known. */
  readonly nameEn?: string;
  /** The data that decided the day (e.g. `chinese-days@1.5.7`, a notice number, `pilot`). */
  readonly source: string;
  /**
   * Present (and `true`) only on a day of a provisional year that is decided by the provisional
   * schedule (see `CalendarOptions.uncoveredYears`): the State Council's notice may still change it.
   */
  readonly provisional?: true;
}

/** The special days of one year: statutory and pilot rest days, make-up and pilot workdays. */
export interface YearSchedule {
  readonly year: number;
  /** Rest days that are not ordinary weekends, plus holiday-block weekends, in date order. */
  readonly restDays: readonly DayInfo[];
  /** Working days that fall on a weekend or were added by the pilot, in date order. */
  readonly workdays: readonly DayInfo[];
  /** Source of the national schedule of this year. */
  readonly source: string;
  /** Present (and `true`) when the year is answered by the provisional schedule. */
  readonly provisional?: true;
}

/**
 * A pilot's working-day calendar. Every query about a day of a year that no schedule covers throws
 * `CAL_ERR_YEAR_NOT_COVERED`: the calendar never guesses that a year has no holidays.
 */
export interface Calendar {
  /** The pilot's IANA time zone. */
  readonly timeZone: string;
  /** The years this calendar can answer for, ascending. */
  readonly coveredYears: readonly number[];
  /** True when `year` has a schedule. */
  covers(year: number): boolean;
  /** Full information about a day. */
  day(date: CivilDate): DayInfo;
  /** True on a working day (make-up workdays included). */
  isWorkday(date: CivilDate): boolean;
  /** True on a weekend or holiday that is not a make-up workday, or a pilot rest day. */
  isRestDay(date: CivilDate): boolean;
  /** The Chinese name of the holiday (or make-up workday) on `date`, if any. */
  holidayName(date: CivilDate): string | undefined;
  /** The special days of a year. */
  schedule(year: number): YearSchedule;
  /**
   * The years answered provisionally (empty unless created with `uncoveredYears: 'provisional'`).
   * Optional so that other implementations of this interface keep compiling; absent means none.
   */
  readonly provisionalYears?: readonly number[];
}

const restLookups = new WeakMap<Calendar, (epochDay: number) => boolean>();
const provisionalLookups = new WeakMap<Calendar, (epochDay: number) => boolean>();

/**
 * A fast rest-day test by epoch day (days since 1970-01-01) for the counting loops. Calendars made by
 * {@link createCalendar} answer from a memo; any other implementation of {@link Calendar} is asked by date.
 * @internal
 */
export function restDayTest(calendar: Calendar): (epochDay: number) => boolean {
  return restLookups.get(calendar) ?? ((n: number) => calendar.isRestDay(fromEpochDay(n)));
}

/**
 * A test by epoch day for days decided by a provisional schedule, or `undefined` when the calendar has
 * no provisional year (so that the counting loops pay nothing for it).
 * @internal
 */
export function provisionalDayTest(calendar: Calendar): ((epochDay: number) => boolean) | undefined {
  if ((calendar.provisionalYears ?? []).length === 0) return undefined;
  return (
    provisionalLookups.get(calendar) ?? ((n: number) => calendar.day(fromEpochDay(n)).provisional === true)
  );
}

/**
 * A rest-day test that records which provisional years the days it was asked about belong to.
 * @internal
 */
export function trackingRestTest(calendar: Calendar): {
  readonly isRest: (epochDay: number) => boolean;
  /** The provisional years touched so far, ascending. */
  readonly provisionalYears: () => number[];
} {
  const isRest = restDayTest(calendar);
  const isProvisional = provisionalDayTest(calendar);
  if (isProvisional === undefined) return { isRest, provisionalYears: () => [] };
  const years = new Set<number>();
  return {
    isRest: (n: number) => {
      const rest = isRest(n);
      if (isProvisional(n)) years.add(yearOf(fromEpochDay(n)));
      return rest;
    },
    provisionalYears: () => [...years].sort((a, b) => a - b),
  };
}

/**
 * Creates a working-day calendar for mainland China (Asia/Shanghai), with the schedules bundled in
 * `chinese-days` (2004–2026), any further years given as data, and the pilot's overrides.
 *
 * With `uncoveredYears: 'provisional'` the year(s) right after the last covered one are answered from
 * the statutory holidays alone, every such answer flagged `provisional` (docs/calendar.md §1a).
 *
 * @throws CalendarError `CAL_ERR_INVALID_YEAR_DATA`, `CAL_ERR_CONFLICTING_DAYS`, `CAL_ERR_INVALID_DATE`,
 *   `CAL_ERR_INVALID_TIME_ZONE`, `CAL_ERR_INVALID_OPTIONS`
 * @example
 * const cal = createCalendar();
 * cal.isRestDay('2025-10-08'); // true (National Day)
 * cal.isWorkday('2025-10-11'); // true (Saturday make-up workday)
 * cal.isWorkday('2028-01-03'); // throws CAL_ERR_YEAR_NOT_COVERED
 * createCalendar({ uncoveredYears: 'provisional' }).day('2027-02-05'); // { kind: 'holiday', name: '春节', provisional: true, … }
 */
export function createCalendar(options: CalendarOptions = {}): Calendar {
  const timeZone = parseTimeZone(options.timeZone ?? DEFAULT_TIME_ZONE);
  const years = new Map<number, ResolvedYear>(options.bundledData === false ? [] : bundledYears());
  for (const data of options.extraYears ?? []) {
    const resolved = resolveYearData(data, 'extra');
    years.set(resolved.year, resolved);
  }
  const overrides = options.overrides ?? {};
  const overrideSource = overrides.source ?? 'pilot';
  if (overrides.source !== undefined && typeof overrides.source !== 'string') {
    throw new CalendarError('CAL_ERR_INVALID_YEAR_DATA', 'overrides.source must be a string');
  }
  const pilotRest = new Map<CivilDate, NamedDay>();
  for (const d of expandDayEntries(overrides.restDays ?? [], 'overrides.restDays')) pilotRest.set(d.date, d);
  const pilotWork = new Map<CivilDate, NamedDay>();
  for (const d of expandDayEntries(overrides.workdays ?? [], 'overrides.workdays')) {
    if (pilotRest.has(d.date)) throw new CalendarError('CAL_ERR_CONFLICTING_DAYS', d.date);
    pilotWork.set(d.date, d);
  }
  const coveredYears = Object.freeze([...years.keys()].sort((a, b) => a - b));

  const mode = options.uncoveredYears ?? 'refuse';
  if (mode !== 'refuse' && mode !== 'provisional')
    throw new CalendarError('CAL_ERR_INVALID_OPTIONS', `uncoveredYears: ${String(mode)}`);
  const horizon = options.provisionalHorizon ?? 1;
  if (horizon !== 1 && horizon !== 2)
    throw new CalendarError('CAL_ERR_INVALID_OPTIONS', `provisionalHorizon: ${String(horizon)}`);
  const lastCovered = coveredYears[coveredYears.length - 1];
  const provisionalYears: readonly number[] = Object.freeze(
    mode === 'provisional' && lastCovered !== undefined
      ? Array.from({ length: horizon }, (_, i) => lastCovered + 1 + i).filter(
          (y) => y >= PROVISIONAL_LAW_FROM_YEAR && y <= 2099,
        )
      : [],
  );
  const provisional = new Map<number, ResolvedYear>();

  function yearData(year: number): ResolvedYear {
    const data = years.get(year);
    if (data === undefined) {
      if (provisionalYears.includes(year)) {
        let p = provisional.get(year);
        if (p === undefined) provisional.set(year, (p = provisionalYear(year)));
        return p;
      }
      const range =
        coveredYears.length === 0 ? 'none' : `${coveredYears[0]}–${coveredYears[coveredYears.length - 1]}`;
      const also = provisionalYears.length === 0 ? '' : `; provisional: ${provisionalYears.join(', ')}`;
      throw new CalendarError('CAL_ERR_YEAR_NOT_COVERED', `${year} (covered: ${range}${also})`, {
        year,
        coveredYears,
        ...(provisionalYears.length === 0 ? {} : { provisionalYears }),
      });
    }
    return data;
  }

  function day(input: CivilDate): DayInfo {
    const date = parseCivilDate(input);
    const data = yearData(yearOf(date));
    const weekday = dayOfWeek(date);
    const label = (n: NamedDay | undefined) => ({
      ...(n?.name === undefined ? {} : { name: n.name }),
      ...(n?.nameEn === undefined ? {} : { nameEn: n.nameEn }),
    });
    const pr = pilotRest.get(date);
    if (pr !== undefined)
      return Object.freeze({
        date,
        weekday,
        work: false,
        kind: 'pilot-rest-day',
        ...label(pr),
        source: overrideSource,
      });
    const pw = pilotWork.get(date);
    if (pw !== undefined)
      return Object.freeze({
        date,
        weekday,
        work: true,
        kind: 'pilot-workday',
        ...label(pw),
        source: overrideSource,
      });
    const flag =
      provisionalYears.includes(data.year) && !years.has(data.year) ? { provisional: true as const } : {};
    const mw = data.workdays.get(date);
    if (mw !== undefined)
      return Object.freeze({
        date,
        weekday,
        work: true,
        kind: 'makeup-workday',
        ...label(mw),
        source: data.source,
        ...flag,
      });
    const h = data.restDays.get(date);
    if (h !== undefined)
      return Object.freeze({
        date,
        weekday,
        work: false,
        kind: 'holiday',
        ...label(h),
        source: data.source,
        ...flag,
      });
    const weekend = weekday === 0 || weekday === 6;
    return Object.freeze({
      date,
      weekday,
      work: !weekend,
      kind: weekend ? 'weekend' : 'workday',
      source: data.source,
      ...flag,
    });
  }

  function schedule(year: number): YearSchedule {
    if (!Number.isInteger(year)) throw new CalendarError('CAL_ERR_INVALID_DATE', String(year));
    const data = yearData(year);
    const dates = new Set<CivilDate>([...data.restDays.keys(), ...data.workdays.keys()]);
    for (const d of [...pilotRest.keys(), ...pilotWork.keys()]) if (yearOf(d) === year) dates.add(d);
    const infos = [...dates].sort(compareCivilDates).map(day);
    return Object.freeze({
      year,
      restDays: Object.freeze(infos.filter((i) => !i.work)),
      workdays: Object.freeze(infos.filter((i) => i.work && i.kind !== 'workday')),
      source: data.source,
      ...(years.has(year) ? {} : { provisional: true as const }),
    });
  }

  // per epoch day: bit 1 = rest day, bit 2 = decided by a provisional schedule
  const memo = new Map<number, number>();
  const lookup = (n: number): number => {
    let v = memo.get(n);
    if (v === undefined) {
      const info = day(fromEpochDay(n)); // throws for an uncovered year, which is never memoised
      v = (info.work ? 0 : 1) | (info.provisional === true ? 2 : 0);
      memo.set(n, v);
    }
    return v;
  };
  const restByEpoch = (n: number): boolean => (lookup(n) & 1) === 1;

  const calendar: Calendar = Object.freeze({
    timeZone,
    coveredYears,
    covers: (year: number) => years.has(year),
    day,
    isWorkday: (date: CivilDate) => !restByEpoch(toEpochDay(date)),
    isRestDay: (date: CivilDate) => restByEpoch(toEpochDay(date)),
    holidayName: (date: CivilDate) => day(date).name,
    schedule,
    provisionalYears,
  });
  restLookups.set(calendar, restByEpoch);
  if (provisionalYears.length > 0) provisionalLookups.set(calendar, (n: number) => (lookup(n) & 2) === 2);
  return calendar;
}
