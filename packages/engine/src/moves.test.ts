import { createCalendar, deadlineCalendar } from '@shidian/calendar';
import { describe, expect, it } from 'vitest';
import { Driver, fixture, user } from './testing.js';
import type { Effect } from './types.js';

const r1 = user('r1', 'registrar');
const v1 = user('v1', 'reviewer');
const v2 = user('v2', 'reviewer');
const l1 = user('l1', 'leader');
const stranger = user('x9', 'clerk');

async function atReview(): Promise<Driver> {
  const d = new Driver(await fixture('approval.bpmn', 'approval')).start({ petitioner: { name: '张三' } });
  d.complete('register', r1, { category: '劳动社保' });
  return d;
}

async function atApprove(): Promise<Driver> {
  const d = await atReview();
  d.complete('review', v1, { opinion: '同意' });
  return d;
}

const codeOf = (r: { ok: boolean; error?: { code: string } }): string | undefined =>
  r.ok ? undefined : r.error?.code;
const audits = (effects: readonly Effect[]): string[] =>
  effects.flatMap((e) => (e.type === 'audit' ? [e.event.type] : []));

describe('claim, unclaim, draft, complete', () => {
  it('given an unclaimed task, when a candidate claims it, then others cannot claim or complete it', async () => {
    const d = await atReview();
    const id = d.task('review').id;
    expect(codeOf(d.try({ type: 'claim', taskId: id, actor: stranger }))).toBe('ENG_ERR_NOT_CANDIDATE');
    d.do({ type: 'claim', taskId: id, actor: v1 });
    expect(d.task('review').assignee).toBe('v1');
    expect(codeOf(d.try({ type: 'claim', taskId: id, actor: v2 }))).toBe('ENG_ERR_ALREADY_CLAIMED');
    expect(codeOf(d.try({ type: 'complete', taskId: id, actor: v2 }))).toBe('ENG_ERR_NOT_ASSIGNEE');
    d.do({ type: 'unclaim', taskId: id, actor: v1 });
    expect(d.task('review').assignee).toBeUndefined();
  });

  it('given a saved draft, when the task is completed, then the draft and the form data are both kept', async () => {
    const d = await atReview();
    const id = d.task('review').id;
    d.do({ type: 'save-draft', taskId: id, actor: v1, variables: { opinion: '初稿' } });
    const upd = d.effects.find((e) => e.type === 'task.updated');
    expect(upd?.type === 'task.updated' && upd.change).toBe('draft');
    d.do({ type: 'complete', taskId: id, actor: v1, variables: { reviewed: true }, comment: '同意受理' });
    expect(d.vars()).toMatchObject({ opinion: '初稿', reviewed: true });
    const audit = d.effects.find((e) => e.type === 'audit');
    expect(audit?.type === 'audit' && audit.event).toMatchObject({
      type: 'complete',
      actor: 'v1',
      comment: '同意受理',
      stage: 'acceptance',
      node: 'review',
    });
  });

  it('given a form payload for another task, when completing, then ENG_ERR_WRONG_FORM or ENG_ERR_FIELD_NOT_EDITABLE and the state is unchanged', async () => {
    const d = await atReview();
    const before = d.s;
    const id = d.task('review').id;
    expect(codeOf(d.try({ type: 'complete', taskId: id, actor: v1, form: 'intake' }))).toBe(
      'ENG_ERR_WRONG_FORM',
    );
    expect(
      codeOf(d.try({ type: 'complete', taskId: id, actor: v1, variables: { petitioner: { name: '李四' } } })),
    ).toBe('ENG_ERR_FIELD_NOT_EDITABLE');
    expect(d.s).toBe(before);
    d.do({ type: 'complete', taskId: id, actor: v1, form: 'review-form', variables: { opinion: 'ok' } });
  });
});

describe('退回 return', () => {
  it('given re-walk mode on review, when review returns to register, then register goes back to its completer and review follows again', async () => {
    const d = await atReview();
    d.do({ type: 'return', taskId: d.task('review').id, target: 'register', actor: v1, comment: '材料不全' });
    expect(d.positions()).toEqual(['register']);
    expect(d.task('register').assignee).toBe('r1');
    expect(audits(d.effects)).toContain('return');
    d.complete('register', r1);
    expect(d.positions()).toEqual(['review']);
  });

  it('given jump-back mode on approve, when approve returns to register, then after register the case jumps straight back to the returner', async () => {
    const d = await atApprove();
    d.do({ type: 'return', taskId: d.task('approve').id, target: 'register', actor: l1 });
    expect(d.positions()).toEqual(['register']);
    d.complete('register', r1);
    expect(d.positions()).toEqual(['approve']);
    expect(d.task('approve').assignee).toBe('l1');
  });

  it('given a target that was never reached, when returning, then ENG_ERR_RETURN_TARGET_NOT_REACHED', async () => {
    const d = await atReview();
    expect(codeOf(d.try({ type: 'return', taskId: d.task('review').id, target: 'approve', actor: v1 }))).toBe(
      'ENG_ERR_RETURN_TARGET_NOT_REACHED',
    );
    expect(codeOf(d.try({ type: 'return', taskId: 'case-1.t999', target: 'register', actor: v1 }))).toBe(
      'ENG_ERR_TASK_NOT_OPEN',
    );
  });
});

describe('驳回 reject', () => {
  it('given review rejects to its preset target, when rejected, then register reopens', async () => {
    const d = await atReview();
    d.do({ type: 'reject', taskId: d.task('review').id, actor: v1, comment: '不符合受理条件' });
    expect(d.positions()).toEqual(['register']);
  });

  it('given approve rejects to an end event, when rejected, then the case ends with no open task', async () => {
    const d = await atApprove();
    d.do({ type: 'reject', taskId: d.task('approve').id, actor: l1 });
    expect(d.s.status).toBe('completed');
    expect(d.s.tasks).toEqual({});
    expect(d.s.budgets).toEqual({});
  });

  it('given a task without a reject target, when rejected, then ENG_ERR_NO_REJECT_TARGET', async () => {
    const d = new Driver(await fixture('approval.bpmn', 'approval')).start();
    expect(codeOf(d.try({ type: 'reject', taskId: d.task('register').id, actor: r1 }))).toBe(
      'ENG_ERR_NO_REJECT_TARGET',
    );
  });
});

describe('撤回 withdraw', () => {
  it('given the next step is untouched, when the completer withdraws, then the step reopens for them and the variables are restored', async () => {
    const d = await atReview();
    d.do({ type: 'withdraw', actor: r1, comment: '填错了' });
    expect(d.positions()).toEqual(['register']);
    expect(d.task('register').assignee).toBe('r1');
    expect(d.vars().category).toBeNull();
    expect(d.effects.some((e) => e.type === 'task.cancelled')).toBe(true);
  });

  it('given the next step was claimed, when withdrawing, then ENG_ERR_WITHDRAW_TOO_LATE', async () => {
    const d = await atReview();
    d.do({ type: 'claim', taskId: d.task('review').id, actor: v1 });
    expect(codeOf(d.try({ type: 'withdraw', actor: r1 }))).toBe('ENG_ERR_WITHDRAW_TOO_LATE');
    expect(codeOf(d.try({ type: 'withdraw', actor: v2 }))).toBe('ENG_ERR_NOTHING_TO_WITHDRAW');
  });
});

describe('转办 transfer, 委派 delegate', () => {
  it('given a claimed task, when transferred, then only the new assignee can complete it', async () => {
    const d = await atReview();
    const id = d.task('review').id;
    d.do({ type: 'claim', taskId: id, actor: v1 });
    d.do({ type: 'transfer', taskId: id, to: 'v2', actor: v1 });
    expect(codeOf(d.try({ type: 'complete', taskId: id, actor: v1 }))).toBe('ENG_ERR_NOT_ASSIGNEE');
    d.do({ type: 'complete', taskId: id, actor: v2 });
    expect(d.positions()).toEqual(['approve']);
  });

  it('given a delegated task, when the delegate resolves it, then it comes back to the owner with the delegate’s draft', async () => {
    const d = await atReview();
    const id = d.task('review').id;
    d.do({ type: 'delegate', taskId: id, to: 'helper', actor: v1 });
    expect(d.task('review')).toMatchObject({ assignee: 'helper', owner: 'v1', delegated: true });
    expect(codeOf(d.try({ type: 'complete', taskId: id, actor: user('helper') }))).toBe(
      'ENG_ERR_TASK_DELEGATED',
    );
    expect(codeOf(d.try({ type: 'resolve', taskId: id, actor: v1 }))).toBe('ENG_ERR_NOT_ASSIGNEE');
    d.do({ type: 'resolve', taskId: id, actor: user('helper'), variables: { finding: '已核实' } });
    expect(d.task('review')).toMatchObject({ assignee: 'v1', draft: { finding: '已核实' } });
    expect(codeOf(d.try({ type: 'resolve', taskId: id, actor: v1 }))).toBe('ENG_ERR_NOT_DELEGATED');
    d.do({ type: 'complete', taskId: id, actor: v1 });
    expect(d.vars().finding).toBe('已核实');
  });
});

describe('加签 add signers, 减签 remove signer (single task)', () => {
  it('given signers added before, when the owner tries to complete first, then ENG_ERR_TASK_HELD until they sign', async () => {
    const d = await atReview();
    const id = d.task('review').id;
    d.do({ type: 'add-signers', taskId: id, users: ['expert'], position: 'before', actor: v1 });
    expect(codeOf(d.try({ type: 'complete', taskId: id, actor: v1 }))).toBe('ENG_ERR_TASK_HELD');
    const expertTask = d.tasks('review').find((t) => t.assignee === 'expert')?.id ?? '';
    d.do({ type: 'complete', taskId: expertTask, actor: user('expert'), comment: '专家意见' });
    expect(d.task('review').held).toBeUndefined();
    d.do({ type: 'complete', taskId: id, actor: v1 });
    expect(d.positions()).toEqual(['approve']);
  });

  it('given a signer added after, when the owner completes, then the added signer gets the step before it moves on', async () => {
    const d = await atReview();
    d.do({
      type: 'add-signers',
      taskId: d.task('review').id,
      users: ['deputy'],
      position: 'after',
      actor: v1,
    });
    d.complete('review', v1);
    expect(d.task('review').assignee).toBe('deputy');
    d.complete('review', user('deputy'));
    expect(d.positions()).toEqual(['approve']);
  });

  it('given a signer added alongside, when removed again (减签), then the owner alone completes the step', async () => {
    const d = await atReview();
    const id = d.task('review').id;
    d.do({ type: 'add-signers', taskId: id, users: ['peer'], position: 'alongside', actor: v1 });
    expect(d.tasks('review')).toHaveLength(2);
    const peer = d.tasks('review').find((t) => t.assignee === 'peer')?.id ?? '';
    d.do({ type: 'remove-signer', taskId: id, signerTaskId: peer, actor: v1 });
    expect(codeOf(d.try({ type: 'remove-signer', taskId: id, signerTaskId: peer, actor: v1 }))).toBe(
      'ENG_ERR_SIGNER_NOT_PENDING',
    );
    d.do({ type: 'complete', taskId: id, actor: v1 });
    expect(d.positions()).toEqual(['approve']);
  });

  it('given a signer queued after, when removed by name, then completing moves on directly', async () => {
    const d = await atReview();
    const id = d.task('review').id;
    d.do({ type: 'add-signers', taskId: id, users: ['deputy'], position: 'after', actor: v1 });
    d.do({ type: 'remove-signer', taskId: id, user: 'deputy', actor: v1 });
    d.do({ type: 'complete', taskId: id, actor: v1 });
    expect(d.positions()).toEqual(['approve']);
  });
});

describe('抄送 CC and 催办 urge', () => {
  it('given a CC to a user and a group, when a recipient reads it, then it is marked read and the task is not blocked', async () => {
    const d = await atReview();
    d.do({ type: 'cc', taskId: d.task('review').id, users: ['boss'], groups: ['office'], actor: v1 });
    const ccId = Object.keys(d.s.cc)[0] ?? '';
    expect(codeOf(d.try({ type: 'read-cc', ccId, actor: stranger }))).toBe('ENG_ERR_NOT_CC_RECIPIENT');
    d.do({ type: 'read-cc', ccId, actor: user('o1', 'office') });
    expect(d.s.cc[ccId]?.readBy).toEqual(['o1']);
    d.complete('review', v1);
    expect(d.positions()).toEqual(['approve']);
  });

  it('given an open task, when urged twice, then the count is kept and audited', async () => {
    const d = await atReview();
    const id = d.task('review').id;
    d.do({ type: 'urge', taskId: id, actor: r1 });
    d.do({ type: 'urge', taskId: id, actor: r1 });
    expect(d.task('review').urged).toBe(2);
    expect(audits(d.effects)).toEqual(['urge']);
  });
});

describe('deadlines, suspension, extension', () => {
  it('given review with 15d and a 20% warning, when the warning and the deadline fire, then the task is escalated to the leader', async () => {
    const d = await atReview();
    const t = d.task('review');
    expect(t.due).toBe('2026-03-17T01:02:00.000Z');
    const timers = Object.values(d.s.timers).sort((a, b) => a.due.localeCompare(b.due));
    expect(timers.map((x) => x.purpose)).toEqual(['warning', 'deadline']);
    d.at(timers[0]?.due ?? '')
      .advance(-60_000)
      .do({ type: 'fire-timer', timerId: timers[0]?.id ?? '' });
    expect(d.effects.some((e) => e.type === 'budget.updated' && e.change === 'warning')).toBe(true);
    d.at(timers[1]?.due ?? '')
      .advance(-60_000)
      .do({ type: 'fire-timer', timerId: timers[1]?.id ?? '' });
    expect(d.task('review').candidateGroups).toEqual(['reviewer', 'leader']);
    expect(audits(d.effects)).toContain('timeout.escalate');
    const escalated = d.effects.find((e) => e.type === 'audit' && e.event.type === 'timeout.escalate');
    expect(escalated?.type === 'audit' && escalated.event.actor).toBe('system');
  });

  it('given a statutory 60-day limit, when extended once by 30 days, then the due date moves and a second extension is refused', async () => {
    const d = await atApprove();
    const before = d.task('approve').due ?? '';
    d.do({
      type: 'extend-deadline',
      taskId: d.task('approve').id,
      period: '30d',
      approver: '局长',
      reason: '情况复杂',
      actor: l1,
    });
    expect(Date.parse(d.task('approve').due ?? '') - Date.parse(before)).toBe(30 * 86_400_000);
    const again = d.try({
      type: 'extend-deadline',
      taskId: d.task('approve').id,
      period: '10d',
      approver: '局长',
      reason: '再延',
      actor: l1,
    });
    expect(codeOf(again)).toBe('ENG_ERR_EXTENSION_LIMIT');
  });

  it('given a suspended case, when resumed two days later, then deadlines move by two days and moves were refused meanwhile', async () => {
    const d = await atReview();
    const due = d.task('review').due ?? '';
    // the day after the budget started (its start day is not counted anyway)
    d.advance(86_400_000).do({ type: 'suspend', reason: '听证', actor: l1 });
    expect(d.s.timers).toEqual({});
    expect(codeOf(d.try({ type: 'complete', taskId: d.task('review').id, actor: v1 }))).toBe(
      'ENG_ERR_SUSPENDED',
    );
    d.advance(2 * 86_400_000 - 120_000).do({ type: 'resume', actor: l1 });
    expect(Date.parse(d.task('review').due ?? '') - Date.parse(due)).toBe(2 * 86_400_000);
    expect(Object.keys(d.s.timers)).toHaveLength(2);
    expect(d.s.budgets[d.task('review').budget ?? '']?.pauses).toHaveLength(1);
  });

  it('given a pilot calendar from @shidian/calendar, when a deadline starts, then its due date comes from that calendar', async () => {
    const calendar = deadlineCalendar(createCalendar());
    const d = new Driver(await fixture('approval.bpmn', 'approval'), { calendar }).start();
    d.complete('register', r1);
    const budget = d.s.budgets[d.task('review').budget ?? ''];
    expect(budget?.approximate).toBeUndefined();
    expect(budget?.due).toBe(calendar.due(budget?.start ?? '', '15d', 'calendar'));
  });

  it('given auto-return and auto-complete timeouts, when they fire, then the system returns and completes with itself as actor', async () => {
    const d = new Driver(await fixture('approval.bpmn', 'timeouts')).start();
    d.complete('t_register', r1);
    const timer = Object.values(d.s.timers)[0];
    d.at(timer?.due ?? '').do({ type: 'fire-timer', timerId: timer?.id ?? '' });
    expect(d.positions()).toEqual(['t_register']);
    expect(d.task('t_register').assignee).toBe('r1');
    d.complete('t_register', r1);
    d.complete('t_auto', v1);
    const t2 = Object.values(d.s.timers)[0];
    d.at(t2?.due ?? '').do({ type: 'fire-timer', timerId: t2?.id ?? '' });
    expect(d.s.status).toBe('completed');
    const done = d.effects.find((e) => e.type === 'task.completed');
    expect(done?.type === 'task.completed' && done.actor).toBe('system');
  });
});

describe('case level and bad input', () => {
  it('given an active case, when cancelled with a reason, then nothing stays open', async () => {
    const d = await atReview();
    d.do({ type: 'cancel', reason: '信访人撤回', actor: l1 });
    expect(d.s).toMatchObject({
      status: 'cancelled',
      endReason: '信访人撤回',
      tokens: {},
      tasks: {},
      timers: {},
    });
    expect(codeOf(d.try({ type: 'urge', taskId: 'x', actor: l1 }))).toBe('ENG_ERR_INSTANCE_ENDED');
  });

  it('given malformed commands, when stepped, then coded errors come back and the state object is the same', async () => {
    const d = await atReview();
    const s = d.s;
    const id = d.task('review').id;
    expect(codeOf(d.try({ type: 'complete', taskId: id } as never))).toBe('ENG_ERR_ACTOR_REQUIRED');
    expect(codeOf(d.try({ type: 'complete', taskId: id, actor: v1, variables: [1, 2] } as never))).toBe(
      'ENG_ERR_BAD_VARIABLES',
    );
    expect(codeOf(d.try({ type: 'explode' } as never))).toBe('ENG_ERR_UNKNOWN_COMMAND');
    expect(codeOf(d.try(null as never))).toBe('ENG_ERR_BAD_COMMAND');
    expect(codeOf(d.try({ type: 'start', instanceId: 'again' }))).toBe('ENG_ERR_ALREADY_STARTED');
    expect(
      codeOf(d.try({ type: 'add-signers', taskId: id, users: [], position: 'sideways', actor: v1 } as never)),
    ).toBe('ENG_ERR_BAD_SIGNERS');
    expect(codeOf(d.try({ type: 'fire-timer', timerId: 'nope' }))).toBe('ENG_ERR_TIMER_NOT_FOUND');
    expect(codeOf(d.try({ type: 'retry-incident', incidentId: 'nope', actor: l1 }))).toBe(
      'ENG_ERR_INCIDENT_NOT_FOUND',
    );
    expect(d.s).toBe(s);
  });
});

describe('isCandidate', () => {
  const base = { id: 't', node: 'n', token: 'k', createdAt: '2026-01-01T00:00:00Z', role: 'main' as const };
  it('given groups and units, when the actor has the group but not the unit, then it is not a candidate', async () => {
    const { isCandidate } = await import('./moves.js');
    const task = { ...base, candidateGroups: ['handler'], candidateUnits: ['town-1'] };
    expect(isCandidate(task, { id: 'a', groups: ['handler'], units: ['town-2'] })).toBe(false);
    expect(isCandidate(task, { id: 'a', groups: ['handler'], units: ['town-1'] })).toBe(true);
    expect(isCandidate({ ...task, candidateUnits: ['$case'] }, { id: 'a', groups: ['handler'] })).toBe(true);
    expect(isCandidate({ ...base }, { id: 'anyone' })).toBe(true);
  });
});

describe('a budget shared by several steps (approval.bpmn#shared)', () => {
  it('given two steps under the 60-day handling budget, when the first completes, then the second inherits the same due date and budget', async () => {
    const h = user('h1', 'handler');
    const d = new Driver(await fixture('approval.bpmn', 'shared')).start();
    const first = d.task('s_investigate');
    expect(first.budget).toBeDefined();
    d.advance(10 * 86_400_000).complete('s_investigate', h);
    const second = d.task('s_decide');
    expect(second.budget).toBe(first.budget);
    expect(second.due).toBe(first.due);
    expect(Object.keys(d.s.budgets)).toHaveLength(1);
    d.complete('s_decide', h);
    expect(d.s.budgets).toEqual({});
  });
});
