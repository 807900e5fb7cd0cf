/**
 * Deadline budgets: a statutory period with a ledger of pauses (time not counted, e.g. a hearing)
 * and extensions (e.g. the one extension of at most 30 days after the 60-day handling period).
 */
import {
  type EpochFilter,
  countForwardEpoch,
  countWorkingEpoch,
  noSkip,
  rollForwardEpoch,
} from './add-period.js';
import { type Calendar, trackingRestTest } from './calendar.js';
import { type CivilDate, fromEpochDay, parseCivilDate, toEpochDay } from './civil-date.js';
import { CalendarError } from './errors.js';
import { type Period, parsePeriod } from './period.js';

/**
 * Days not counted. `from` and `to` are the first and last paused day, both included (a one-day
 * hearing on 10 March is `{ from: '2025-03-10', to: '2025-03-10' }`). A pause without `to` is open:
 * the count is frozen from `from` until it is closed.
 */
export interface Pause {
  readonly from: CivilDate;
  readonly to?: CivilDate;
  readonly reason?: string;
}

/** An approved extension of the period (延长办理期限), added after the period (and earlier extensions). */
export interface Extension {
  readonly period: Period | string;
  readonly reason: string;
  /** Who approved it (the body's head for the handling period). */
  readonly approver: string;
  /** The day it was approved; checked against the due date when the policy asks for it. */
  readonly at?: CivilDate;
}

/** A period with its ledger. `start` is the day the period counts from (receipt, acceptance, request); it is not counted. */
export interface Budget {
  readonly start: CivilDate;
  readonly period: Period | string;
  readonly pauses: readonly Pause[];
  readonly extensions: readonly Extension[];
}

/**
 * Limits on extensions. Not applied unless given: the statutory one for handling is
 * {@link HANDLING_EXTENSION_POLICY}.
 */
export interface ExtensionPolicy {
  /** How many extensions may be recorded. */
  readonly maxExtensions?: number;
  /** The most days all extensions may add together (extensions must then be of the base period's kind). */
  readonly maxExtensionDays?: number;
  /** When true, an extension with `at` after the due date it extends is refused (an expired period cannot be extended). */
  readonly approveBeforeDue?: boolean;
}

/**
 * 信访工作条例 (2022): a complex item may have its 60-day handling period extended, with the approval
 * of the body's head, by at most 30 days, and the petitioner is told why. One extension, ≤ 30 days,
 * approved before the period ends.
 */
export const HANDLING_EXTENSION_POLICY: ExtensionPolicy = Object.freeze({
  maxExtensions: 1,
  maxExtensionDays: 30,
  approveBeforeDue: true,
});

/** When a budget turns to `warning`. */
export interface Thresholds {
  /**
   * Warn when what remains is at most this: a percentage of the whole budget (`'20%'`) or a period
   * (`'3wd'`, `'5d'`, `'0d'` = on the due day). Several values: warn when any one is reached.
   * Default `['20%', '3wd']`.
   */
  readonly warning?: string | readonly string[];
}

/** Options of {@link budgetStatus}. */
export interface BudgetOptions extends Thresholds {
  /** Extension limits to enforce (none by default). */
  readonly policy?: ExtensionPolicy;
}

/** The state of a budget on a given day. */
export interface BudgetStatus {
  /** The current due date: the period ends at 24:00 of this day. Provisional while a pause is open. */
  readonly due: CivilDate;
  /** The due date of the bare period, without pauses and extensions. */
  readonly originalDue: CivilDate;
  /**
   * From `today` to `due`: `days` = calendar days (`due − today`; 0 on the due day, negative when
   * overdue), `workingDays` = working days in (today, due] that are not paused (negative when overdue).
   */
  readonly remaining: { readonly days: number; readonly workingDays: number };
  readonly state: 'normal' | 'warning' | 'overdue';
  /** True when a pause is open on `today`. */
  readonly paused: boolean;
  /** Days within the period that were not counted because of pauses. */
  readonly pausedDays: number;
  /** Total days added by extensions, by kind. */
  readonly extended: { readonly days: number; readonly workingDays: number };
  /**
   * Present (and `true`) only when a day the computation looked at lies in a provisional year
   * (calendar created with `uncoveredYears: 'provisional'`): `due`, `remaining` and `state` must be
   * recomputed when the State Council's schedule of `provisionalYears` is loaded.
   */
  readonly provisional?: true;
  /** The provisional years looked at, ascending; present only with `provisional`. */
  readonly provisionalYears?: readonly number[];
}

/** The default warning thresholds. */
export const DEFAULT_WARNING: readonly string[] = Object.freeze(['20%', '3wd']);

/** One parsed warning threshold: a percentage of the budget, or a number of calendar or working days. */
export type Threshold =
  | { readonly kind: 'percent'; readonly value: number }
  | { readonly kind: 'calendar' | 'working'; readonly days: number };

/**
 * Reads warning thresholds (`'20%'`, `'3wd'`, `'5d'`, `'0d'`).
 *
 * @throws CalendarError `CAL_ERR_INVALID_THRESHOLD`
 */
export function parseThresholds(warning: string | readonly string[] = DEFAULT_WARNING): readonly Threshold[] {
  const list = typeof warning === 'string' ? [warning] : warning;
  if (!Array.isArray(list)) throw new CalendarError('CAL_ERR_INVALID_THRESHOLD', String(warning));
  return list.map((raw: unknown): Threshold => {
    if (typeof raw !== 'string') throw new CalendarError('CAL_ERR_INVALID_THRESHOLD', String(raw));
    const t = raw.trim();
    const pct = /^(\d+(?:\.\d+)?)\s*%$/.exec(t);
    if (pct !== null) {
      const value = Number(pct[1]);
      if (value > 100) throw new CalendarError('CAL_ERR_INVALID_THRESHOLD', raw);
      return { kind: 'percent', value };
    }
    if (/^(P0W?D|0\s*w?d|0\s*(日|天|个?工作日))$/i.test(t))
      return { kind: /w|工作/i.test(t) ? 'working' : 'calendar', days: 0 };
    try {
      const p = parsePeriod(t);
      return { kind: p.kind, days: p.days };
    } catch {
      throw new CalendarError('CAL_ERR_INVALID_THRESHOLD', raw);
    }
  });
}

interface Ledger {
  readonly paused: EpochFilter;
  readonly openFrom: CivilDate | undefined;
}

function readPauses(pauses: readonly Pause[], today: CivilDate): Ledger {
  if (!Array.isArray(pauses)) throw new CalendarError('CAL_ERR_INVALID_PAUSE', 'pauses must be an array');
  const ranges: { from: CivilDate; to: CivilDate }[] = [];
  let openFrom: CivilDate | undefined;
  for (const p of pauses) {
    if (typeof p !== 'object' || p === null)
      throw new CalendarError('CAL_ERR_INVALID_PAUSE', JSON.stringify(p));
    let from: CivilDate;
    try {
      from = parseCivilDate(p.from);
    } catch {
      throw new CalendarError('CAL_ERR_INVALID_PAUSE', `from: ${String(p.from)}`);
    }
    if (p.to === undefined) {
      if (openFrom !== undefined)
        throw new CalendarError('CAL_ERR_INVALID_PAUSE', 'more than one open pause');
      openFrom = from;
      continue;
    }
    let to: CivilDate;
    try {
      to = parseCivilDate(p.to);
    } catch {
      throw new CalendarError('CAL_ERR_INVALID_PAUSE', `to: ${String(p.to)}`);
    }
    if (to < from) throw new CalendarError('CAL_ERR_INVALID_PAUSE', `${from}..${to} is reversed`);
    ranges.push({ from, to });
  }
  if (openFrom !== undefined) {
    const from = openFrom;
    if (ranges.some((r) => r.from > from))
      throw new CalendarError('CAL_ERR_INVALID_PAUSE', 'a pause starts after the open pause');
    // An open pause is assumed to end today (or on its first day if that is later).
    ranges.push({ from, to: today > from ? today : from });
  }
  if (ranges.length === 0) return { paused: noSkip, openFrom };
  const spans = ranges.map((r) => [toEpochDay(r.from), toEpochDay(r.to)] as const);
  return { paused: (d) => spans.some(([a, b]) => a <= d && d <= b), openFrom };
}

function readExtensions(extensions: readonly Extension[]): { period: Period; at: CivilDate | undefined }[] {
  if (!Array.isArray(extensions))
    throw new CalendarError('CAL_ERR_INVALID_EXTENSION', 'extensions must be an array');
  return extensions.map((e: Extension) => {
    if (typeof e !== 'object' || e === null)
      throw new CalendarError('CAL_ERR_INVALID_EXTENSION', JSON.stringify(e));
    if (typeof e.reason !== 'string' || e.reason.trim() === '')
      throw new CalendarError('CAL_ERR_INVALID_EXTENSION', 'reason is required');
    if (typeof e.approver !== 'string' || e.approver.trim() === '')
      throw new CalendarError('CAL_ERR_INVALID_EXTENSION', 'approver is required');
    let period: Period;
    try {
      period = parsePeriod(e.period);
    } catch (err) {
      throw new CalendarError(
        'CAL_ERR_INVALID_EXTENSION',
        `period: ${err instanceof CalendarError ? err.code : String(err)}`,
      );
    }
    let at: CivilDate | undefined;
    if (e.at !== undefined) {
      try {
        at = parseCivilDate(e.at);
      } catch {
        throw new CalendarError('CAL_ERR_INVALID_EXTENSION', `at: ${String(e.at)}`);
      }
    }
    return { period, at };
  });
}

/**
 * The due date and state of a budget on `today`.
 *
 * **How the due date is found.** Days after `start` are counted one by one; a paused day is never
 * counted, and for a working-day period neither is a rest day. The base period is counted first,
 * then each extension in ledger order continues the count from where the previous one ended. If the
 * last segment is in calendar days and its last day is a rest day (or paused), the due date rolls
 * forward to the next working day (民法典 Art. 203). Consequences:
 * - a closed pause inside the period moves the due date by the number of paused days that would have
 *   counted (paused calendar days for a calendar period, paused working days for a working period);
 * - a pause that starts after the due date has no effect: an expired period cannot be revived;
 * - an open pause freezes the count: it is treated as lasting until `today`, so `due` is provisional
 *   and moves one day later (or one working day) for each further day the pause stays open, while
 *   `remaining` stays the same;
 * - an extension counts from the end of the previous segment before any roll-over (so a 60-day period
 *   ending on a Saturday, extended by 30 days, gives 90 counted days, then roll-over): the earlier of
 *   the two readings, so the platform never puts a due date after the legal one.
 *
 * **State.** `overdue` when `today` is after `due`; `warning` when any threshold is reached; else
 * `normal`. A percentage compares the counted days left in (today, due] with those in (start, due],
 * counted in the base period's kind.
 *
 * @throws CalendarError `CAL_ERR_INVALID_PAUSE`, `CAL_ERR_INVALID_EXTENSION`, `CAL_ERR_EXTENSION_NOT_ALLOWED`,
 *   `CAL_ERR_INVALID_THRESHOLD`, `CAL_ERR_INVALID_DATE`, `CAL_ERR_PERIOD_*`, `CAL_ERR_YEAR_NOT_COVERED`
 * @example
 * budgetStatus(
 *   { start: '2025-03-03', period: 'P30D', pauses: [{ from: '2025-03-10', to: '2025-03-12', reason: '听证' }], extensions: [] },
 *   '2025-03-20', createCalendar(),
 * ).due // '2025-04-07' (30 + 3 paused days = 04-05, a Saturday in the Qingming holiday → 04-07)
 */
export function budgetStatus(
  budget: Budget,
  today: CivilDate,
  calendar: Calendar,
  options: BudgetOptions = {},
): BudgetStatus {
  const start = parseCivilDate(budget.start);
  const now = parseCivilDate(today);
  const base = parsePeriod(budget.period);
  const thresholds = parseThresholds(options.warning);
  const ledger = readPauses(budget.pauses ?? [], now);
  const extensions = readExtensions(budget.extensions ?? []);
  const policy = options.policy ?? {};

  if (policy.maxExtensions !== undefined && extensions.length > policy.maxExtensions) {
    throw new CalendarError(
      'CAL_ERR_EXTENSION_NOT_ALLOWED',
      `${extensions.length} extensions > ${policy.maxExtensions}`,
    );
  }
  if (policy.maxExtensionDays !== undefined) {
    if (extensions.some((e) => e.period.kind !== base.kind)) {
      throw new CalendarError('CAL_ERR_EXTENSION_NOT_ALLOWED', `extensions must be in ${base.kind} days`);
    }
    const total = extensions.reduce((s, e) => s + e.period.days, 0);
    if (total > policy.maxExtensionDays)
      throw new CalendarError('CAL_ERR_EXTENSION_NOT_ALLOWED', `${total} days > ${policy.maxExtensionDays}`);
  }

  const tracker = trackingRestTest(calendar);
  const isRest = tracker.isRest;
  const finish = (last: number, kind: Period['kind']) =>
    kind === 'calendar' ? rollForwardEpoch(last, isRest, ledger.paused) : last;
  const s0 = toEpochDay(start);
  const t = toEpochDay(now);

  let cursor = countForwardEpoch(s0, base, isRest, ledger.paused);
  let lastKind = base.kind;
  for (const e of extensions) {
    if (policy.approveBeforeDue === true && e.at !== undefined) {
      const dueBefore = fromEpochDay(finish(cursor, lastKind));
      if (e.at > dueBefore)
        throw new CalendarError(
          'CAL_ERR_EXTENSION_NOT_ALLOWED',
          `approved ${e.at} after the due date ${dueBefore}`,
        );
    }
    cursor = countForwardEpoch(cursor, e.period, isRest, ledger.paused);
    lastKind = e.period.kind;
  }
  const dueDay = finish(cursor, lastKind);
  const due = fromEpochDay(dueDay);
  const originalDue = fromEpochDay(finish(countForwardEpoch(s0, base, isRest, noSkip), base.kind));

  const days = dueDay - t;
  const workingDays = countWorkingEpoch(t, dueDay, isRest, ledger.paused);
  const counted = (from: number): number => {
    if (from >= dueDay) return 0;
    if (base.kind === 'working') return countWorkingEpoch(from, dueDay, isRest, ledger.paused);
    let n = 0;
    for (let d = from + 1; d <= dueDay; d++) if (!ledger.paused(d)) n += 1;
    return n;
  };

  let pausedDays = 0;
  for (let d = s0 + 1; d <= dueDay; d++) if (ledger.paused(d)) pausedDays += 1;

  let state: BudgetStatus['state'] = 'normal';
  if (t > dueDay) {
    state = 'overdue';
  } else {
    const whole = counted(s0);
    const left = counted(t < s0 ? s0 : t);
    for (const th of thresholds) {
      const reached =
        th.kind === 'percent'
          ? whole > 0 && (left / whole) * 100 <= th.value
          : th.kind === 'working'
            ? workingDays <= th.days
            : days <= th.days;
      if (reached) state = 'warning';
    }
  }

  const provisionalYears = tracker.provisionalYears();
  return Object.freeze({
    due,
    originalDue,
    remaining: Object.freeze({ days, workingDays }),
    state,
    paused: ledger.openFrom !== undefined && ledger.openFrom <= now,
    pausedDays,
    extended: Object.freeze({
      days: extensions.filter((e) => e.period.kind === 'calendar').reduce((s, e) => s + e.period.days, 0),
      workingDays: extensions
        .filter((e) => e.period.kind === 'working')
        .reduce((s, e) => s + e.period.days, 0),
    }),
    ...(provisionalYears.length === 0
      ? {}
      : { provisional: true as const, provisionalYears: Object.freeze(provisionalYears) }),
  });
}
