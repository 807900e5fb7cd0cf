/**
 * Cron timer cycles (Camunda 7: Quartz, 6–7 fields with seconds and an optional year; Camunda 8:
 * Spring, 6 fields, `@daily`-style macros). {@link checkCron} is the **one** gate: the reader (lint)
 * refuses at deploy time what it refuses, and the engine (`@shidian/engine` `cron.ts`) calls it
 * before handing the normalised pattern to croner, so a model never deploys and then fails to plan.
 * The grammar is ours only because croner cannot know the dialect (Quartz numbers weekdays from
 * 1 = Sunday, `?`, macros) and the codes must say which feature is refused; every pattern it lets
 * through is then parsed by croner itself before it is accepted.
 *
 * The normalised pattern is dialect-free (croner's standard syntax): `?` becomes `*`, macros are
 * expanded to six fields, Quartz weekday numbers (1 = Sunday … 7 = Saturday) become standard ones
 * (0 = Sunday … 6 = Saturday), and a numeric-prefix step `a/n` becomes `a-<max>/n`.
 */
import { Cron } from 'croner';
import type { Dialect } from './moddle.js';

/** The outcome of {@link checkCron}. */
export type CronCheck =
  | { readonly ok: true; readonly pattern: string }
  | {
      readonly ok: false;
      /** `BPMN_ERR_TIMER_CRON_UNSUPPORTED`: a dialect feature we do not evaluate; `BPMN_ERR_TIMER_INVALID`: malformed. */
      readonly code: 'BPMN_ERR_TIMER_CRON_UNSUPPORTED' | 'BPMN_ERR_TIMER_INVALID';
      /** Which part (English, for the message): `five fields (no seconds)`, `day-of-month and day-of-week both set`, … */
      readonly reason: string;
    };

/** Spring's macros (Camunda 8) as six-field patterns. */
const MACROS: Readonly<Record<string, string>> = {
  '@yearly': '0 0 0 1 1 *',
  '@annually': '0 0 0 1 1 *',
  '@monthly': '0 0 0 1 * *',
  '@weekly': '0 0 0 * * 0',
  '@daily': '0 0 0 * * *',
  '@midnight': '0 0 0 * * *',
  '@hourly': '0 0 * * * *',
};

const MONTHS = ['JAN', 'FEB', 'MAR', 'APR', 'MAY', 'JUN', 'JUL', 'AUG', 'SEP', 'OCT', 'NOV', 'DEC'];
const DAYS = ['SUN', 'MON', 'TUE', 'WED', 'THU', 'FRI', 'SAT'];

interface Field {
  readonly name: string;
  readonly lo: number;
  readonly hi: number;
}

class Refusal {
  constructor(
    readonly code: 'BPMN_ERR_TIMER_CRON_UNSUPPORTED' | 'BPMN_ERR_TIMER_INVALID',
    readonly reason: string,
  ) {}
}
const invalid = (reason: string): never => {
  throw new Refusal('BPMN_ERR_TIMER_INVALID', reason);
};
const unsupported = (reason: string): never => {
  throw new Refusal('BPMN_ERR_TIMER_CRON_UNSUPPORTED', reason);
};

/** True for text shaped like a cron expression (5–7 fields, or an `@` macro): it is then checked by {@link checkCron}. */
export function isCron(v: string): boolean {
  const t = v.trim();
  return /^@[a-z]+$/i.test(t) || (!t.startsWith('R') && !t.startsWith('P') && /^(?:\S+\s+){4,6}\S+$/.test(t));
}

/**
 * Checks a cron timer cycle of a model in `dialect` and normalises it for croner (evaluated in
 * Asia/Shanghai by the engine). Weekday numbers are Quartz's (1 = Sunday) in Camunda 7 models and
 * Spring's (0 or 7 = Sunday) otherwise; names (`MON-FRI`) mean the same everywhere.
 *
 * @example
 * checkCron('0 0 9 ? * 2-6', 'camunda7'); // { ok: true, pattern: '0 0 9 * * 1-5' }
 * checkCron('0 9 * * *', 'camunda8');     // { ok: false, code: 'BPMN_ERR_TIMER_CRON_UNSUPPORTED', reason: 'five fields (no seconds)' }
 */
export function checkCron(value: string, dialect: Dialect): CronCheck {
  let pattern: string;
  try {
    pattern = normalise(value.trim(), dialect === 'camunda7');
  } catch (e) {
    if (e instanceof Refusal) return { ok: false, code: e.code, reason: e.reason };
    throw e;
  }
  // croner — what the engine evaluates with — has the last word on the normalised pattern
  try {
    new Cron(pattern, { paused: true, timezone: 'Asia/Shanghai' }).stop();
  } catch {
    return { ok: false, code: 'BPMN_ERR_TIMER_INVALID', reason: 'not a pattern croner evaluates' };
  }
  return { ok: true, pattern };
}

function normalise(v: string, quartz: boolean): string {
  if (v.startsWith('@')) {
    const m = MACROS[v.toLowerCase()];
    return m ?? unsupported(`macro ${v}`);
  }
  const parts = v.split(/\s+/);
  if (parts.length === 5) unsupported('five fields (no seconds)');
  if (parts.length < 5 || parts.length > 7) invalid('field count');
  const fields: Field[] = [
    { name: 'second', lo: 0, hi: 59 },
    { name: 'minute', lo: 0, hi: 59 },
    { name: 'hour', lo: 0, hi: 23 },
    { name: 'day-of-month', lo: 1, hi: 31 },
    { name: 'month', lo: 1, hi: 12 },
    { name: 'day-of-week', lo: quartz ? 1 : 0, hi: 7 },
    { name: 'year', lo: 1, hi: 9999 },
  ];
  const out = parts.map((p, i) => {
    const f = fields[i]!;
    if (p === '?') {
      if (i !== 3 && i !== 5) invalid(`? in ${f.name}`);
      return '*';
    }
    if (i === 3) return dayOfMonth(p, f);
    if (i === 5) return dayOfWeek(p, f, quartz);
    return list(p, f, i === 4 ? MONTHS : undefined, 1);
  });
  const restricted = (s: string): boolean => s !== '*';
  if (restricted(out[3]!) && restricted(out[5]!)) unsupported('day-of-month and day-of-week both set');
  return out.join(' ');
}

/** A number or (for months and weekdays) a three-letter name, in range. */
function value(s: string, f: Field, names: readonly string[] | undefined, first: number): number {
  let n: number;
  if (/^\d{1,4}$/.test(s)) n = Number(s);
  else if (names !== undefined && names.includes(s.toUpperCase())) n = names.indexOf(s.toUpperCase()) + first;
  else return invalid(`${f.name} value ${s}`);
  if (n < f.lo || n > f.hi) invalid(`${f.name} value ${s} out of range`);
  return n;
}

/**
 * A list of `*`, `v`, `a-b`, `a-b/n`, `a/n` items, or `*` stepped by n. `map` rewrites each value (Quartz
 * weekdays); names in ranges are turned into numbers.
 */
function list(
  p: string,
  f: Field,
  names: readonly string[] | undefined,
  first: number,
  map: (n: number) => number = (n) => n,
  max: number = f.hi,
): string {
  return p
    .split(',')
    .map((item) => {
      const [range, step, ...rest] = item.split('/');
      if (rest.length > 0 || range === undefined) return invalid(`${f.name} item ${item}`);
      if (step !== undefined && !(/^\d{1,4}$/.test(step) && Number(step) >= 1))
        invalid(`${f.name} step ${item}`);
      const suffix = step === undefined ? '' : `/${Number(step)}`;
      if (range === '*') return `*${suffix}`;
      const bounds = range.split('-');
      if (bounds.length > 2) return invalid(`${f.name} range ${item}`);
      const a = value(bounds[0]!, f, names, first);
      if (bounds.length === 2) {
        const b = value(bounds[1]!, f, names, first);
        if (a > b) unsupported(`wrap-around range ${item} in ${f.name}`);
        return `${map(a)}-${map(b)}${suffix}`;
      }
      // Quartz / Spring `a/n`: from a to the end of the field
      return step === undefined ? `${map(a)}` : `${map(a)}-${max}${suffix}`;
    })
    .join(',');
}

function dayOfMonth(p: string, f: Field): string {
  if (p === 'L' || p === 'LW') return p;
  if (/^L-\d+$/i.test(p)) unsupported(`offset from the last day ${p}`);
  const items = p.split(',');
  return items
    .map((item) => {
      if (item === 'L') return 'L';
      if (item === 'LW') return unsupported('LW in a list');
      const w = /^(\d{1,2})W$/.exec(item);
      if (w !== null) return `${value(w[1]!, f, undefined, 1)}W`;
      if (/W/i.test(item)) return unsupported(`W in a range or step (${item})`);
      if (/L/i.test(item)) return unsupported(`L in a range or step (${item})`);
      return list(item, f, undefined, 1);
    })
    .join(',');
}

function dayOfWeek(p: string, f: Field, quartz: boolean): string {
  // standard numbering: Quartz 1..7 (Sunday first) becomes 0..6
  const map = quartz ? (n: number) => n - 1 : (n: number) => n;
  const day = (s: string): number => map(value(s, f, DAYS, quartz ? 1 : 0));
  return p
    .split(',')
    .map((item) => {
      if (item.startsWith('+')) return invalid(`${f.name} modifier +`);
      if (item.toUpperCase() === 'L') return unsupported('L alone in day-of-week');
      const last = /^([A-Z]{3}|\d)L$/i.exec(item) ?? /^([A-Z]{3}|\d)#L$/i.exec(item);
      if (last !== null) return `${day(last[1]!)}#L`;
      const nth = /^([A-Z]{3}|\d)#(\d)$/i.exec(item);
      if (nth !== null) {
        const k = Number(nth[2]);
        if (k < 1 || k > 5) invalid(`${f.name} nth ${item}`);
        return `${day(nth[1]!)}#${k}`;
      }
      if (item.includes('#')) return invalid(`${f.name} nth ${item}`);
      // weekday names have no L: what is left is L with a range, step or offset
      if (/L/i.test(item)) return unsupported(`L in a range or step (${item})`);
      // Spring reads SUN as 7 too: `MON-SUN` is Monday to Sunday
      const spring = quartz ? item : item.replace(/-SUN(?=\/|$)/i, '-7');
      return list(spring, f, DAYS, quartz ? 1 : 0, map, quartz ? 6 : 7);
    })
    .join(',');
}
