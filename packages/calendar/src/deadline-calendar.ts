/**
 * The bridge from instants (what the engine and the store handle) to civil-date periods.
 */
import { addPeriod } from './add-period.js';
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
 * the ISO instant the period ends (see {@link dueInstant} and {@link periodOfKind}).
 *
 * @example step(graph, state, cmd, now, { calendar: deadlineCalendar(await loadPilotCalendar(dir)) })
 */
export function deadlineCalendar(calendar: Calendar): {
  due(start: string, period: string, kind: Period['kind']): string;
} {
  return Object.freeze({
    due: (start: string, period: string, kind: Period['kind']) =>
      dueInstant(start, periodOfKind(period, kind), calendar),
  });
}
