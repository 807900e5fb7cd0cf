/**
 * Timer start events of a process (Camunda semantics): when they start instances. Pure: the
 * store's scheduler (`@shidian/store` `start-timers.ts`) persists the plan of each timer start
 * event of an active deployment, starts one case per occurrence with a `start` command naming the
 * event, and asks {@link nextStartOccurrence} for the next one.
 *
 * - `timeDate`: once, at that instant (a date in the past fires at once).
 * - `timeDuration`: once, the duration after the anchor (the deployment time).
 * - `timeCycle` `R[n]/<duration>`: every duration from the anchor (first at anchor + duration);
 *   `R[n]/<start>/<duration>`: at start, start + duration, … (occurrences before the anchor are
 *   skipped). `n` counts **starts**; `R/…` repeats without end.
 *
 * Occurrences lie on a fixed grid (`base + k × duration`, months and years as calendar units), so a
 * schedule never drifts. After a missed stretch (the workers were down) the scheduler fires the
 * missed occurrence **once** and continues with the first grid time after now — as Camunda's job
 * executor does — never once per missed period.
 *
 * - `timeCycle` cron (`0 0 9 ? * MON-FRI`, `@daily`): at every matching instant after the anchor,
 *   fields read in Asia/Shanghai (`cron.ts`), without end. The plan's `every` holds the normalised
 *   pattern (an ISO duration always starts with `P`, a pattern never does).
 */
import { isCron, type Dialect, type EventDefinition, type Expr, type ProcessGraph } from '@shidian/bpmn';
import { cronCycle, nextCronTime } from './cron.js';
import { engineError, IncidentSignal } from './errors.js';
import { evaluateExpr } from './feel.js';
import { isInstant } from './time.js';
import type { EngineError, Json } from './types.js';

/** How a timer start event is defined. */
export type StartTimerKind = 'date' | 'duration' | 'cycle';

/** The evaluated plan of one timer start event (what the scheduler stores). */
export interface StartTimerPlan {
  readonly kind: StartTimerKind;
  /** The evaluated timer value, as written (`2026-01-01T08:00:00+08:00`, `PT10H`, `R3/PT10H`). */
  readonly value: string;
  /** Anchor of the occurrence grid (the deployment time; for `R/<start>/…` cycles, that start). */
  readonly base: string;
  /** Duration between occurrences, or the normalised cron pattern (cycles only). */
  readonly every?: string;
  /** First occurrence, ISO instant (UTC). */
  readonly first: string;
  /** Starts left including the first (`null`: unbounded cycle). */
  readonly remaining: number | null;
}

/** A timer start event of the process scope. */
export interface TimerStartEvent {
  readonly startEvent: string;
  readonly event: Extract<EventDefinition, { type: 'timer' }>;
  /** The model's dialect (how cron weekday numbers read). */
  readonly dialect: Dialect;
}

/**
 * The timer start events of the process itself (not of event sub-processes), in id order.
 *
 * @example
 * processTimerStarts(graph); // [{ startEvent: 'daily', event: { type: 'timer', timeCycle: … } }]
 */
export function processTimerStarts(graph: ProcessGraph): TimerStartEvent[] {
  const out: TimerStartEvent[] = [];
  const scope = graph.scopes[graph.id];
  for (const id of scope?.nodes ?? []) {
    const n = graph.nodes[id];
    if (n?.kind === 'startEvent' && n.scope === graph.id && n.event.type === 'timer')
      out.push({ startEvent: n.id, event: n.event, dialect: graph.dialect });
  }
  return out.sort((a, b) => (a.startEvent < b.startEvent ? -1 : a.startEvent > b.startEvent ? 1 : 0));
}

const DURATION =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

interface Parts {
  readonly months: number;
  readonly ms: number;
}

/** A positive ISO 8601 duration as calendar months plus elapsed milliseconds. */
function durationParts(d: string): Parts | undefined {
  const m = DURATION.exec(d);
  if (m === null) return undefined;
  const n = (i: number): number => Number(m[i] ?? 0);
  const parts = {
    months: n(1) * 12 + n(2),
    ms: Math.round(((n(3) * 7 + n(4)) * 86_400 + n(5) * 3_600 + n(6) * 60 + n(7)) * 1000),
  };
  return parts.months > 0 || parts.ms > 0 ? parts : undefined;
}

/** `base + k × duration` (months added as calendar months on the UTC date, then the elapsed part). */
function gridTime(base: number, p: Parts, k: number): number {
  const d = new Date(base);
  if (p.months !== 0) d.setUTCMonth(d.getUTCMonth() + p.months * k);
  return d.getTime() + p.ms * k;
}

/** Smallest k ≥ kMin with gridTime(base, p, k) > after (or ≥ when `inclusive`). */
function firstIndexAfter(base: number, p: Parts, kMin: number, after: number, inclusive: boolean): number {
  const beyond = (k: number): boolean => {
    const t = gridTime(base, p, k);
    return inclusive ? t >= after : t > after;
  };
  const approx = p.months * 30.436875 * 86_400_000 + p.ms;
  let k = Math.max(kMin, Math.floor((after - base) / approx));
  while (k > kMin && beyond(k - 1)) k -= 1;
  while (!beyond(k)) k += 1;
  return k;
}

/** An instant with an offset, or a plain date (midnight UTC), as for every other timer of the engine. */
function timerInstant(v: string): number | undefined {
  if (isInstant(v)) return Date.parse(v);
  if (/^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(`${v}T00:00:00Z`)))
    return Date.parse(`${v}T00:00:00Z`);
  return undefined;
}

/** Parses `R[n]/<duration>` or `R[n]/<start>/<duration>`. */
function parseStartCycle(
  v: string,
): { repeat: number | null; start?: number; every: string; parts: Parts } | undefined {
  const m = /^R(\d*)\/([^/]+)(?:\/([^/]+))?$/.exec(v);
  if (m === null) return undefined;
  const repeat = m[1] === undefined || m[1] === '' ? null : Number(m[1]);
  if (repeat !== null && (!Number.isSafeInteger(repeat) || repeat < 1)) return undefined;
  const every = m[3] ?? m[2]!;
  const parts = durationParts(every);
  if (parts === undefined) return undefined;
  if (m[3] === undefined) return { repeat, every, parts };
  const start = timerInstant(m[2]!);
  return start === undefined ? undefined : { repeat, start, every, parts };
}

const iso = (t: number): string => new Date(t).toISOString();

function evaluated(expr: Expr): Json {
  try {
    // A timer start event has no instance yet: its expression is evaluated without variables.
    return evaluateExpr(expr, {});
  } catch (e) {
    if (e instanceof IncidentSignal) return null;
    throw e;
  }
}

/**
 * Plans a timer start event deployed (or activated) at `anchor`. Refuses with `ENG_ERR_BAD_TIMER`
 * (details: `startEvent`, `value`) a value that is not a valid instant, duration or supported cycle
 * — FEEL is evaluated without variables, so an expression that needs one is refused here too.
 *
 * @example
 * planStartTimer({ type: 'timer', timeCycle: { kind: 'literal', source: 'R3/PT10H' } }, 'tick', '2026-03-02T00:00:00Z');
 * // { ok: true, plan: { kind: 'cycle', first: '2026-03-02T10:00:00.000Z', remaining: 3, … } }
 */
export function planStartTimer(
  event: Extract<EventDefinition, { type: 'timer' }>,
  startEvent: string,
  anchor: string,
  dialect: Dialect = 'bpmn',
):
  { readonly ok: true; readonly plan: StartTimerPlan } | { readonly ok: false; readonly error: EngineError } {
  const bad = (value: Json): { ok: false; error: EngineError } => ({
    ok: false,
    error: engineError('ENG_ERR_BAD_TIMER', { startEvent, value }),
  });
  const at = timerInstant(anchor);
  if (at === undefined) return bad(anchor);
  if (event.timeDate !== undefined) {
    const v = evaluated(event.timeDate);
    const t = typeof v === 'string' ? timerInstant(v.trim()) : undefined;
    if (typeof v !== 'string' || t === undefined) return bad(v);
    return { ok: true, plan: { kind: 'date', value: v.trim(), base: iso(t), first: iso(t), remaining: 1 } };
  }
  if (event.timeDuration !== undefined) {
    const v = evaluated(event.timeDuration);
    const p = typeof v === 'string' ? durationParts(v.trim()) : undefined;
    if (typeof v !== 'string' || p === undefined) return bad(v);
    const first = iso(gridTime(at, p, 1));
    return { ok: true, plan: { kind: 'duration', value: v.trim(), base: iso(at), first, remaining: 1 } };
  }
  if (event.timeCycle !== undefined) {
    const v = evaluated(event.timeCycle);
    if (typeof v === 'string' && isCron(v)) {
      // cron: first at the next matching instant after the anchor, unbounded
      const c = cronCycle(v, dialect);
      const first = c.ok ? nextCronTime(c.pattern, iso(at)) : undefined;
      if (!c.ok || first === undefined) return bad(v);
      return {
        ok: true,
        plan: { kind: 'cycle', value: v.trim(), base: iso(at), every: c.pattern, first, remaining: null },
      };
    }
    const c = typeof v === 'string' ? parseStartCycle(v.trim()) : undefined;
    if (typeof v !== 'string' || c === undefined) return bad(v);
    // R/<duration>: first at anchor + duration; R/<start>/<duration>: first grid time at or after the anchor.
    const base = c.start ?? at;
    const k = c.start === undefined ? 1 : firstIndexAfter(base, c.parts, 0, at, true);
    return {
      ok: true,
      plan: {
        kind: 'cycle',
        value: v.trim(),
        base: iso(base),
        every: c.every,
        first: iso(gridTime(base, c.parts, k)),
        remaining: c.repeat,
      },
    };
  }
  return bad(null);
}

/**
 * The occurrence after one that fired at `firedAt`: `null` when the schedule is done (a date or
 * duration, or a bounded cycle whose starts are used up). A cycle continues with the first grid time
 * after both the fired occurrence and `firedAt`, so missed occurrences are not made up one by one.
 *
 * @example
 * nextStartOccurrence(plan, '2026-03-02T10:00:00.000Z', '2026-03-02T10:00:00.120Z'); // '2026-03-02T20:00:00.000Z'
 */
export function nextStartOccurrence(
  plan: Pick<StartTimerPlan, 'kind' | 'base' | 'every'> & { readonly remaining: number | null },
  occurrence: string,
  firedAt: string,
): string | null {
  if (plan.kind !== 'cycle' || plan.every === undefined) return null;
  if (plan.remaining !== null && plan.remaining <= 1) return null;
  const after = Math.max(Date.parse(occurrence), Date.parse(firedAt));
  if (Number.isNaN(after)) return null;
  // a cron pattern (never starts with P): the next match after the occurrence and the firing
  if (!plan.every.startsWith('P')) return nextCronTime(plan.every, iso(after)) ?? null;
  const p = durationParts(plan.every);
  const base = Date.parse(plan.base);
  if (p === undefined || Number.isNaN(base)) return null;
  return iso(gridTime(base, p, firstIndexAfter(base, p, 0, after, false)));
}
