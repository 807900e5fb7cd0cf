/**
 * The bridge from instants (what the engine and the store handle) to civil-date periods.
 */
import { addPeriod, addPeriodDetailed } from './add-period.js';
import type { Calendar } from './calendar.js';
import { endOfDay, toCivilDate } from './civil-date.js';
import { CalendarError } from './errors.js';
import { type Period, parsePeriod } from './period.js';

/**
 * The instant a period started at `start` runs out: 24:00 (= next day 00:00) of the due date in
 * the calendar's time zone, as ISO 8601 UTC. `start` is converted to the civil date of the pilot's
 * zone first, so a letter received at 23:30 Beijing time starts its period that day.
 *
 * @example dueInstant('2025-09-23T23:30:00+08:00', 'P15D', createCalendar()) // '2025-10-09T16:00:00.000Z'
 */
export function dueInstant(start: Date | string, period: Period | string, calendar: Calendar): string {
  const from = toCivilDate(start, calendar.timeZone);
  return endOfDay(addPeriod(from, period, calendar), calendar.timeZone).toISOString();
}

/** A due instant with a say on how sure it is (see {@link PeriodResult}). */
export interface DueInstantResult {
  /** ISO 8601 UTC instant the period runs out (24:00 of the due date in the calendar's zone). */
  readonly due: string;
  /** True when the due date rests on a provisional schedule. */
  readonly provisional: boolean;
  /** The provisional years looked at, ascending. */
  readonly provisionalYears: readonly number[];
}

/**
 * {@link dueInstant}, also saying whether the answer rests on a provisional schedule.
 *
 * @example dueInstantDetailed('2026-12-20T10:00:00+08:00', 'P60D', createCalendar({ uncoveredYears: 'provisional' }))
 * // { due: '2027-02-18T16:00:00.000Z', provisional: true, provisionalYears: [2027] }
 */
export function dueInstantDetailed(
  start: Date | string,
  period: Period | string,
  calendar: Calendar,
): DueInstantResult {
  const from = toCivilDate(start, calendar.timeZone);
  const r = addPeriodDetailed(from, period, calendar);
  return Object.freeze({
    due: endOfDay(r.due, calendar.timeZone).toISOString(),
    provisional: r.provisional,
    provisionalYears: r.provisionalYears,
  });
}

/**
 * A period read together with a separately given kind (as a BPMN `shidian:deadline` has both).
 * The kind decides for the generic day forms (`P15D`, `15d`, `15日`): with kind `working` they mean
 * working days. A text that explicitly says working days (`5wd`, `P5WD`, `5个工作日`) with kind
 * `calendar` is a contradiction and is refused.
 *
 * @throws CalendarError `CAL_ERR_PERIOD_SYNTAX` (also for the contradiction), `CAL_ERR_PERIOD_NOT_POSITIVE`, `CAL_ERR_PERIOD_TOO_LONG`
 * @example periodOfKind('P10D', 'working') // { kind: 'working', days: 10 }
 */
export function periodOfKind(period: Period | string, kind: Period['kind']): Period {
  const p = parsePeriod(period);
  if (p.kind === kind) return p;
  if (p.kind === 'working')
    throw new CalendarError(
      'CAL_ERR_PERIOD_SYNTAX',
      `${typeof period === 'string' ? period : 'working period'} with kind "${kind}"`,
    );
  return parsePeriod({ kind, days: p.days });
}

/**
 * The deadline calculator the engine expects (`StepContext.calendar`): `due(start, period, kind)` →
 * the ISO instant the period ends (see {@link dueInstant} and {@link periodOfKind}), and
 * `dueDetailed(start, period, kind)` → the same with `provisional` / `provisionalYears`
 * ({@link dueInstantDetailed}), which the engine uses to mark budgets computed provisionally.
 *
 * @example step(graph, state, cmd, now, { calendar: deadlineCalendar(await loadPilotCalendar(dir)) })
 */
export function deadlineCalendar(calendar: Calendar): {
  due(start: string, period: string, kind: Period['kind']): string;
  dueDetailed(start: string, period: string, kind: Period['kind']): DueInstantResult;
} {
  return Object.freeze({
    due: (start: string, period: string, kind: Period['kind']) =>
      dueInstant(start, periodOfKind(period, kind), calendar),
    dueDetailed: (start: string, period: string, kind: Period['kind']) =>
      dueInstantDetailed(start, periodOfKind(period, kind), calendar),
  });
}
