/**
 * Pure time arithmetic on ISO 8601 text: timer durations and dates, and the fallback deadline
 * calculator used when no calendar is passed in the step context.
 */
import type { CalendarKind } from '@shidian/bpmn';
import type { DeadlineCalendar } from './types.js';

const DURATION =
  /^(-)?P(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** True for an ISO 8601 instant with a time and an offset (or `Z`). */
export function isInstant(s: unknown): s is string {
  return (
    typeof s === 'string' &&
    /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/.test(s) &&
    !Number.isNaN(Date.parse(s))
  );
}

/** Adds an ISO 8601 duration (`PT1H`, `P3D`, `P1M`) to an instant; `undefined` if the duration is invalid. */
export function addDuration(instant: string, duration: string): string | undefined {
  const m = DURATION.exec(duration.trim());
  if (m === null || duration.trim() === 'P' || duration.trim().endsWith('T')) return undefined;
  const sign = m[1] === '-' ? -1 : 1;
  const n = (i: number): number => Number(m[i] ?? 0) * sign;
  const d = new Date(Date.parse(instant));
  if (Number.isNaN(d.getTime())) return undefined;
  if (n(2) !== 0 || n(3) !== 0) d.setUTCMonth(d.getUTCMonth() + n(2) * 12 + n(3));
  const ms = ((n(4) * 7 + n(5)) * 86_400 + n(6) * 3_600 + n(7) * 60 + n(8)) * 1000;
  return new Date(d.getTime() + ms).toISOString();
}

/** Parses `R<n>/<duration>` (or `R/<duration>`, unbounded: -1). */
export function parseCycle(cycle: string): { repeat: number; duration: string } | undefined {
  const m = /^R(\d*)\/(P[^/]+)$/.exec(cycle.trim());
  if (m === null || m[2] === undefined) return undefined;
  return { repeat: m[1] === undefined || m[1] === '' ? -1 : Number(m[1]), duration: m[2] };
}

const PERIOD = /^(?:P(\d+)(D|WD)|(\d+)\s*(d|wd|日|天|个工作日|工作日))$/i;

/** Days and whether they are working days, of a period written as `15d`, `P15D`, `5wd`, `P5WD`. */
export function parsePeriodLoose(period: string): { days: number; working: boolean } | undefined {
  const m = PERIOD.exec(period.trim());
  if (m === null) return undefined;
  const days = Number(m[1] ?? m[3]);
  const unit = (m[2] ?? m[4] ?? '').toLowerCase();
  if (!Number.isInteger(days) || days <= 0) return undefined;
  return { days, working: unit === 'wd' || unit.includes('工作日') };
}

/**
 * The fallback calculator: calendar days in UTC (start day not counted) and working days as
 * Monday–Friday, with no holidays. It is deterministic but not statutory: pass a calendar built
 * from `@shidian/calendar` in the step context for real deadlines.
 */
export const approximateCalendar: DeadlineCalendar = {
  due(start: string, period: string, kind: CalendarKind): string {
    const p = parsePeriodLoose(period);
    if (p === undefined) throw new RangeError(`bad period ${period}`);
    const t = Date.parse(start);
    if (!p.working && kind === 'calendar') return new Date(t + p.days * 86_400_000).toISOString();
    let d = new Date(t);
    let left = p.days;
    while (left > 0) {
      d = new Date(d.getTime() + 86_400_000);
      const wd = d.getUTCDay();
      if (wd !== 0 && wd !== 6) left -= 1;
    }
    return d.toISOString();
  },
};

/** Shifts an instant by milliseconds. */
export function shift(instant: string, ms: number): string {
  return new Date(Date.parse(instant) + ms).toISOString();
}
