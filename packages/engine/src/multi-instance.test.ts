import { describe, expect, it } from 'vitest';
import { Driver, fixture, user } from './testing.js';

const zhang = user('zhang');
const li = user('li');
const wang = user('wang');
const zhao = user('zhao');
const chen = user('chen');
const signers = ['zhang', 'li', 'wang'];

async function startMi(id: string, list: string[] = signers): Promise<Driver> {
  return new Driver(await fixture('multi-instance.bpmn', id)).start({ signers: list });
}

const assignees = (d: Driver, node: string): string[] =>
  d
    .tasks(node)
    .map((t) => t.assignee ?? '')
    .sort();

const taskOf = (d: Driver, node: string, who: string): string =>
  d.tasks(node).find((t) => t.assignee === who)?.id ?? '';

describe('会签 all (multi-instance.bpmn#all)', () => {
  it('given three signers, when all approve, then the result is approved and opinions are collected in order', async () => {
    const d = await startMi('all');
    expect(assignees(d, 'all_sign')).toEqual(['li', 'wang', 'zhang']);
    d.do({
      type: 'complete',
      taskId: taskOf(d, 'all_sign', 'li'),
      actor: li,
      variables: { opinion: 'B' },
      outcome: 'approve',
    });
    d.do({
      type: 'complete',
      taskId: taskOf(d, 'all_sign', 'zhang'),
      actor: zhang,
      variables: { opinion: 'A' },
      outcome: 'approve',
    });
    expect(d.positions()).toEqual(['all_sign', 'all_sign']);
    d.do({
      type: 'complete',
      taskId: taskOf(d, 'all_sign', 'wang'),
      actor: wang,
      variables: { opinion: 'C' },
      outcome: 'approve',
    });
    expect(d.positions()).toEqual(['all_passed']);
    expect(d.vars().opinions).toEqual(['A', 'B', 'C']);
    expect(d.vars().approvalResult).toBe('approved');
  });

  it('given one rejection, when all have signed, then the result is rejected', async () => {
    const d = await startMi('all');
    for (const [who, a] of [
      ['zhang', zhang],
      ['li', li],
      ['wang', wang],
    ] as const) {
      d.do({
        type: 'complete',
        taskId: taskOf(d, 'all_sign', who),
        actor: a,
        outcome: who === 'li' ? 'reject' : 'approve',
      });
    }
    expect(d.positions()).toEqual(['all_failed']);
  });

  it('given a signer who is not the assignee, when completing, then ENG_ERR_NOT_ASSIGNEE', async () => {
    const d = await startMi('all');
    const r = d.try({ type: 'complete', taskId: taskOf(d, 'all_sign', 'li'), actor: zhang });
    expect(r.ok === false && r.error.code).toBe('ENG_ERR_NOT_ASSIGNEE');
  });
});

describe('或签 any (multi-instance.bpmn#any)', () => {
  it('given three signers, when the first one signs, then the others are cancelled', async () => {
    const d = await startMi('any');
    d.do({ type: 'complete', taskId: taskOf(d, 'any_sign', 'wang'), actor: wang, outcome: 'approve' });
    expect(d.positions()).toEqual(['any_passed']);
    expect(d.effects.filter((e) => e.type === 'task.cancelled')).toHaveLength(2);
  });
});

describe('依次 sequential (multi-instance.bpmn#seq)', () => {
  it('given three signers, when each signs, then the next one gets the task in order', async () => {
    const d = await startMi('seq');
    expect(assignees(d, 'seq_sign')).toEqual(['zhang']);
    d.do({ type: 'complete', taskId: taskOf(d, 'seq_sign', 'zhang'), actor: zhang, outcome: 'approve' });
    expect(assignees(d, 'seq_sign')).toEqual(['li']);
    d.do({ type: 'complete', taskId: taskOf(d, 'seq_sign', 'li'), actor: li, outcome: 'approve' });
    d.do({ type: 'complete', taskId: taskOf(d, 'seq_sign', 'wang'), actor: wang, outcome: 'approve' });
    expect(d.positions()).toEqual(['seq_passed']);
  });
});

describe('ratio (multi-instance.bpmn#ratio, 0.6)', () => {
  it('given five signers, when three approve, then it passes without waiting for the rest', async () => {
    const d = await startMi('ratio', ['zhang', 'li', 'wang', 'zhao', 'chen']);
    d.do({ type: 'complete', taskId: taskOf(d, 'ratio_sign', 'zhang'), actor: zhang, outcome: 'approve' });
    d.do({ type: 'complete', taskId: taskOf(d, 'ratio_sign', 'li'), actor: li, outcome: 'approve' });
    expect(d.tasks('ratio_sign')).toHaveLength(3);
    d.do({ type: 'complete', taskId: taskOf(d, 'ratio_sign', 'zhao'), actor: zhao, outcome: 'approve' });
    expect(d.positions()).toEqual(['ratio_passed']);
  });

  it('given five signers, when three reject, then it fails as soon as the ratio cannot be reached', async () => {
    const d = await startMi('ratio', ['zhang', 'li', 'wang', 'zhao', 'chen']);
    d.do({ type: 'complete', taskId: taskOf(d, 'ratio_sign', 'zhang'), actor: zhang, outcome: 'reject' });
    d.do({ type: 'complete', taskId: taskOf(d, 'ratio_sign', 'li'), actor: li, outcome: 'reject' });
    expect(d.tasks('ratio_sign')).toHaveLength(3);
    d.do({ type: 'complete', taskId: taskOf(d, 'ratio_sign', 'chen'), actor: chen, outcome: 'reject' });
    expect(d.positions()).toEqual(['ratio_failed']);
  });
});

describe('one veto (multi-instance.bpmn#veto)', () => {
  it('given three signers, when one rejects, then it fails at once', async () => {
    const d = await startMi('veto');
    d.do({ type: 'complete', taskId: taskOf(d, 'veto_sign', 'zhang'), actor: zhang, outcome: 'approve' });
    d.do({ type: 'complete', taskId: taskOf(d, 'veto_sign', 'wang'), actor: wang, outcome: 'reject' });
    expect(d.positions()).toEqual(['veto_failed']);
  });
});

describe('completion condition (multi-instance.bpmn#cond)', () => {
  it('given nrOfCompletedInstances >= 2, when two have signed, then the body completes', async () => {
    const d = await startMi('cond');
    d.do({ type: 'complete', taskId: taskOf(d, 'cond_sign', 'zhang'), actor: zhang });
    d.do({ type: 'complete', taskId: taskOf(d, 'cond_sign', 'li'), actor: li });
    expect(d.tasks('cond_sign')).toEqual([]);
    // no approval outcome was given, so no approvalResult: the gateway takes its default flow
    expect(d.vars().approvalResult).toBeUndefined();
    expect(d.positions()).toEqual(['cond_failed']);
  });

  it('given an empty collection, when the activity starts, then it completes at once', async () => {
    const d = await startMi('cond', []);
    expect(d.tasks('cond_sign')).toEqual([]);
    expect(d.vars().opinions).toEqual([]);
  });
});

describe('加签 / 减签 on a 会签 (multi-instance.bpmn#all)', () => {
  it('given a running 会签, when a signer adds one alongside, then the new signer must sign too', async () => {
    const d = await startMi('all', ['zhang', 'li']);
    d.do({
      type: 'add-signers',
      taskId: taskOf(d, 'all_sign', 'zhang'),
      users: ['chen'],
      position: 'alongside',
      actor: zhang,
    });
    expect(assignees(d, 'all_sign')).toEqual(['chen', 'li', 'zhang']);
    d.do({ type: 'complete', taskId: taskOf(d, 'all_sign', 'zhang'), actor: zhang, outcome: 'approve' });
    d.do({ type: 'complete', taskId: taskOf(d, 'all_sign', 'li'), actor: li, outcome: 'approve' });
    expect(assignees(d, 'all_sign')).toEqual(['chen']);
    d.do({ type: 'complete', taskId: taskOf(d, 'all_sign', 'chen'), actor: chen, outcome: 'approve' });
    expect(d.positions()).toEqual(['all_passed']);
  });

  it('given a pending signer, when another removes them (减签), then the 会签 completes without them', async () => {
    const d = await startMi('all');
    d.do({ type: 'complete', taskId: taskOf(d, 'all_sign', 'zhang'), actor: zhang, outcome: 'approve' });
    d.do({
      type: 'remove-signer',
      taskId: taskOf(d, 'all_sign', 'li'),
      signerTaskId: taskOf(d, 'all_sign', 'wang'),
      actor: li,
    });
    expect(assignees(d, 'all_sign')).toEqual(['li']);
    const last = d.try({
      type: 'remove-signer',
      taskId: taskOf(d, 'all_sign', 'li'),
      signerTaskId: taskOf(d, 'all_sign', 'li'),
      actor: li,
    });
    expect(last.ok === false && last.error.code).toBe('ENG_ERR_BAD_SIGNERS');
    d.do({ type: 'complete', taskId: taskOf(d, 'all_sign', 'li'), actor: li, outcome: 'approve' });
    expect(d.positions()).toEqual(['all_passed']);
  });
});
