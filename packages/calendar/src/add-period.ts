/**
 * Adding a statutory period to a start date (民法典 Arts. 201, 203; 信访工作条例 2022).
 */
import { type Calendar, restDayTest, trackingRestTest } from './calendar.js';
import { type CivilDate, fromEpochDay, toEpochDay } from './civil-date.js';
import { type Period, parsePeriod } from './period.js';

/** A predicate for days that must not be counted (e.g. paused days of a deadline budget). */
export type DayFilter = (date: CivilDate) => boolean;

/**
 * The due date (last day) of `period` started on `start`.
 *
 * - The start day is never counted (民法典 Art. 201): counting begins the next day.
 * - Calendar days (`P15D`, `15d`): the last day is `start + n`; if it is a rest day (weekend or
 *   statutory holiday that is not a make-up workday, or a pilot rest day) it moves to the next
 *   working day (民法典 Art. 203).
 * - Working days (`5wd`): the n-th working day after `start`; weekends and holidays are skipped,
 *   make-up workdays (调休上班) count.
 *
 * The period ends at 24:00 of the returned day (see {@link endOfDay}).
 *
 * @throws CalendarError `CAL_ERR_INVALID_DATE`, `CAL_ERR_PERIOD_*`, `CAL_ERR_YEAR_NOT_COVERED` (when a day that
 *   must be looked up lies in a year without a schedule)
 * @example addPeriod('2025-09-23', 'P15D', createCalendar()) // '2025-10-09' (10-08 is still National Day)
 * @example addPeriod('2025-09-26', '5wd', createCalendar())  // '2025-10-10' (09-28 make-up workday counts)
 */
export function addPeriod(start: CivilDate, period: Period | string, calendar: Calendar): CivilDate {
  const p = parsePeriod(period);
  const isRest = restDayTest(calendar);
  const last = countForwardEpoch(toEpochDay(start), p, isRest, noSkip);
  return fromEpochDay(p.kind === 'calendar' ? rollForwardEpoch(last, isRest, noSkip) : last);
}

/** A due date with a say on how sure it is. */
export interface PeriodResult {
  /** The due date (last day of the period), as {@link addPeriod} gives it. */
  readonly due: CivilDate;
  /**
   * True when a day the computation looked at lies in a provisional year (a calendar created with
   * `uncoveredYears: 'provisional'`): the due date must be recomputed once the State Council's
   * schedule for those years is loaded, and may then move (earlier, with make-up workdays).
   */
  readonly provisional: boolean;
  /** The provisional years looked at, ascending (empty when `provisional` is false). */
  readonly provisionalYears: readonly number[];
}

/**
 * {@link addPeriod}, also saying whether the answer rests on a provisional schedule.
 *
 * @throws CalendarError as {@link addPeriod}
 * @example
 * const cal = createCalendar({ uncoveredYears: 'provisional' });
 * addPeriodDetailed('2026-12-20', 'P60D', cal); // { due: '2027-02-18', provisional: true, provisionalYears: [2027] }
 * addPeriodDetailed('2025-09-23', 'P15D', cal); // { due: '2025-10-09', provisional: false, provisionalYears: [] }
 */
export function addPeriodDetailed(
  start: CivilDate,
  period: Period | string,
  calendar: Calendar,
): PeriodResult {
  const p = parsePeriod(period);
  const tracker = trackingRestTest(calendar);
  const last = countForwardEpoch(toEpochDay(start), p, tracker.isRest, noSkip);
  const due = fromEpochDay(p.kind === 'calendar' ? rollForwardEpoch(last, tracker.isRest, noSkip) : last);
  const years = tracker.provisionalYears();
  return Object.freeze({ due, provisional: years.length > 0, provisionalYears: Object.freeze(years) });
}

/**
 * The date itself when it is a working day (and not skipped), otherwise the next such day.
 *
 * @example rollToWorkingDay('2025-10-04', createCalendar()) // '2025-10-09'
 */
export function rollToWorkingDay(date: CivilDate, calendar: Calendar, skip?: DayFilter): CivilDate {
  return fromEpochDay(rollForwardEpoch(toEpochDay(date), restDayTest(calendar), epochFilter(skip)));
}

/**
 * Working days in the interval (`from`, `to`]: `from` excluded, `to` included, days matching `skip`
 * left out. Negative when `to` is before `from` (then the days in (`to`, `from`] are counted and negated).
 *
 * @example countWorkingDays('2025-09-30', '2025-10-10', createCalendar()) // 2 (10-09 and 10-10)
 */
export function countWorkingDays(
  from: CivilDate,
  to: CivilDate,
  calendar: Calendar,
  skip?: DayFilter,
): number {
  return countWorkingEpoch(toEpochDay(from), toEpochDay(to), restDayTest(calendar), epochFilter(skip));
}

// ---- internal counting on epoch days (days since 1970-01-01), shared with the budget ----

/** A predicate on epoch days. @internal */
export type EpochFilter = (epochDay: number) => boolean;

/** Skips nothing. @internal */
export const noSkip: EpochFilter = () => false;

function epochFilter(skip: DayFilter | undefined): EpochFilter {
  return skip === undefined ? noSkip : (n) => skip(fromEpochDay(n));
}

/**
 * The last counted day of `period` after `start`, without the calendar-day roll-over: each day after
 * `start` counts unless skipped, and for working periods unless it is a rest day.
 * @internal
 */
export function countForwardEpoch(
  start: number,
  period: Period,
  isRest: EpochFilter,
  skip: EpochFilter,
): number {
  if (period.kind === 'calendar' && skip === noSkip) return start + period.days;
  let d = start;
  let counted = 0;
  while (counted < period.days) {
    d += 1;
    if (skip(d)) continue;
    if (period.kind === 'working' && isRest(d)) continue;
    counted += 1;
  }
  return d;
}

/** `day` itself when it is a working, unskipped day, else the next such day. @internal */
export function rollForwardEpoch(day: number, isRest: EpochFilter, skip: EpochFilter): number {
  let d = day;
  while (isRest(d) || skip(d)) d += 1;
  return d;
}

/** Working, unskipped days in (from, to]; negated when `to` < `from`. @internal */
export function countWorkingEpoch(from: number, to: number, isRest: EpochFilter, skip: EpochFilter): number {
  if (to < from) return -countWorkingEpoch(to, from, isRest, skip);
  let n = 0;
  for (let d = from + 1; d <= to; d++) if (!skip(d) && !isRest(d)) n += 1;
  return n;
}
