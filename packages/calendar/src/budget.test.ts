import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { type Budget, HANDLING_EXTENSION_POLICY, budgetStatus, parseThresholds } from './budget.js';
import { createCalendar } from './calendar.js';
import { addDays, fromEpochDay, toEpochDay } from './civil-date.js';
import { expectCode } from './fixtures/expect-code.js';

const cal = createCalendar();
const budget = (b: Partial<Budget> & Pick<Budget, 'start' | 'period'>): Budget => ({
  pauses: [],
  extensions: [],
  ...b,
});

describe('pauses: time not counted (e.g. a hearing during 复核)', () => {
  // Given a 30-day review period from 2025-03-03 and a hearing on 03-10..03-12
  const review = budget({
    start: '2025-03-03',
    period: 'P30D',
    pauses: [{ from: '2025-03-10', to: '2025-03-12', reason: '听证' }],
  });

  it('adds the paused days back, then rolls over the Qingming holiday', () => {
    const s = budgetStatus(review, '2025-03-20', cal);
    expect(s.originalDue).toBe('2025-04-02');
    expect(s.due).toBe('2025-04-07'); // 30 + 3 = 04-05, a Saturday in Qingming (04-04..04-06)
    expect(s.pausedDays).toBe(3);
    expect(s.paused).toBe(false);
    expect(s.remaining).toEqual({ days: 18, workingDays: 11 });
    expect(s.state).toBe('normal');
  });

  it('an open pause freezes the count: the due date moves, what remains does not', () => {
    const open = budget({ start: '2025-03-03', period: 'P30D', pauses: [{ from: '2025-03-10' }] });
    const day1 = budgetStatus(open, '2025-03-15', cal);
    const day2 = budgetStatus(open, '2025-03-16', cal);
    expect(day1).toMatchObject({ due: '2025-04-08', paused: true, pausedDays: 6 });
    expect(day2).toMatchObject({ due: '2025-04-09', paused: true, pausedDays: 7 });
    expect(day2.remaining.days).toBe(day1.remaining.days);
    // a pause recorded for later is not yet in force
    expect(
      budgetStatus(
        budget({ start: '2025-03-03', period: 'P30D', pauses: [{ from: '2025-03-20' }] }),
        '2025-03-15',
        cal,
      ).paused,
    ).toBe(false);
  });

  it('a pause after the due date cannot revive an expired period', () => {
    const late = budget({
      start: '2025-03-03',
      period: 'P15D',
      pauses: [{ from: '2025-03-20', to: '2025-03-25' }],
    });
    const s = budgetStatus(late, '2025-03-26', cal);
    expect(s.due).toBe('2025-03-18');
    expect(s.state).toBe('overdue');
  });

  it('in a working-day period only paused working days matter', () => {
    const base = { start: '2025-09-26', period: '5wd' } as const;
    expect(
      budgetStatus(budget({ ...base, pauses: [{ from: '2025-10-01', to: '2025-10-08' }] }), '2025-09-26', cal)
        .due,
    ).toBe('2025-10-10');
    // two paused working days (09-29, 09-30): make-up Saturday 10-11 counts, Sunday 10-12 does not
    expect(
      budgetStatus(budget({ ...base, pauses: [{ from: '2025-09-29', to: '2025-09-30' }] }), '2025-09-26', cal)
        .due,
    ).toBe('2025-10-13');
  });

  it('overlapping pauses are not counted twice', () => {
    const s = budgetStatus(
      budget({
        start: '2025-03-03',
        period: 'P30D',
        pauses: [
          { from: '2025-03-10', to: '2025-03-12' },
          { from: '2025-03-11', to: '2025-03-13' },
        ],
      }),
      '2025-03-20',
      cal,
    );
    expect(s.pausedDays).toBe(4);
    expect(s.due).toBe('2025-04-07'); // 30 + 4 = 04-06, still Qingming
  });
});

describe('extensions: the 60-day handling period and its one extension of at most 30 days', () => {
  // Given an item accepted on Tuesday 2025-06-03: 60 days end on Saturday 08-02, rolled to Monday 08-04
  const handling = budget({ start: '2025-06-03', period: 'P60D' });
  const extended = budget({
    ...handling,
    extensions: [{ period: 'P30D', reason: '情况复杂', approver: '县信访局局长', at: '2025-07-28' }],
  });

  it('without an extension the period ends on the rolled-over Monday', () => {
    expect(budgetStatus(handling, '2025-07-01', cal).due).toBe('2025-08-04');
  });

  it('the extension counts from the end of the 60 days before roll-over', () => {
    const s = budgetStatus(extended, '2025-07-01', cal, { policy: HANDLING_EXTENSION_POLICY });
    expect(s.originalDue).toBe('2025-08-04');
    expect(s.due).toBe('2025-09-01'); // 08-02 + 30
    expect(s.extended).toEqual({ days: 30, workingDays: 0 });
  });

  it('warns near the end, is overdue the day after', () => {
    expect(budgetStatus(extended, '2025-08-13', cal).state).toBe('normal'); // 19 of 90 days left
    expect(budgetStatus(extended, '2025-08-14', cal).state).toBe('warning'); // 18 of 90 = 20 %
    const near = budgetStatus(extended, '2025-08-25', cal);
    expect(near).toMatchObject({ state: 'warning', remaining: { days: 7, workingDays: 5 } }); // 7/90 ≤ 20 %
    expect(budgetStatus(extended, '2025-08-25', cal, { warning: '3wd' }).state).toBe('normal');
    expect(budgetStatus(extended, '2025-08-28', cal, { warning: '3wd' }).state).toBe('warning'); // 08-29, 09-01 left
    expect(budgetStatus(extended, '2025-09-01', cal, { warning: [] })).toMatchObject({
      state: 'normal',
      remaining: { days: 0, workingDays: 0 },
    });
    expect(budgetStatus(extended, '2025-09-01', cal, { warning: '0d' }).state).toBe('warning');
    expect(budgetStatus(extended, '2025-09-02', cal)).toMatchObject({
      state: 'overdue',
      remaining: { days: -1, workingDays: -1 },
    });
  });

  it('enforces the statutory policy when asked', () => {
    const twice = budget({
      ...extended,
      extensions: [...extended.extensions, { period: 'P10D', reason: '再延', approver: '局长' }],
    });
    expectCode(
      () => budgetStatus(twice, '2025-07-01', cal, { policy: HANDLING_EXTENSION_POLICY }),
      'CAL_ERR_EXTENSION_NOT_ALLOWED',
    );
    expect(budgetStatus(twice, '2025-07-01', cal).due).toBe('2025-09-11'); // without a policy both count: 08-02 + 40 = 09-11
    const tooLong = budget({
      ...handling,
      extensions: [{ period: 'P31D', reason: '情况复杂', approver: '局长' }],
    });
    expectCode(
      () => budgetStatus(tooLong, '2025-07-01', cal, { policy: HANDLING_EXTENSION_POLICY }),
      'CAL_ERR_EXTENSION_NOT_ALLOWED',
    );
    const tooLate = budget({
      ...handling,
      extensions: [{ period: 'P30D', reason: '情况复杂', approver: '局长', at: '2025-08-05' }],
    });
    expectCode(
      () => budgetStatus(tooLate, '2025-08-06', cal, { policy: HANDLING_EXTENSION_POLICY }),
      'CAL_ERR_EXTENSION_NOT_ALLOWED',
    );
    const onDueDay = budget({
      ...handling,
      extensions: [{ period: 'P30D', reason: '情况复杂', approver: '局长', at: '2025-08-04' }],
    });
    expect(budgetStatus(onDueDay, '2025-08-06', cal, { policy: HANDLING_EXTENSION_POLICY }).due).toBe(
      '2025-09-01',
    );
    const otherKind = budget({
      ...handling,
      extensions: [{ period: '5wd', reason: '情况复杂', approver: '局长' }],
    });
    expectCode(
      () => budgetStatus(otherKind, '2025-07-01', cal, { policy: HANDLING_EXTENSION_POLICY }),
      'CAL_ERR_EXTENSION_NOT_ALLOWED',
    );
  });

  it('an extension in working days continues the count in working days', () => {
    const s = budgetStatus(
      budget({
        start: '2025-09-13',
        period: '15d',
        extensions: [{ period: '3wd', reason: 'r', approver: 'a' }],
      }),
      '2025-09-20',
      cal,
    );
    expect(s.originalDue).toBe('2025-09-28'); // a make-up Sunday
    expect(s.due).toBe('2025-10-09'); // 09-29, 09-30, then 10-09 after National Day
    expect(s.extended).toEqual({ days: 0, workingDays: 3 });
  });
});

describe('bad ledgers', () => {
  const ok = { start: '2025-03-03', period: 'P30D' } as const;
  it('gives coded errors', () => {
    expectCode(
      () =>
        budgetStatus(
          budget({ ...ok, pauses: [{ from: '2025-03-12', to: '2025-03-10' }] }),
          '2025-03-20',
          cal,
        ),
      'CAL_ERR_INVALID_PAUSE',
    );
    expectCode(
      () =>
        budgetStatus(
          budget({ ...ok, pauses: [{ from: '2025-03-10' }, { from: '2025-03-12' }] }),
          '2025-03-20',
          cal,
        ),
      'CAL_ERR_INVALID_PAUSE',
    );
    expectCode(
      () =>
        budgetStatus(
          budget({ ...ok, pauses: [{ from: '2025-03-10' }, { from: '2025-03-12', to: '2025-03-13' }] }),
          '2025-03-20',
          cal,
        ),
      'CAL_ERR_INVALID_PAUSE',
    );
    expectCode(
      () => budgetStatus(budget({ ...ok, pauses: [{ from: '03/10/2025' }] }), '2025-03-20', cal),
      'CAL_ERR_INVALID_PAUSE',
    );
    expectCode(
      () =>
        budgetStatus(
          budget({ ...ok, extensions: [{ period: 'P10D', reason: '', approver: 'a' }] }),
          '2025-03-20',
          cal,
        ),
      'CAL_ERR_INVALID_EXTENSION',
    );
    expectCode(
      () =>
        budgetStatus(
          budget({ ...ok, extensions: [{ period: 'P10D', reason: 'r', approver: ' ' }] }),
          '2025-03-20',
          cal,
        ),
      'CAL_ERR_INVALID_EXTENSION',
    );
    expectCode(
      () =>
        budgetStatus(
          budget({ ...ok, extensions: [{ period: '0d', reason: 'r', approver: 'a' }] }),
          '2025-03-20',
          cal,
        ),
      'CAL_ERR_INVALID_EXTENSION',
    );
    expectCode(
      () => budgetStatus(budget({ ...ok, period: '-5d' }), '2025-03-20', cal),
      'CAL_ERR_PERIOD_NOT_POSITIVE',
    );
    expectCode(() => budgetStatus(budget(ok), '2025-13-20', cal), 'CAL_ERR_INVALID_DATE');
    expectCode(
      () => budgetStatus(budget(ok), '2025-03-20', cal, { warning: '120%' }),
      'CAL_ERR_INVALID_THRESHOLD',
    );
    expectCode(
      () => budgetStatus(budget(ok), '2025-03-20', cal, { warning: 'soon' }),
      'CAL_ERR_INVALID_THRESHOLD',
    );
    expectCode(
      () => budgetStatus(budget({ start: '2026-12-01', period: 'P60D' }), '2026-12-02', cal),
      'CAL_ERR_YEAR_NOT_COVERED',
    );
  });
  it('reads thresholds', () => {
    expect(parseThresholds(['20%', '3wd', '5d', '0d'])).toEqual([
      { kind: 'percent', value: 20 },
      { kind: 'working', days: 3 },
      { kind: 'calendar', days: 5 },
      { kind: 'calendar', days: 0 },
    ]);
  });
});

describe('budget properties', () => {
  const FIRST = toEpochDay('2004-01-01');
  const LAST = toEpochDay('2026-08-01');
  const dateArb = fc.integer({ min: FIRST, max: LAST }).map(fromEpochDay);
  const periodArb = fc.oneof(
    fc.integer({ min: 1, max: 60 }).map((n) => `${n}d`),
    fc.integer({ min: 1, max: 20 }).map((n) => `${n}wd`),
  );
  const pauseArb = fc.record({
    offset: fc.integer({ min: -5, max: 60 }),
    length: fc.integer({ min: 0, max: 10 }),
  });

  it('pauses and extensions never bring the due date forward, and a calendar due date is never a rest day', () => {
    fc.assert(
      fc.property(
        dateArb,
        periodArb,
        fc.array(pauseArb, { maxLength: 3 }),
        fc.array(fc.integer({ min: 1, max: 30 }), { maxLength: 2 }),
        (start, period, ps, exts) => {
          const pauses = ps.map((p) => ({
            from: addDays(start, p.offset),
            to: addDays(start, p.offset + p.length),
          }));
          const plain = budgetStatus(budget({ start, period }), start, cal);
          const paused = budgetStatus(budget({ start, period, pauses }), start, cal);
          const both = budgetStatus(
            budget({
              start,
              period,
              pauses,
              extensions: exts.map((n) => ({ period: `${n}d`, reason: 'r', approver: 'a' })),
            }),
            start,
            cal,
          );
          expect(paused.due >= plain.due).toBe(true);
          expect(both.due >= paused.due).toBe(true);
          expect(cal.isRestDay(both.due)).toBe(false);
          expect(plain.due).toBe(plain.originalDue);
        },
      ),
      { numRuns: 60 },
    );
  });

  it('without an open pause, each day that passes takes one day off what remains', () => {
    fc.assert(
      fc.property(dateArb, periodArb, fc.integer({ min: 0, max: 30 }), (start, period, k) => {
        const b = budget({ start, period, pauses: [{ from: addDays(start, 3), to: addDays(start, 5) }] });
        const a = budgetStatus(b, addDays(start, k), cal);
        const next = budgetStatus(b, addDays(start, k + 1), cal);
        expect(next.due).toBe(a.due);
        expect(next.remaining.days).toBe(a.remaining.days - 1);
        if (a.state === 'overdue') expect(next.state).toBe('overdue');
      }),
      { numRuns: 60 },
    );
  });
});
