/**
 * Deadline budgets with the real national calendar (2026: 中秋 9-25…9-27, 国庆 10-1…10-7, make-up
 * workdays Sunday 9-20 and Saturday 10-10). Instants are UTC; 10:00 Beijing is 02:00Z and the end of
 * a due day (24:00 Beijing) is 16:00Z of that day. Every expected due date is also checked against
 * `budgetStatus` of `@shidian/calendar` over the same ledger.
 */
import { budgetStatus, createCalendar, deadlineCalendar, type Pause } from '@shidian/calendar';
import { describe, expect, it } from 'vitest';
import { Driver, fixture, user } from './testing.js';
import type { Budget, Effect, StepResult, TaskView } from './types.js';

const cal = createCalendar();
const calendar = deadlineCalendar(cal);
const endOf = (day: string): string => `${day}T16:00:00.000Z`;
const at10 = (day: string): string => `${day}T02:00:00.000Z`;
const h1 = user('h1', 'handler');
const lead = user('l1', 'leader');
const rv = user('v1', 'reviewer');

/** The due date `budgetStatus` gives for the ledger. */
function statusDue(start: string, period: string, pauses: Pause[] = [], ext: string[] = []): string {
  const extensions = ext.map((p) => ({ period: p, reason: '情况复杂', approver: '局长' }));
  return endOf(budgetStatus({ start, period, pauses, extensions }, start, cal).due);
}

const views = (effects: readonly Effect[], change?: string): TaskView[] =>
  effects.flatMap((e) =>
    e.type === 'task.created' && change === undefined
      ? [e.task]
      : e.type === 'task.updated' && e.change === change
        ? [e.task]
        : [],
  );
const audits = (effects: readonly Effect[]) => effects.flatMap((e) => (e.type === 'audit' ? [e.event] : []));
const codeOf = (r: StepResult): string | undefined => (r.ok ? undefined : r.error.code);

async function handling(start = '2026-09-24'): Promise<Driver> {
  return new Driver(await fixture('deadlines.bpmn', 'handling'), { calendar }, at10(start)).start();
}
const budgetNamed = (d: Driver, name: string): Budget => {
  const b = Object.values(d.s.budgets).find((x) => x.name === name);
  if (b === undefined) throw new Error(`no budget ${name}`);
  return b;
};
const timersOf = (d: Driver, b: Budget) =>
  Object.values(d.s.timers)
    .filter((t) => t.budget === b.id)
    .map((t) => [t.purpose, t.due])
    .sort();

describe('a named budget shared by several steps (deadlines.bpmn#handling)', () => {
  it('given the 60-day handling budget, when each step of it is created, then it carries the budget, its due date and its state', async () => {
    const d = await handling();
    const b = budgetNamed(d, 'handling');
    // 60 days from 9-24 end on Monday 11-23
    expect(b.due).toBe(endOf('2026-11-23'));
    expect(b.due).toBe(statusDue('2026-09-24', 'P60D'));
    expect(views(d.effects)).toMatchObject([
      { node: 'investigate', budget: b.id, due: b.due, deadlineState: 'normal' },
    ]);
    d.at(at10('2026-10-20')).complete('investigate', h1, { hearingNeeded: false });
    expect(views(d.effects)).toMatchObject([
      { node: 'draft', budget: b.id, due: b.due, deadlineState: 'normal' },
    ]);
    expect(Object.keys(d.s.budgets)).toEqual([b.id]);
  });

  it('given a step of the budget is open, when the warning and then the deadline fire, then they act on that step with the system as actor', async () => {
    const d = await handling();
    d.at(at10('2026-10-20')).complete('investigate', h1);
    const b = budgetNamed(d, 'handling');
    expect(timersOf(d, b)).toEqual([
      ['deadline', endOf('2026-11-23')],
      ['warning', endOf('2026-11-12')],
    ]);
    const warning = Object.values(d.s.timers).find((t) => t.purpose === 'warning');
    d.at(warning?.due ?? '').do({ type: 'fire-timer', timerId: warning?.id ?? '' });
    expect(views(d.effects, 'deadline-state')).toMatchObject([{ node: 'draft', deadlineState: 'warning' }]);
    expect(d.effects).toContainEqual(
      expect.objectContaining({ type: 'notice.requested', template: 'deadline.warning', node: 'draft' }),
    );
    const deadline = Object.values(d.s.timers).find((t) => t.purpose === 'deadline');
    d.at(deadline?.due ?? '').do({ type: 'fire-timer', timerId: deadline?.id ?? '' });
    expect(d.task('draft').candidateGroups).toEqual(['handler', 'supervisor']);
    expect(views(d.effects, 'escalated')).toMatchObject([{ node: 'draft', deadlineState: 'overdue' }]);
    expect(audits(d.effects).find((a) => a.type === 'timeout.escalate')?.actor).toBe('system');
    // a later step of the overdue budget is created overdue, already escalated
    d.complete('draft', h1);
    expect(views(d.effects)).toMatchObject([
      { node: 'signoff', deadlineState: 'overdue', candidateGroups: ['leader', 'supervisor'] },
    ]);
  });

  it('given the last step of the budget, when it completes, then the budget closes and its timers go', async () => {
    const d = await handling();
    const b = budgetNamed(d, 'handling');
    d.complete('investigate', h1);
    expect(d.s.budgets[b.id]).toBeDefined();
    d.complete('draft', h1);
    d.complete('signoff', lead);
    expect(d.effects).toContainEqual(
      expect.objectContaining({
        type: 'budget.updated',
        change: 'closed',
        budget: expect.objectContaining({ id: b.id }),
      }),
    );
    expect(d.s.budgets[b.id]).toBeUndefined();
    expect(Object.values(d.s.timers).filter((t) => t.budget === b.id)).toEqual([]);
    // the evaluation has its own 30-day budget
    expect(Object.values(d.s.budgets).map((x) => x.node)).toEqual(['evaluate']);
  });

  it('given the budget closed after sign-off, when the sign-off is withdrawn (撤回), then the same budget reopens with its start and due date', async () => {
    const d = await handling();
    const b = budgetNamed(d, 'handling');
    d.complete('investigate', h1).complete('draft', h1).complete('signoff', lead);
    expect(d.s.budgets[b.id]).toBeUndefined();
    d.do({ type: 'withdraw', actor: lead });
    expect(d.effects).toContainEqual(expect.objectContaining({ type: 'budget.updated', change: 'reopened' }));
    expect(d.task('signoff')).toMatchObject({ budget: b.id, due: endOf('2026-11-23') });
    expect(budgetNamed(d, 'handling').start).toBe(b.start);
    expect(timersOf(d, b).map(([purpose]) => purpose)).toEqual(['deadline', 'warning']);
    expect(d.s.closedBudgets).toBeUndefined();
  });

  it('given a step of the budget is waiting for the hearing, when a gateway leads away from it, then the budget stays open (its steps can still be reached)', async () => {
    const d = await handling();
    d.complete('investigate', h1, { hearingNeeded: true });
    expect(d.positions()).toEqual(['hearing']);
    expect(budgetNamed(d, 'handling').pausedAt).toBeUndefined();
  });
});

describe('extension of a budget (extend-deadline)', () => {
  it('given 60 days ending on 11-23, when extended by 30 days, then the due date is 12-23 (counted from the end of the 60th day)', async () => {
    const d = await handling('2026-09-24');
    d.at(at10('2026-11-10')).do({
      type: 'extend-deadline',
      taskId: d.task('investigate').id,
      period: '30d',
      approver: '王某',
      reason: '需要委托司法鉴定',
      actor: lead,
    });
    expect(d.task('investigate').due).toBe(endOf('2026-12-23'));
    expect(d.task('investigate').due).toBe(statusDue('2026-09-24', 'P60D', [], ['P30D']));
    expect(views(d.effects, 'due-changed')).toMatchObject([{ due: endOf('2026-12-23') }]);
    const b = budgetNamed(d, 'handling');
    expect(timersOf(d, b)).toEqual([
      ['deadline', endOf('2026-12-23')],
      ['warning', endOf('2026-12-12')],
    ]);
  });

  it('given 60 days whose 60th day is a Sunday (rolled to Monday 11-23), when extended by 30 days, then the extension counts from the Sunday: 12-22', async () => {
    const d = await handling('2026-09-23');
    expect(d.task('investigate').due).toBe(endOf('2026-11-23'));
    d.do({
      type: 'extend-deadline',
      budgetId: budgetNamed(d, 'handling').id,
      period: '30d',
      approver: '王某',
      reason: '复杂',
      actor: lead,
    });
    expect(d.task('investigate').due).toBe(endOf('2026-12-22'));
    expect(d.task('investigate').due).toBe(statusDue('2026-09-23', 'P60D', [], ['P30D']));
  });
});

describe('limits of an extension of a statutory budget (信访工作条例: once, ≤ 30 days, before the period ends)', () => {
  const extend = (d: Driver, period: string) =>
    d.try({
      type: 'extend-deadline',
      budgetId: budgetNamed(d, 'handling').id,
      period,
      approver: '王某',
      reason: '情况复杂',
      actor: lead,
    });

  it('given the 60-day handling budget, when an extension of 31 days is asked, then it is refused and the due date stays', async () => {
    const d = await handling('2026-09-24');
    expect(codeOf(extend(d, '31d'))).toBe('ENG_ERR_EXTENSION_TOO_LONG');
    expect(budgetNamed(d, 'handling').due).toBe(endOf('2026-11-23'));
    expect(budgetNamed(d, 'handling').extensions).toBeUndefined();
  });

  it('given the 60-day handling budget, when 25 working days are asked (more than 30 calendar days), then it is refused', async () => {
    const d = await handling('2026-09-24');
    expect(codeOf(extend(d, '25wd'))).toBe('ENG_ERR_EXTENSION_TOO_LONG');
    expect(budgetNamed(d, 'handling').due).toBe(endOf('2026-11-23'));
    // 20 working days from Sunday 11-22 end on 12-18 (26 calendar days after 11-22): allowed
    expect(extend(d, '20wd').ok).toBe(true);
  });

  it('given 60 days from 09-27 (due 11-26), when extended by 30 days ending on Saturday 12-26, then the roll-over to Monday 12-28 is accepted', async () => {
    const d = await handling('2026-09-27');
    expect(budgetNamed(d, 'handling').due).toBe(endOf('2026-11-26'));
    expect(extend(d, '30d').ok).toBe(true);
    expect(budgetNamed(d, 'handling').due).toBe(endOf('2026-12-28'));
    expect(budgetNamed(d, 'handling').due).toBe(statusDue('2026-09-27', 'P60D', [], ['P30D']));
  });

  it('given an internal budget (basis="internal"), when extended by 31 days and again by 20, then neither limit applies', async () => {
    const d = await handling('2026-09-24');
    d.complete('investigate', h1);
    d.complete('draft', h1);
    d.complete('signoff', lead);
    const taskId = d.task('evaluate').id;
    const ext = {
      type: 'extend-deadline',
      taskId,
      period: '45d',
      approver: '主任',
      reason: '回访',
      actor: lead,
    } as const;
    expect(codeOf(d.try({ ...ext, period: '31d' }))).toBeUndefined();
    expect(codeOf(d.try({ ...ext, period: '20d' }))).toBeUndefined();
    expect(d.s.budgets[d.task('evaluate').budget ?? '']?.extensions).toHaveLength(2);
  });

  it('given a budget due at the end of 11-23, when the extension is approved on 11-23, then it is accepted', async () => {
    const d = await handling('2026-09-24');
    d.at(at10('2026-11-23'));
    expect(extend(d, '30d').ok).toBe(true);
    expect(budgetNamed(d, 'handling').due).toBe(endOf('2026-12-23'));
  });

  it('given a budget due at the end of 11-23, when the extension is asked on 11-24, then it is refused: an expired period cannot be extended', async () => {
    const d = await handling('2026-09-24');
    d.at(at10('2026-11-24'));
    expect(codeOf(extend(d, '30d'))).toBe('ENG_ERR_EXTENSION_TOO_LATE');
    expect(budgetNamed(d, 'handling').extensions).toBeUndefined();
  });

  it('given a paused budget whose due date passed but that the open pause will move, when extended, then it is accepted', async () => {
    const d = await handling('2026-09-24');
    d.at(at10('2026-11-20')).do({ type: 'pause-deadline', budget: 'handling', reason: '听证', actor: lead });
    // 11-20 … 11-24 paused: the period would now end on 11-27
    d.at(at10('2026-11-25'));
    expect(extend(d, '30d').ok).toBe(true);
  });
});

describe('pausing one budget while the case goes on (pause-deadline / resume-deadline)', () => {
  it('given a 60-day budget, when paused on 10-12 and resumed on 10-15, then 3 days are not counted and the timers come back moved', async () => {
    const d = await handling();
    const b = budgetNamed(d, 'handling');
    d.at(at10('2026-10-12')).do({ type: 'pause-deadline', budget: 'handling', reason: '听证', actor: h1 });
    expect(timersOf(d, b)).toEqual([]);
    expect(views(d.effects, 'deadline-state')).toMatchObject([
      { node: 'investigate', deadlineState: 'paused' },
    ]);
    expect(audits(d.effects).map((a) => [a.type, a.details])).toEqual([
      ['pause-deadline', { budgetId: b.id, reason: '听证' }],
    ]);
    // the case goes on meanwhile
    expect(codeOf(d.try({ type: 'pause-deadline', budget: b.id, reason: '再停', actor: h1 }))).toBe(
      'ENG_ERR_BUDGET_PAUSED',
    );
    d.at(at10('2026-10-15')).do({ type: 'resume-deadline', taskId: d.task('investigate').id, actor: h1 });
    const after = budgetNamed(d, 'handling');
    expect(after.due).toBe(endOf('2026-11-26'));
    expect(after.due).toBe(statusDue('2026-09-24', 'P60D', [{ from: '2026-10-12', to: '2026-10-14' }]));
    expect(after.pauses).toEqual([
      {
        from: '2026-10-12T02:01:00.000Z',
        to: '2026-10-15T02:01:00.000Z',
        reason: '听证',
        actor: 'h1',
        days: 3,
      },
    ]);
    expect(d.task('investigate').due).toBe(after.due);
    expect(timersOf(d, after)).toEqual([
      ['deadline', endOf('2026-11-26')],
      ['warning', endOf('2026-11-15')],
    ]);
    expect(audits(d.effects).find((a) => a.type === 'resume-deadline')?.details).toEqual({
      budgetId: b.id,
      days: 3,
      due: endOf('2026-11-26'),
    });
  });

  it('given bad references, when pausing or resuming, then coded refusals come back', async () => {
    const d = await handling();
    expect(codeOf(d.try({ type: 'pause-deadline', budget: 'nope', reason: 'x', actor: h1 }))).toBe(
      'ENG_ERR_BUDGET_NOT_FOUND',
    );
    expect(codeOf(d.try({ type: 'pause-deadline', reason: 'x', actor: h1 } as never))).toBe(
      'ENG_ERR_BAD_COMMAND',
    );
    expect(codeOf(d.try({ type: 'resume-deadline', budget: 'handling', actor: h1 }))).toBe(
      'ENG_ERR_BUDGET_NOT_PAUSED',
    );
    expect(codeOf(d.try({ type: 'pause-deadline', budget: 'handling', reason: 'x' } as never))).toBe(
      'ENG_ERR_ACTOR_REQUIRED',
    );
  });

  it('given the 复核 30 days with case.pauseDeadline / case.resumeDeadline around the hearing, when the hearing takes 11-25…11-27, then the decision is due 3 days later', async () => {
    const d = new Driver(
      await fixture('deadlines.bpmn', 're-review'),
      { calendar },
      at10('2026-11-20'),
    ).start();
    // 30 days from 11-20 end on Sunday 12-20: rolled to Monday 12-21
    expect(d.task('r_investigate').due).toBe(endOf('2026-12-21'));
    d.at(at10('2026-11-25')).complete('r_investigate', rv);
    const b = budgetNamed(d, 're-review');
    expect(b.pausedAt).toBe('2026-11-25T02:01:00.000Z');
    expect(timersOf(d, b)).toEqual([]);
    d.at(at10('2026-11-28')).complete('r_hearing', rv);
    const after = budgetNamed(d, 're-review');
    expect(after.pauses).toMatchObject([{ reason: '听证', days: 3 }]);
    expect(d.task('r_decide').due).toBe(endOf('2026-12-23'));
    expect(d.task('r_decide').due).toBe(
      statusDue('2026-11-20', 'P30D', [{ from: '2026-11-25', to: '2026-11-27' }]),
    );
    expect(audits(d.effects).find((a) => a.type === 'resume-deadline')?.actor).toBe('system');
  });

  it('given the reference handling model (only case.resumeDeadline after the hearing), when the hearing runs 10-20…10-26, then the time since investigate completed is not counted', async () => {
    const d = await handling();
    d.at(at10('2026-10-20')).complete('investigate', h1, { hearingNeeded: true });
    d.at(at10('2026-10-26')).complete('hearing', h1);
    const b = budgetNamed(d, 'handling');
    // 6 days (10-20…10-25): 60 + 6 days from 9-24 = Sunday 11-29 → Monday 11-30
    expect(b.pauses).toMatchObject([{ reason: '听证（暂停计时）', days: 6 }]);
    expect(d.task('draft').due).toBe(endOf('2026-11-30'));
    expect(d.task('draft').due).toBe(
      statusDue('2026-09-24', 'P60D', [{ from: '2026-10-20', to: '2026-10-25' }]),
    );
  });
});

describe('working-day budgets, case suspension, sub-process budgets (deadlines.bpmn#working)', () => {
  const working = async (): Promise<Driver> =>
    new Driver(await fixture('deadlines.bpmn', 'working'), { calendar }, at10('2026-09-28')).start();

  it('given 10 working days from 9-28, when the case is suspended 9-30 and resumed 10-9, then only the 2 paused working days are added (not 9 elapsed days)', async () => {
    const d = await working();
    // 9-29, 9-30, 10-8, 10-9, Saturday 10-10 (make-up), 10-12 … 10-16
    expect(d.task('w_first').due).toBe(endOf('2026-10-16'));
    expect(d.task('w_first').due).toBe(statusDue('2026-09-28', 'P10WD'));
    d.at(at10('2026-09-30')).do({ type: 'suspend', reason: '听证', actor: lead });
    expect(d.s.timers).toEqual({});
    expect(codeOf(d.try({ type: 'resume-deadline', budget: 'simple', actor: lead }))).toBe(
      'ENG_ERR_SUSPENDED',
    );
    d.at(at10('2026-10-09')).do({ type: 'resume', actor: lead });
    const b = budgetNamed(d, 'simple');
    expect(b.pauses).toMatchObject([{ days: 2, reason: '听证' }]);
    expect(d.task('w_first').due).toBe(endOf('2026-10-20'));
    expect(d.task('w_first').due).toBe(
      statusDue('2026-09-28', 'P10WD', [{ from: '2026-09-30', to: '2026-10-08' }]),
    );
    expect(timersOf(d, b)).toEqual([['deadline', endOf('2026-10-20')]]);
  });

  it('given auto-complete on a shared working-day budget, when it runs out, then the open step is completed by the system and the next one is created overdue', async () => {
    const d = await working();
    const timer = Object.values(d.s.timers)[0];
    d.at(timer?.due ?? '').do({ type: 'fire-timer', timerId: timer?.id ?? '' });
    expect(d.effects).toContainEqual(
      expect.objectContaining({ type: 'task.completed', node: 'w_first', actor: 'system' }),
    );
    expect(views(d.effects)).toMatchObject([{ node: 'w_second', deadlineState: 'overdue' }]);
    d.complete('w_second', h1);
    expect(Object.values(d.s.budgets).map((b) => b.name)).toEqual(['joint']);
  });

  it('given a named budget on a sub-process, when it runs out, then the tasks inside are reminded, and it closes with the sub-process', async () => {
    const d = await working();
    d.complete('w_first', h1).complete('w_second', h1);
    const joint = budgetNamed(d, 'joint');
    expect(joint.scope).toBe('s0');
    const t = Object.values(d.s.timers).find((x) => x.budget === joint.id);
    d.at(t?.due ?? '').do({ type: 'fire-timer', timerId: t?.id ?? '' });
    expect(views(d.effects, 'urged')).toMatchObject([{ node: 'ws_check' }]);
    expect(d.effects).toContainEqual(
      expect.objectContaining({ type: 'notice.requested', template: 'deadline.overdue', node: 'ws_check' }),
    );
    d.complete('ws_check', user('x', 'dept'));
    expect(d.s.status).toBe('completed');
    expect(d.s.budgets).toEqual({});
  });
});
