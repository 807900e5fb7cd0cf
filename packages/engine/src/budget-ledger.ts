/**
 * The due date of a deadline budget, recomputed from its ledger (base period, closed pauses,
 * extensions) with the step context's calendar. Pure: the same budget and calendar give the same
 * answer. It follows the counting rule of `budgetStatus` in `@shidian/calendar` (docs/calendar.md §6):
 *
 * - the base period is counted from the start (the start day is not counted);
 * - an **extension** continues the count where the previous segment ended, *before* any roll-over of
 *   a calendar-day period to the next working day, in its own kind (a 60-day period whose 60th day is
 *   11-23, extended by 30 days, ends on 12-23, never on 12-24);
 * - a closed **pause** that began before the due instant adds the paused days, counted in the
 *   budget's kind (calendar days, or working days of the calendar), to the count. The days not
 *   counted are the civil days from the day the pause began up to the day before it ended: the day of
 *   resumption counts again, so pausing and resuming on the same day changes nothing. A pause that
 *   begins after the due instant changes nothing (an expired period cannot be revived).
 *
 * The engine only knows `DeadlineCalendar.due(start, period, kind)`, so civil days are found from
 * it: the end of a due day (24:00 in the pilot's zone) is a midnight of the zone, and days are the
 * 24-hour slots from there (mainland China has no daylight saving time). Without a calendar
 * (`approximateCalendar`) days are UTC days and working days Monday to Friday.
 */
import type { CalendarKind } from '@shidian/bpmn';
import { approximateCalendar, parsePeriodLoose } from './time.js';
import type { Budget, DeadlineCalendar } from './types.js';

const DAY = 86_400_000;

/** What {@link budgetDue} finds. */
export interface BudgetDue {
  /** The due instant (for a calendar from `@shidian/calendar`: 24:00 of the due day). */
  readonly due: string;
  /** Days not counted, per closed pause of the ledger (same order), in the budget's kind. */
  readonly pausedDays: readonly number[];
  /** True when the calendar said a day looked at lies in a provisional year (`DeadlineCalendar.dueDetailed`). */
  readonly provisional: boolean;
  /** Those provisional years, ascending. */
  readonly provisionalYears: readonly number[];
}

/** Calls the calendar, collecting provisional years. */
class Clock {
  readonly years = new Set<number>();
  provisional = false;
  constructor(private readonly cal: DeadlineCalendar) {}

  due(start: string, days: number, kind: CalendarKind): string {
    const period = kind === 'working' ? `${days}wd` : `${days}d`;
    if (this.cal.dueDetailed === undefined) return this.cal.due(start, period, kind);
    const d = this.cal.dueDetailed(start, period, kind);
    if (d.provisional) {
      this.provisional = true;
      for (const y of d.provisionalYears ?? []) this.years.add(y);
    }
    return d.due;
  }
}

/** Civil days as numbered slots, and working days among them. */
interface DayGrid {
  day(instant: string): number;
  /** Working days in `[from, to]` (day numbers). */
  working(from: number, to: number): number;
}

const utcGrid: DayGrid = {
  day: (instant) => Math.floor(Date.parse(instant) / DAY),
  working(from, to) {
    let n = 0;
    for (let d = from; d <= to; d++) {
      const wd = new Date(d * DAY).getUTCDay();
      if (wd !== 0 && wd !== 6) n += 1;
    }
    return n;
  },
};

function calendarGrid(clock: Clock, start: string): DayGrid {
  // 24:00 of some civil day = a midnight of the pilot's zone: the origin of the day slots.
  const origin = Date.parse(clock.due(start, 1, 'calendar'));
  const day = (ms: number): number => Math.floor((ms - origin) / DAY);
  const inside = (d: number): string => new Date(origin + d * DAY + DAY / 2).toISOString();
  return {
    day: (instant) => day(Date.parse(instant)),
    working(from, to) {
      let n = 0;
      let cur = from - 1;
      while (cur < to) {
        // the next working day after `cur` ends at the returned instant
        const next = day(Date.parse(clock.due(inside(cur), 1, 'working')) - 1);
        if (next > to || next <= cur) break;
        n += 1;
        cur = next;
      }
      return n;
    },
  };
}

/** Days and kind of a period as written (`30d`, `P30D`, `5wd`); the budget's kind decides for plain days. */
export function periodIn(
  period: string,
  kind: CalendarKind,
): { days: number; kind: CalendarKind } | undefined {
  const p = parsePeriodLoose(period);
  if (p === undefined) return undefined;
  return { days: p.days, kind: p.working ? 'working' : kind };
}

/**
 * The due instant of a budget from its ledger (see the module comment for the rule). An open pause
 * (`pausedAt`) is not counted yet: the due date moves when it is closed.
 *
 * @throws whatever the calendar throws (e.g. `CAL_ERR_YEAR_NOT_COVERED`), and `RangeError` for a
 *   period that is not a whole number of days
 * @example budgetDue(budget, deadlineCalendar(createCalendar())).due // '2026-12-23T16:00:00.000Z'
 */
export function budgetDue(b: Budget, calendar: DeadlineCalendar | undefined): BudgetDue {
  const clock = new Clock(calendar ?? approximateCalendar);
  const base = periodIn(b.period, b.kind);
  if (base === undefined) throw new RangeError(`bad period ${b.period}`);
  let anchor = b.start;
  let kind = base.kind === 'working' ? 'working' : b.kind;
  let count = base.days;
  const due = (): string => clock.due(anchor, count, kind);
  let grid: DayGrid | undefined;
  const days = (): DayGrid => (grid ??= calendar === undefined ? utcGrid : calendarGrid(clock, b.start));

  type Event =
    | { at: string; i: number; pause: { from: string; to: string } }
    | { at: string; i: number; ext: { period: string } };
  const events: Event[] = [
    ...(b.pauses ?? []).map((p, i): Event => ({ at: p.from, i, pause: p })),
    ...(b.extensions ?? []).map((e, i): Event => ({ at: e.at, i: 1e6 + i, ext: e })),
  ].sort((x, y) => x.at.localeCompare(y.at) || x.i - y.i);

  const pausedDays: number[] = (b.pauses ?? []).map(() => 0);
  for (const ev of events) {
    if ('ext' in ev) {
      const p = periodIn(ev.ext.period, b.kind);
      if (p === undefined) throw new RangeError(`bad period ${ev.ext.period}`);
      if (p.kind === kind) count += p.days;
      else {
        // the next segment starts on the last counted day of this one, before any roll-over
        anchor =
          kind === 'calendar'
            ? new Date(Date.parse(anchor) + count * DAY).toISOString()
            : new Date(Date.parse(due()) - 1).toISOString();
        kind = p.kind;
        count = p.days;
      }
      continue;
    }
    if (Date.parse(ev.pause.from) >= Date.parse(due())) continue;
    const g = days();
    const from = Math.max(g.day(ev.pause.from), g.day(b.start) + 1);
    const to = g.day(ev.pause.to) - 1;
    if (to < from) continue;
    const n = kind === 'calendar' ? to - from + 1 : g.working(from, to);
    pausedDays[ev.i] = n;
    count += n;
  }
  return {
    due: due(),
    pausedDays,
    provisional: clock.provisional,
    provisionalYears: [...clock.years].sort((a, b2) => a - b2),
  };
}

/**
 * The warning instant of a budget, with the threshold rule of `budgetStatus` in `@shidian/calendar`
 * (docs/calendar.md §6), so the warning timer fires on the first civil day on which `budgetStatus`
 * says `state: 'warning'`:
 *
 * - `Nd`: the warning day is the due day minus N calendar days (calendar `remaining.days <= N`);
 * - `Nwd`: the first day whose working days in (day, due day] are at most N, i.e. the (N+1)-th
 *   working day counted back from the due day (rest days skipped, make-up workdays counted);
 * - `n%`: a fraction of the budget, `due − n% × (due − start)` (unchanged).
 *
 * The instant is 00:00 of the warning day in the pilot's zone. Without a calendar (`approximateCalendar`)
 * a period threshold is subtracted from the due instant as whole days (not statutory). `undefined`
 * when the threshold is not understood or the warning would fall on or before the start.
 *
 * @example budgetWarning(start, due, '3wd', deadlineCalendar(createCalendar())) // 00:00 of 2025-09-28 for due 2025-10-09
 */
export function budgetWarning(
  start: string,
  due: string,
  warning: string,
  calendar: DeadlineCalendar | undefined,
): string | undefined {
  const t0 = Date.parse(start);
  const t1 = Date.parse(due);
  const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(warning.trim());
  if (pct?.[1] !== undefined) {
    const f = Number(pct[1]) / 100;
    if (!(f > 0 && f < 1)) return undefined;
    return new Date(t1 - Math.round((t1 - t0) * f)).toISOString();
  }
  const p = parsePeriodLoose(warning);
  if (p === undefined) return undefined;
  if (calendar === undefined) {
    const at = t1 - p.days * DAY;
    return at > t0 ? new Date(at).toISOString() : undefined;
  }
  const clock = new Clock(calendar);
  const origin = Date.parse(clock.due(start, 1, 'calendar'));
  const dayOf = (ms: number): number => Math.floor((ms - origin) / DAY);
  const grid = calendarGrid(clock, start);
  const dueDay = dayOf(t1 - 1);
  const startDay = dayOf(t0);
  let day = dueDay - p.days;
  if (p.working) {
    // walk back from the due day: `left` = working days in (day, dueDay]
    day = dueDay;
    let left = 0;
    while (day > startDay) {
      const next = left + grid.working(day, day);
      if (next > p.days) break;
      left = next;
      day -= 1;
    }
  }
  if (day <= startDay) return undefined;
  const at = origin + day * DAY;
  return at > t0 ? new Date(at).toISOString() : undefined;
}
