import { checkCron, type Dialect } from '@shidian/bpmn';
import { Cron } from 'croner';
import fc from 'fast-check';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { cronCycle, nextCronTime } from './cron.js';
import { Driver, fixture, user } from './testing.js';

/** The next `n` occurrences after `after`. */
function runs(value: string, after: string, n: number, dialect: Dialect = 'camunda8'): string[] {
  const c = cronCycle(value, dialect);
  if (!c.ok) throw new Error(c.code);
  const out: string[] = [];
  let t = after;
  for (let i = 0; i < n; i++) {
    const next = nextCronTime(c.pattern, t);
    if (next === undefined) break;
    out.push(next);
    t = next;
  }
  return out;
}

describe('cron cycles: next occurrences (fields in Asia/Shanghai)', () => {
  afterEach(() => vi.useRealTimers());

  it('given 09:00 on the last day of the month, when it runs across month ends, then Jan 31, Feb 28, Mar 31 at 01:00Z', () => {
    expect(runs('0 0 9 L * ?', '2026-01-15T00:00:00Z', 3, 'camunda7')).toEqual([
      '2026-01-31T01:00:00.000Z',
      '2026-02-28T01:00:00.000Z',
      '2026-03-31T01:00:00.000Z',
    ]);
    // 23:30 CST every day: Jan 31 23:30 CST, then Feb 1 (15:30Z the day before)
    expect(runs('0 30 23 * * *', '2026-01-31T00:00:00Z', 2)).toEqual([
      '2026-01-31T15:30:00.000Z',
      '2026-02-01T15:30:00.000Z',
    ]);
    // 00:30 CST on the 1st: still the last day of the previous month in UTC
    expect(runs('0 30 0 1 * ?', '2026-01-15T00:00:00Z', 2)).toEqual([
      '2026-01-31T16:30:00.000Z',
      '2026-02-28T16:30:00.000Z',
    ]);
  });

  it('given 02:30 CST daily through 2026, then every occurrence is 18:30Z the day before, exactly 24 h apart (no DST in China)', () => {
    const all = runs('0 30 2 * * ?', '2025-12-31T00:00:00Z', 366);
    expect(all).toHaveLength(366);
    for (const [i, t] of all.entries()) {
      expect(t.slice(11)).toBe('18:30:00.000Z');
      if (i > 0) expect(Date.parse(t) - Date.parse(all[i - 1]!)).toBe(86_400_000);
    }
  });

  it('given 0 0 9 * * MON-FRI, when asked after Friday 09:00, then Monday 09:00 CST; Quartz 2-6 in a Camunda 7 model is the same schedule', () => {
    // Friday 2026-01-30 10:00 CST
    expect(runs('0 0 9 * * MON-FRI', '2026-01-30T02:00:00Z', 3)).toEqual([
      '2026-02-02T01:00:00.000Z',
      '2026-02-03T01:00:00.000Z',
      '2026-02-04T01:00:00.000Z',
    ]);
    const week = runs('0 0 9 * * MON-FRI', '2026-01-01T00:00:00Z', 40);
    expect(runs('0 0 9 ? * 2-6', '2026-01-01T00:00:00Z', 40, 'camunda7')).toEqual(week);
    expect(runs('0 0 9 * * 1-5', '2026-01-01T00:00:00Z', 40, 'camunda8')).toEqual(week);
    // no Saturday or Sunday (in CST)
    for (const t of week)
      expect([1, 2, 3, 4, 5]).toContain(new Date(Date.parse(t) + 8 * 3_600_000).getUTCDay());
  });

  it('given Quartz L, W and # features and Spring macros, then they are evaluated', () => {
    // nearest weekday to the 15th: Feb 15 2026 is a Sunday → Monday 16th
    expect(runs('0 0 9 15W * ?', '2026-02-01T00:00:00Z', 1, 'camunda7')).toEqual([
      '2026-02-16T01:00:00.000Z',
    ]);
    // second Monday (Quartz 2#2), last Friday (Quartz 6L)
    expect(runs('0 0 9 ? * 2#2', '2026-02-01T00:00:00Z', 1, 'camunda7')).toEqual([
      '2026-02-09T01:00:00.000Z',
    ]);
    expect(runs('0 0 9 ? * 6L', '2026-02-01T00:00:00Z', 1, 'camunda7')).toEqual(['2026-02-27T01:00:00.000Z']);
    expect(runs('0 0 9 ? * FRIL', '2026-02-01T00:00:00Z', 1, 'camunda8')).toEqual([
      '2026-02-27T01:00:00.000Z',
    ]);
    // Quartz numeric-prefix steps: every 15 minutes from minute 0
    expect(runs('0 0/15 9 * * ?', '2026-02-01T01:00:00Z', 2, 'camunda7')).toEqual([
      '2026-02-01T01:15:00.000Z',
      '2026-02-01T01:30:00.000Z',
    ]);
    expect(runs('@daily', '2026-02-01T01:00:00Z', 1)).toEqual(['2026-02-01T16:00:00.000Z']);
    // a year field in the past has no occurrence
    const past = cronCycle('0 0 9 * * ? 2020', 'camunda7');
    expect(past.ok && nextCronTime(past.pattern, '2026-01-01T00:00:00Z')).toBeUndefined();
  });

  it('given the system clock set anywhere, then the next occurrence depends only on the instant passed in', () => {
    const before = runs('0 0 9 * * MON-FRI', '2026-01-30T02:00:00Z', 3);
    vi.useFakeTimers();
    vi.setSystemTime(new Date('2031-07-04T12:00:00Z'));
    expect(runs('0 0 9 * * MON-FRI', '2026-01-30T02:00:00Z', 3)).toEqual(before);
  });
});

describe('cron cycles: checkCron (the lint) and croner agree', () => {
  const croner = (pattern: string): boolean => {
    try {
      new Cron(pattern, { timezone: 'Asia/Shanghai', mode: '6-or-7-parts', paused: true });
      return true;
    } catch {
      return false;
    }
  };

  it('given expressions croner refuses or that mean different things per dialect, then checkCron refuses them with a precise code', () => {
    const cases: [string, Dialect, string][] = [
      ['0 9 * * *', 'camunda8', 'BPMN_ERR_TIMER_CRON_UNSUPPORTED'],
      ['0 0 9 L-3 * ?', 'camunda7', 'BPMN_ERR_TIMER_CRON_UNSUPPORTED'],
      ['0 0 9 ? * FRI-MON', 'camunda7', 'BPMN_ERR_TIMER_CRON_UNSUPPORTED'],
      ['0 0 9 1 * MON', 'camunda8', 'BPMN_ERR_TIMER_CRON_UNSUPPORTED'],
      ['0 0 9 ? * L', 'camunda7', 'BPMN_ERR_TIMER_CRON_UNSUPPORTED'],
      ['0 0 9 LW,1 * ?', 'camunda7', 'BPMN_ERR_TIMER_CRON_UNSUPPORTED'],
      ['@reboot', 'camunda8', 'BPMN_ERR_TIMER_CRON_UNSUPPORTED'],
      ['0 60 9 * * ?', 'camunda7', 'BPMN_ERR_TIMER_INVALID'],
      ['0 0 9 ? * 0', 'camunda7', 'BPMN_ERR_TIMER_INVALID'],
      ['0 0 9 ? * 8', 'camunda8', 'BPMN_ERR_TIMER_INVALID'],
      ['0 0 9 ? * MON#6', 'camunda8', 'BPMN_ERR_TIMER_INVALID'],
      ['0 0 9 ? * +MON', 'camunda8', 'BPMN_ERR_TIMER_INVALID'],
      ['? 0 9 * * *', 'camunda8', 'BPMN_ERR_TIMER_INVALID'],
      ['*/0 0 9 * * ?', 'camunda7', 'BPMN_ERR_TIMER_INVALID'],
      ['0 0 9 ? * MOND', 'camunda8', 'BPMN_ERR_TIMER_INVALID'],
      ['0 0 9 * * * 10000', 'camunda7', 'BPMN_ERR_TIMER_INVALID'],
    ];
    for (const [v, dialect, code] of cases) {
      const c = checkCron(v, dialect);
      expect(c.ok === false && c.code, `${v} (${dialect})`).toBe(code);
    }
  });

  it('given random cron-like expressions, then every pattern checkCron accepts is one croner evaluates', () => {
    // mostly valid tokens (so that many patterns are accepted), some edge and malformed ones
    const token = (lo: number, hi: number, names: string[] = []) =>
      fc.oneof(
        { weight: 3, arbitrary: fc.constantFrom('*', ...names) },
        { weight: 3, arbitrary: fc.integer({ min: lo, max: hi }).map(String) },
        {
          weight: 2,
          arbitrary: fc
            .tuple(fc.integer({ min: lo, max: hi }), fc.integer({ min: lo, max: hi }))
            .map(([a, b]) => `${Math.min(a, b)}-${Math.max(a, b)}`),
        },
        {
          weight: 2,
          arbitrary: fc
            .tuple(fc.constantFrom('*', String(lo), `${lo}-${hi}`), fc.integer({ min: 1, max: hi }))
            .map(([a, n]) => `${a}/${n}`),
        },
        {
          weight: 1,
          arbitrary: fc.oneof(
            fc.constantFrom('?', 'L', 'LW', 'W', '#', '+MON', '/5', '*/0'),
            fc.integer({ min: lo - 1, max: hi + 1 }).map(String),
            fc
              .tuple(fc.integer({ min: lo - 1, max: hi + 1 }), fc.integer({ min: lo - 1, max: hi + 1 }))
              .map(([a, b]) => `${a}-${b}`),
          ),
        },
      );
    const field = (lo: number, hi: number, names: string[] = []) =>
      fc.array(token(lo, hi, names), { minLength: 1, maxLength: 3 }).map((a) => a.join(','));
    const dayToken = fc.oneof(
      field(1, 7, ['MON', 'fri', 'SUN']),
      fc.constantFrom('MON-SUN', 'tue-sun/2', 'SUN-SAT', 'FRI-MON', 'MON-FRI,SUN'),
      fc
        .tuple(
          fc.constantFrom('1', '2', '6', '7', 'MON', 'fri'),
          fc.constantFrom('L', '#1', '#5', '#L', '#6'),
        )
        .map(([a, x]) => a + x),
    );
    const domToken = fc.oneof(field(1, 31), fc.constantFrom('L', 'LW', '15W', '1,L', '1W,L', 'L-2', '0W'));
    // which of day-of-month and day-of-week is the wildcard (both set: refused)
    const days = fc.oneof(
      { weight: 4, arbitrary: fc.tuple(domToken, fc.constantFrom('?', '*')) },
      { weight: 4, arbitrary: fc.tuple(fc.constantFrom('?', '*'), dayToken) },
      { weight: 1, arbitrary: fc.tuple(domToken, dayToken) },
    );
    const expr = fc
      .tuple(
        field(0, 59),
        field(0, 59),
        field(0, 23),
        days,
        field(1, 12, ['JAN', 'dec']),
        fc.option(field(2020, 2100), { nil: undefined }),
      )
      .map(([s, m, h, [dom, dow], mon, y]) =>
        [s, m, h, dom, mon, dow, ...(y === undefined ? [] : [y])].join(' '),
      );
    let accepted = 0;
    fc.assert(
      fc.property(expr, fc.constantFrom<Dialect>('bpmn', 'camunda7', 'camunda8'), (v, dialect) => {
        const c = checkCron(v, dialect);
        if (c.ok) accepted += 1;
        if (c.ok) expect(croner(c.pattern), `${v} → ${c.pattern}`).toBe(true);
        // and the engine's gate is the same function
        expect(cronCycle(v, dialect)).toEqual(c);
      }),
      { numRuns: 3000, seed: 4242 },
    );
    // the property is not vacuous: a good share of the generated patterns is accepted
    expect(accepted).toBeGreaterThan(600);
  });

  it('given common Camunda 7 and Camunda 8 expressions, then checkCron accepts them', () => {
    const ok: [string, Dialect][] = [
      ['0 0 8 * * ?', 'camunda7'],
      ['0 0/5 * * * ?', 'camunda7'],
      ['0 15 10 ? * MON-FRI', 'camunda7'],
      ['0 15 10 L * ?', 'camunda7'],
      ['0 15 10 ? * 6#3', 'camunda7'],
      ['0 0 12 1/5 * ?', 'camunda7'],
      ['0 0 9 ? * 2-6 2027', 'camunda7'],
      ['0 0 9 * * MON-FRI', 'camunda8'],
      ['*/10 * * * * *', 'camunda8'],
      ['0 0 0 1 1 *', 'camunda8'],
      ['@hourly', 'camunda8'],
      ['@weekly', 'camunda8'],
    ];
    for (const [v, dialect] of ok) expect(cronCycle(v, dialect).ok, `${v} (${dialect})`).toBe(true);
  });
});

describe('cron cycles on a boundary event (cron-boundary.bpmn)', () => {
  it('given a non-interrupting weekday 09:00 boundary cycle, when it fires on Friday, then a reminder opens and it re-arms for Monday 09:00 CST', async () => {
    const d = new Driver(await fixture('cron-boundary.bpmn'), {}, '2026-01-29T03:00:00.000Z');
    d.start();
    const first = Object.values(d.s.timers);
    // Thursday 11:01 CST → Friday 09:00 CST
    expect(first.map((t) => [t.node, t.due, t.cron])).toEqual([
      ['remind', '2026-01-30T01:00:00.000Z', '0 0 9 * * 1-5'],
    ]);
    d.at('2026-01-30T01:00:00.000Z').do({ type: 'fire-timer', timerId: first[0]!.id });
    expect(d.tasks('reminded')).toHaveLength(1);
    expect(d.tasks('work')).toHaveLength(1);
    expect(Object.values(d.s.timers).map((t) => t.due)).toEqual(['2026-02-02T01:00:00.000Z']);
    // fired late (Tuesday 10:00 CST, the worker was down): Wednesday, the missed Tuesday is not made up
    d.at('2026-02-03T02:00:00.000Z').do({ type: 'fire-timer', timerId: Object.keys(d.s.timers)[0]! });
    expect(Object.values(d.s.timers).map((t) => t.due)).toEqual(['2026-02-04T01:00:00.000Z']);
    expect(d.tasks('reminded')).toHaveLength(2);
    // completing the task removes the cycle
    d.complete('work', user('u', 'g'));
    expect(Object.keys(d.s.timers)).toEqual([]);
  });

  it('given a suspended case, when it resumes, then the cron cycle keeps to the clock: the next weekday 09:00 CST after the resume', async () => {
    const d = new Driver(await fixture('cron-boundary.bpmn'), {}, '2026-01-29T03:00:00.000Z');
    const lead = user('lead', 'g');
    d.start();
    d.at('2026-01-29T04:00:00.000Z').do({ type: 'suspend', reason: '听证', actor: lead });
    expect(Object.keys(d.s.timers)).toEqual([]);
    // resumed Tuesday 10:00 CST: Friday's and Monday's matches passed while suspended
    d.at('2026-02-03T02:00:00.000Z').do({ type: 'resume', actor: lead });
    expect(Object.values(d.s.timers).map((t) => [t.due, t.cron])).toEqual([
      ['2026-02-04T01:00:00.000Z', '0 0 9 * * 1-5'],
    ]);
  });

  it('given a cron cycle from FEEL that croner cannot evaluate, then the activity gets an ENG_ERR_BAD_TIMER incident, not a crash', async () => {
    const g = await fixture('cron-boundary.bpmn');
    const node = g.nodes['remind'];
    if (node?.kind !== 'boundaryEvent') throw new Error('fixture');
    const bad = {
      ...g,
      nodes: {
        ...g.nodes,
        remind: {
          ...node,
          event: { type: 'timer' as const, timeCycle: { kind: 'feel' as const, source: '"0 0 9 L-3 * ?"' } },
        },
      },
    };
    const d = new Driver(bad, {}, '2026-01-29T03:00:00.000Z');
    d.start();
    expect(Object.values(d.s.incidents).map((i) => i.code)).toEqual(['ENG_ERR_BAD_TIMER']);
  });
});
