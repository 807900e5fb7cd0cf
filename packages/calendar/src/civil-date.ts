/**
 * Civil dates: a day on the wall calendar of the pilot, written `YYYY-MM-DD`, with no time and no
 * zone. All period arithmetic happens on civil dates; an instant becomes a civil date only through
 * {@link toCivilDate} with the pilot's time zone.
 */
import { CalendarError } from './errors.js';

/** A civil date `YYYY-MM-DD` (e.g. `'2025-10-08'`). Validate untrusted input with {@link parseCivilDate}. */
export type CivilDate = string;

/** The default time zone of a pilot: mainland China. */
export const DEFAULT_TIME_ZONE = 'Asia/Shanghai';

const DATE_RE = /^(\d{4})-(\d{2})-(\d{2})$/;
const MS_PER_DAY = 86_400_000;

/**
 * Checks that `text` is a real civil date in `YYYY-MM-DD` form (year 0001–9999, real month and day,
 * 29 February only in leap years) and returns it unchanged.
 *
 * @throws CalendarError `CAL_ERR_INVALID_DATE`
 * @example parseCivilDate('2024-02-29') // '2024-02-29'; parseCivilDate('2025-02-29') throws
 */
export function parseCivilDate(text: unknown): CivilDate {
  if (typeof text !== 'string') throw new CalendarError('CAL_ERR_INVALID_DATE', String(text));
  const m = DATE_RE.exec(text);
  if (m === null) throw new CalendarError('CAL_ERR_INVALID_DATE', text);
  const y = Number(m[1]);
  const mo = Number(m[2]);
  const d = Number(m[3]);
  if (y < 1 || mo < 1 || mo > 12 || d < 1 || d > daysInMonth(y, mo))
    throw new CalendarError('CAL_ERR_INVALID_DATE', text);
  return text;
}

/** True when `text` is a real `YYYY-MM-DD` civil date. */
export function isCivilDate(text: unknown): text is CivilDate {
  try {
    parseCivilDate(text);
    return true;
  } catch {
    return false;
  }
}

/** Days in month `month` (1–12) of `year` (proleptic Gregorian). */
export function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return [4, 6, 9, 11].includes(month) ? 30 : 31;
}

/** Gregorian leap year rule. */
export function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

/** Days since 1970-01-01 of a valid civil date (internal arithmetic unit). */
export function toEpochDay(date: CivilDate): number {
  const d = parseCivilDate(date);
  const utc = new Date(0);
  utc.setUTCFullYear(Number(d.slice(0, 4)), Number(d.slice(5, 7)) - 1, Number(d.slice(8, 10)));
  return Math.round(utc.getTime() / MS_PER_DAY);
}

/** The civil date of an epoch day (inverse of {@link toEpochDay}). */
export function fromEpochDay(epochDay: number): CivilDate {
  const utc = new Date(epochDay * MS_PER_DAY);
  const y = utc.getUTCFullYear();
  if (y < 1 || y > 9999) throw new CalendarError('CAL_ERR_INVALID_DATE', `year ${y} out of range`);
  return `${String(y).padStart(4, '0')}-${pad2(utc.getUTCMonth() + 1)}-${pad2(utc.getUTCDate())}`;
}

/**
 * `date` plus `days` calendar days (negative goes back).
 *
 * @example addDays('2024-02-28', 1) // '2024-02-29'
 */
export function addDays(date: CivilDate, days: number): CivilDate {
  return fromEpochDay(toEpochDay(date) + days);
}

/**
 * Whole calendar days from `from` to `to` (`to − from`; negative when `to` is earlier).
 *
 * @example diffDays('2025-01-31', '2025-03-01') // 29
 */
export function diffDays(from: CivilDate, to: CivilDate): number {
  return toEpochDay(to) - toEpochDay(from);
}

/** Day of the week of a civil date: 0 Sunday … 6 Saturday. */
export function dayOfWeek(date: CivilDate): number {
  return (((toEpochDay(date) + 4) % 7) + 7) % 7; // 1970-01-01 was a Thursday
}

/** The year of a civil date. */
export function yearOf(date: CivilDate): number {
  return Number(parseCivilDate(date).slice(0, 4));
}

/** Orders two civil dates: negative, 0 or positive (string order equals date order). */
export function compareCivilDates(a: CivilDate, b: CivilDate): number {
  return a < b ? -1 : a > b ? 1 : 0;
}

const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let f = formatters.get(timeZone);
  if (f === undefined) {
    try {
      f = new Intl.DateTimeFormat('en-US', {
        timeZone,
        hourCycle: 'h23',
        year: 'numeric',
        month: '2-digit',
        day: '2-digit',
        hour: '2-digit',
        minute: '2-digit',
        second: '2-digit',
      });
    } catch {
      throw new CalendarError('CAL_ERR_INVALID_TIME_ZONE', timeZone);
    }
    formatters.set(timeZone, f);
  }
  return f;
}

/**
 * Checks an IANA time zone name and returns it.
 *
 * @throws CalendarError `CAL_ERR_INVALID_TIME_ZONE`
 */
export function parseTimeZone(timeZone: unknown): string {
  if (typeof timeZone !== 'string' || timeZone === '')
    throw new CalendarError('CAL_ERR_INVALID_TIME_ZONE', String(timeZone));
  formatterFor(timeZone);
  return timeZone;
}

interface WallClock {
  readonly date: CivilDate;
  readonly seconds: number; // seconds since local midnight
}

function wallClock(instant: Date, timeZone: string): WallClock {
  const parts: Record<string, string> = {};
  for (const p of formatterFor(timeZone).formatToParts(instant)) parts[p.type] = p.value;
  const y = Number(parts.year);
  const date = `${String(y).padStart(4, '0')}-${parts.month}-${parts.day}`;
  return { date, seconds: Number(parts.hour) * 3600 + Number(parts.minute) * 60 + Number(parts.second) };
}

const INSTANT_RE = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,9})?)?(Z|[+-]\d{2}:\d{2})$/i;

/**
 * The civil date, in `timeZone` (Asia/Shanghai by default), on which `instant` happens. This is how a
 * receipt time becomes the day a period counts from: a letter received at 23:30 Beijing time on
 * 27 January has the civil date `2025-01-27` (even though it is 15:30 UTC), that day is the start
 * day and is not counted, and the period counts from 28 January.
 *
 * `instant` is a `Date` or an ISO 8601 string **with** an offset or `Z`; a bare `YYYY-MM-DD` is
 * already a civil date and is returned unchanged (after validation; any text without a `T` is read
 * as a civil date, so `2025/01/27` fails with `CAL_ERR_INVALID_DATE`). A date-time without an offset
 * is refused, because its meaning would depend on the server's zone.
 *
 * @throws CalendarError `CAL_ERR_INVALID_INSTANT`, `CAL_ERR_INVALID_TIME_ZONE`, `CAL_ERR_INVALID_DATE`
 * @example toCivilDate('2025-01-27T15:30:00Z') // '2025-01-27' (23:30 in Beijing)
 * @example toCivilDate('2025-01-27T16:30:00Z') // '2025-01-28' (00:30 in Beijing)
 */
export function toCivilDate(instant: Date | string, timeZone: string = DEFAULT_TIME_ZONE): CivilDate {
  parseTimeZone(timeZone);
  let at: Date;
  if (instant instanceof Date) {
    at = instant;
  } else if (typeof instant === 'string' && !/t/i.test(instant)) {
    return parseCivilDate(instant); // no time part: it is meant as a civil date
  } else if (typeof instant === 'string' && INSTANT_RE.test(instant)) {
    at = new Date(instant);
  } else {
    throw new CalendarError('CAL_ERR_INVALID_INSTANT', String(instant));
  }
  if (Number.isNaN(at.getTime())) throw new CalendarError('CAL_ERR_INVALID_INSTANT', String(instant));
  return parseCivilDate(wallClock(at, timeZone).date);
}

/**
 * The instant at which a civil date ends in `timeZone`: midnight (00:00) of the next day. A period's
 * last day ends at 24:00 (民法典 Art. 203), so this is when a due date becomes overdue; use it for
 * timers.
 *
 * @example endOfDay('2025-10-09').toISOString() // '2025-10-09T16:00:00.000Z'
 */
export function endOfDay(date: CivilDate, timeZone: string = DEFAULT_TIME_ZONE): Date {
  return startOfDay(addDays(date, 1), timeZone);
}

/** The first instant of a civil date in `timeZone` (usually 00:00; later where a DST jump skips midnight). */
export function startOfDay(date: CivilDate, timeZone: string = DEFAULT_TIME_ZONE): Date {
  parseTimeZone(timeZone);
  const target = toEpochDay(date) * MS_PER_DAY; // the wall-clock midnight, read as if it were UTC
  let guess = target;
  for (let i = 0; i < 3; i++) {
    const wall = wallClock(new Date(guess), timeZone);
    const wallMs = toEpochDay(wall.date) * MS_PER_DAY + wall.seconds * 1000;
    const diff = wallMs - target;
    if (diff === 0) break;
    guess -= diff;
  }
  // If midnight does not exist (DST jump), step forward to the first instant of the day.
  while (wallClock(new Date(guess), timeZone).date < date) guess += 60_000;
  return new Date(guess);
}

function pad2(n: number): string {
  return String(n).padStart(2, '0');
}
