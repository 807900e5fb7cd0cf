import { createCalendar, deadlineCalendar } from '@shidian/calendar';
import { describe, expect, it } from 'vitest';
import { Driver, fixture, user } from './testing.js';
import type { DeadlineCalendar, Effect, StepContext } from './types.js';

const r1 = user('r1', 'registrar');
const v1 = user('v1', 'reviewer');
// 2026-11-22 10:00 Beijing time: a 60-day handling period ends in 2027, which chinese-days 1.5.7 does not cover
const TODAY = '2026-11-22T02:00:00.000Z';

async function toApprove(ctx: StepContext): Promise<Driver> {
  const d = new Driver(await fixture('approval.bpmn', 'approval'), ctx, TODAY).start();
  d.complete('register', r1, { category: '劳动社保' });
  d.complete('review', v1, { opinion: '同意' });
  return d;
}

const ofType = <T extends Effect['type']>(effects: readonly Effect[], type: T) =>
  effects.filter((e): e is Extract<Effect, { type: T }> => e.type === type);

describe('deadlines computed with a provisional holiday schedule', () => {
  it('given the strict national calendar, when the 60-day budget reaches 2027, then it is an incident', async () => {
    const d = await toApprove({ calendar: deadlineCalendar(createCalendar()) });
    const incidents = ofType(d.effects, 'incident.raised');
    expect(incidents.map((e) => e.incident.code)).toEqual(['ENG_ERR_BAD_DEADLINE']);
  });

  it('given a provisional calendar, when the 60-day budget starts, then budget, task and timer say provisional', async () => {
    // Given a calendar that answers 2027 provisionally
    const calendar = deadlineCalendar(createCalendar({ uncoveredYears: 'provisional' }));
    // When the approval step with its 60-day statutory budget is entered
    const d = await toApprove({ calendar });
    // Then the budget carries the due date and the provisional flag with the years it depends on
    const task = d.task('approve');
    const budget = d.s.budgets[task.budget ?? ''];
    expect(budget).toMatchObject({
      due: '2027-01-21T16:00:00.000Z',
      provisional: true,
      provisionalYears: [2027],
    });
    expect(budget?.approximate).toBeUndefined();
    // and so do the effects the store and the task list read
    const started = ofType(d.effects, 'budget.updated').find((e) => e.change === 'started');
    expect(started?.budget).toMatchObject({ provisional: true, provisionalYears: [2027] });
    const created = ofType(d.effects, 'task.created').find((e) => e.task.node === 'approve');
    expect(created?.task).toMatchObject({ due: '2027-01-21T16:00:00.000Z', provisional: true });
    const timers = ofType(d.effects, 'timer.scheduled').filter((e) => e.purpose === 'deadline');
    expect(timers).toHaveLength(1);
    expect(timers[0]).toMatchObject({ due: '2027-01-21T16:00:00.000Z', provisional: true });
  });

  it('given a provisional calendar, when a budget stays in a covered year, then nothing is flagged', async () => {
    const calendar = deadlineCalendar(createCalendar({ uncoveredYears: 'provisional' }));
    const d = new Driver(await fixture('approval.bpmn', 'approval'), { calendar }, TODAY).start();
    d.complete('register', r1);
    // the 15-day review budget ends on 2026-12-07
    const budget = d.s.budgets[d.task('review').budget ?? ''];
    expect(budget?.due).toBe('2026-12-07T16:00:00.000Z');
    expect(budget !== undefined && 'provisional' in budget).toBe(false);
    for (const e of d.effects) {
      if (e.type === 'task.created') expect('provisional' in e.task).toBe(false);
      if (e.type === 'timer.scheduled') expect('provisional' in e).toBe(false);
    }
  });

  it('given a calendar without dueDetailed, when a budget starts, then the engine uses due() and adds no flag', async () => {
    const inner = deadlineCalendar(createCalendar({ uncoveredYears: 'provisional' }));
    const plain: DeadlineCalendar = { due: (s, p, k) => inner.due(s, p, k) };
    const d = await toApprove({ calendar: plain });
    const budget = d.s.budgets[d.task('approve').budget ?? ''];
    expect(budget?.due).toBe('2027-01-21T16:00:00.000Z');
    expect(budget?.provisional).toBeUndefined();
  });
});
