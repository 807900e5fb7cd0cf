import { createCalendar, deadlineCalendar, type YearData } from '@shidian/calendar';
import { describe, expect, it } from 'vitest';
import { step } from './step.js';
import { Driver, fixture, user } from './testing.js';
import type { Effect } from './types.js';

const r1 = user('r1', 'registrar');
const v1 = user('v1', 'reviewer');
// 2026-11-22 10:00 Beijing time: the 60-day handling period ends on 2027-01-21, a provisional year
const TODAY = '2026-11-22T02:00:00.000Z';
const LATER = '2026-12-10T02:00:00.000Z';

/**
 * INVENTED TEST FIXTURE, not the State Council's real 2027 schedule: it makes 2027-01-21 and
 * 2027-01-22 (Thursday, Friday) rest days so that the 60-day due date must move to Monday 2027-01-25.
 */
const INVENTED_2027: YearData = {
  year: 2027,
  restDays: [{ from: '2027-01-21', to: '2027-01-22', name: '测试假日（虚构）', nameEn: 'test holiday (invented)' }],
  workdays: [],
  source: 'invented test fixture',
};

const ofType = <T extends Effect['type']>(effects: readonly Effect[], type: T) =>
  effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);

async function provisionalCase(): Promise<Driver> {
  const calendar = deadlineCalendar(createCalendar({ uncoveredYears: 'provisional' }));
  const d = new Driver(await fixture('approval.bpmn', 'approval'), { calendar }, TODAY).start();
  d.complete('register', r1, { category: '劳动社保' });
  d.complete('review', v1, { opinion: '同意' });
  return d;
}

describe('recompute-deadlines', () => {
  it('given a provisional budget, when recomputed with the 2027 schedule loaded, then due, timers and tasks move and the flag goes', async () => {
    // Given a case whose 60-day budget was computed provisionally (due 2027-01-21)
    const d = await provisionalCase();
    const budgetId = d.task('approve').budget ?? '';
    expect(d.s.budgets[budgetId]).toMatchObject({ due: '2027-01-21T16:00:00.000Z', provisional: true });
    // When the system recomputes with a calendar that has 2027 data
    const official = deadlineCalendar(createCalendar({ extraYears: [INVENTED_2027] }));
    const r = step(d.graph, d.s, { type: 'recompute-deadlines' }, LATER, { calendar: official });
    // Then the due date is the Monday after the invented rest days, without the provisional flag
    if (!r.ok) throw new Error(r.error.code);
    const budget = r.state.budgets[budgetId];
    expect(budget?.due).toBe('2027-01-25T16:00:00.000Z');
    expect(budget?.provisional).toBeUndefined();
    expect(budget?.provisionalYears).toBeUndefined();
    // and the deadline timer is rescheduled, the task updated, the change audited by the system
    const timers = Object.values(r.state.timers).filter((t) => t.budget === budgetId && t.purpose === 'deadline');
    expect(timers.map((t) => t.due)).toEqual(['2027-01-25T16:00:00.000Z']);
    const task = Object.values(r.state.tasks).find((t) => t.node === 'approve');
    expect(task?.due).toBe('2027-01-25T16:00:00.000Z');
    expect(ofType(r.effects, 'budget.updated').map((e) => e.change)).toEqual(['recomputed']);
    const updated = ofType(r.effects, 'task.updated');
    expect(updated).toHaveLength(1);
    expect(updated[0]?.task.provisional).toBeUndefined();
    const audit = ofType(r.effects, 'audit').map((e) => e.event);
    expect(audit).toMatchObject([
      {
        type: 'recompute-deadlines',
        actor: 'system',
        details: {
          budgets: [
            { budgetId, from: '2027-01-21T16:00:00.000Z', due: '2027-01-25T16:00:00.000Z', provisional: false },
          ],
        },
      },
    ]);
  });

  it('given the calendar is still provisional, when recomputed, then the due date stays and the flag remains', async () => {
    const d = await provisionalCase();
    const budgetId = d.task('approve').budget ?? '';
    const still = deadlineCalendar(createCalendar({ uncoveredYears: 'provisional' }));
    const r = step(d.graph, d.s, { type: 'recompute-deadlines' }, LATER, { calendar: still });
    if (!r.ok) throw new Error(r.error.code);
    expect(r.state.budgets[budgetId]).toMatchObject({
      due: '2027-01-21T16:00:00.000Z',
      provisional: true,
      provisionalYears: [2027],
    });
  });

  it('given no provisional budget, when recomputed, then no budget changes', async () => {
    const calendar = deadlineCalendar(createCalendar({ uncoveredYears: 'provisional' }));
    const d = new Driver(await fixture('approval.bpmn', 'approval'), { calendar }, TODAY).start();
    d.complete('register', r1);
    const before = JSON.stringify(d.s.budgets);
    const r = step(d.graph, d.s, { type: 'recompute-deadlines' }, LATER, { calendar });
    if (!r.ok) throw new Error(r.error.code);
    expect(JSON.stringify(r.state.budgets)).toBe(before);
    expect(ofType(r.effects, 'budget.updated')).toHaveLength(0);
  });
});
