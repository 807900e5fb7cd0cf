/**
 * Statutory periods: a whole number of calendar days ("日") or of working days ("工作日").
 */
import { CalendarError } from './errors.js';

/**
 * A legal period. `calendar`: calendar days, the last day rolled forward when it is a rest day.
 * `working`: working days (weekends and statutory holidays skipped, make-up workdays counted).
 */
export interface Period {
  readonly kind: 'calendar' | 'working';
  /** A positive whole number of days (at most {@link MAX_PERIOD_DAYS}). */
  readonly days: number;
}

/** The longest period accepted (about ten years), to stop runaway input early. */
export const MAX_PERIOD_DAYS = 3660;

const FORMS: readonly { re: RegExp; kind: Period['kind'] }[] = [
  { re: /^P(-?\d+)D$/i, kind: 'calendar' }, // ISO 8601 duration in days
  { re: /^P(-?\d+)WD$/i, kind: 'working' }, // shidian extension of the ISO form
  { re: /^(-?\d+)\s*d$/i, kind: 'calendar' },
  { re: /^(-?\d+)\s*wd$/i, kind: 'working' },
  { re: /^(-?\d+)\s*(?:日|天)$/, kind: 'calendar' },
  { re: /^(-?\d+)\s*个?工作日$/, kind: 'working' },
];

/**
 * Reads a period. Accepted forms (surrounding spaces ignored, letters case-insensitive):
 *
 * | calendar days | working days |
 * |---|---|
 * | `P15D` (ISO 8601) | `P5WD` (shidian extension of the ISO form) |
 * | `15d` | `5wd` |
 * | `15日`, `15天` | `5工作日`, `5个工作日` |
 *
 * Anything else (weeks, months, fractions, `P1DT2H`, …) is refused: statutory periods are whole days.
 * A `Period` object is validated and returned as a fresh frozen copy.
 *
 * @throws CalendarError `CAL_ERR_PERIOD_SYNTAX`, `CAL_ERR_PERIOD_NOT_POSITIVE`, `CAL_ERR_PERIOD_TOO_LONG`
 * @example parsePeriod('P15D') // { kind: 'calendar', days: 15 }
 * @example parsePeriod('5wd')  // { kind: 'working', days: 5 }
 */
export function parsePeriod(text: string | Period): Period {
  if (typeof text === 'object' && text !== null) return checkPeriod(text);
  if (typeof text !== 'string') throw new CalendarError('CAL_ERR_PERIOD_SYNTAX', String(text));
  const trimmed = text.trim();
  for (const { re, kind } of FORMS) {
    const m = re.exec(trimmed);
    if (m !== null) return checkPeriod({ kind, days: Number(m[1]) });
  }
  throw new CalendarError('CAL_ERR_PERIOD_SYNTAX', text);
}

function checkPeriod(p: Period): Period {
  if (p.kind !== 'calendar' && p.kind !== 'working')
    throw new CalendarError('CAL_ERR_PERIOD_SYNTAX', JSON.stringify(p));
  if (typeof p.days !== 'number' || !Number.isInteger(p.days) || p.days <= 0) {
    throw new CalendarError('CAL_ERR_PERIOD_NOT_POSITIVE', String(p.days));
  }
  if (p.days > MAX_PERIOD_DAYS) throw new CalendarError('CAL_ERR_PERIOD_TOO_LONG', String(p.days));
  return Object.freeze({ kind: p.kind, days: p.days });
}

/**
 * The canonical text of a period: `P15D` for calendar days, `P5WD` for working days. Both parse back
 * with {@link parsePeriod}.
 *
 * @example formatPeriod({ kind: 'working', days: 5 }) // 'P5WD'
 */
export function formatPeriod(period: Period): string {
  const p = checkPeriod(period);
  return p.kind === 'calendar' ? `P${p.days}D` : `P${p.days}WD`;
}
