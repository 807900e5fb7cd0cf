/**
 * Cron timer cycles, evaluated with croner in the pilot's civil time zone, **Asia/Shanghai** (China
 * Standard Time, UTC+8, no daylight saving time since 1991). Camunda evaluates cron in the server's
 * zone; we fix the zone so that a schedule never depends on where the server runs.
 *
 * Pure: croner only computes the next matching instant after an instant that is passed in; it is
 * never asked for "now" and never schedules anything. What is accepted is decided by
 * `@shidian/bpmn`'s `checkCron` (the same function the lint uses), which also normalises the
 * dialect (Quartz weekday numbers, `?`, Spring macros) into croner's standard syntax.
 */
import { checkCron, type Dialect } from '@shidian/bpmn';
import { Cron } from 'croner';

/** The zone cron fields are read in. */
export const CRON_TIME_ZONE = 'Asia/Shanghai';

const cache = new Map<string, Cron>();

function compiled(pattern: string): Cron | undefined {
  let c = cache.get(pattern);
  if (c === undefined) {
    try {
      // no callback: croner schedules nothing, it only evaluates
      c = new Cron(pattern, { timezone: CRON_TIME_ZONE, mode: '6-or-7-parts', paused: true });
    } catch {
      return undefined;
    }
    if (cache.size >= 512) cache.clear();
    cache.set(pattern, c);
  }
  return c;
}

/**
 * The normalised pattern of a cron timer cycle written in a model of `dialect`, or the refusal of
 * `checkCron` (`BPMN_ERR_TIMER_CRON_UNSUPPORTED` / `BPMN_ERR_TIMER_INVALID`).
 *
 * @example
 * cronCycle('0 0 9 ? * 2-6', 'camunda7'); // { ok: true, pattern: '0 0 9 * * 1-5' }
 */
export function cronCycle(value: string, dialect: Dialect): ReturnType<typeof checkCron> {
  const c = checkCron(value, dialect);
  if (c.ok && compiled(c.pattern) === undefined)
    // never expected (a test checks it): croner refuses what checkCron accepted
    return { ok: false, code: 'BPMN_ERR_TIMER_INVALID', reason: 'not evaluable' };
  return c;
}

/**
 * The first instant strictly after `after` matching a normalised pattern (from {@link cronCycle}),
 * as an ISO instant (UTC), or `undefined` when there is none (a year field in the past) or the
 * pattern is not one croner evaluates.
 *
 * @example
 * nextCronTime('0 0 9 * * 1-5', '2026-01-30T02:00:00Z'); // '2026-02-02T01:00:00.000Z' (Monday 09:00 CST)
 */
export function nextCronTime(pattern: string, after: string): string | undefined {
  const t = Date.parse(after);
  if (Number.isNaN(t)) return undefined;
  const next = compiled(pattern)?.nextRun(new Date(t));
  return next === null || next === undefined ? undefined : next.toISOString();
}
