import { describe, expect, it } from 'vitest';
import { Driver, fixture, user } from './testing.js';

const g = user('u1', 'g');

describe('message, signal and escalation end events; timer-cycle event sub-process (end-events.bpmn#end_events)', () => {
  it('given three branches, when each ends with a throwing end event, then each throw is an effect and the case completes', async () => {
    const d = new Driver(await fixture('end-events.bpmn', 'end_events')).start({ caseNo: 'C-3' });
    d.complete('a', g);
    expect(d.effects.find((e) => e.type === 'message.thrown')).toMatchObject({
      name: 'case-closed',
      correlationKey: 'C-3',
    });
    d.complete('b', g);
    expect(d.effects.find((e) => e.type === 'signal.thrown')).toMatchObject({ name: 'closed' });
    d.complete('c', g);
    expect(d.s.status).toBe('completed');
    expect(d.s.timers).toEqual({});
  });

  it('given a non-interrupting R2/P1D timer event sub-process, when it fires twice, then two reminders open and the cycle stops', async () => {
    const d = new Driver(await fixture('end-events.bpmn', 'end_events')).start({ caseNo: 'C-3' });
    const first = Object.values(d.s.timers)[0];
    expect(first).toMatchObject({ purpose: 'event-subprocess', due: '2026-03-03T01:01:00.000Z', repeat: 1 });
    d.at(first?.due ?? '').do({ type: 'fire-timer', timerId: first?.id ?? '' });
    const second = Object.values(d.s.timers)[0];
    expect(second).toMatchObject({ due: '2026-03-04T01:01:00.000Z', repeat: 0 });
    d.at(second?.due ?? '').do({ type: 'fire-timer', timerId: second?.id ?? '' });
    expect(d.tasks('remind')).toHaveLength(2);
    expect(d.s.timers).toEqual({});
    for (const n of ['a', 'b', 'c']) d.complete(n, g);
    expect(d.s.status).toBe('active');
    for (const t of d.tasks('remind')) d.do({ type: 'complete', taskId: t.id, actor: g });
    expect(d.s.status).toBe('completed');
  });
});

describe('sub-process deadline and call activity errors (end-events.bpmn#calls)', () => {
  it('given a sub-process with a 5-day deadline, when it runs late, then its task is reminded by the system', async () => {
    const d = new Driver(await fixture('end-events.bpmn', 'calls')).start({ childProcess: 'review' });
    const budget = Object.values(d.s.budgets)[0];
    expect(budget).toMatchObject({ node: 'sub_deadline', onTimeout: 'remind', approximate: true });
    const timer = Object.values(d.s.timers).find((t) => t.purpose === 'deadline');
    d.at(timer?.due ?? '').do({ type: 'fire-timer', timerId: timer?.id ?? '' });
    expect(d.effects.find((e) => e.type === 'notice.requested')).toMatchObject({
      template: 'deadline.overdue',
    });
    d.complete('verify', g);
    expect(d.s.budgets).toEqual({});
  });

  it('given a called element from a variable, when the child fails with a BPMN error, then the error boundary of the call activity takes over', async () => {
    const d = new Driver(await fixture('end-events.bpmn', 'calls')).start({ childProcess: 'review' });
    d.complete('verify', g);
    const call = d.effects.find((e) => e.type === 'call.requested');
    expect(call).toMatchObject({ calledElement: 'review', binding: 'latest' });
    d.do({
      type: 'child-failed',
      callId: call?.type === 'call.requested' ? call.callId : '',
      errorCode: 'REFUSED',
    });
    expect(d.positions()).toEqual(['refused']);
    expect(d.s.calls).toEqual({});
  });

  it('given a called element that is not a string, when the call activity starts, then ENG_ERR_BAD_CALLED_ELEMENT is an incident', async () => {
    const d = new Driver(await fixture('end-events.bpmn', 'calls')).start({ childProcess: 42 });
    d.complete('verify', g);
    expect(Object.values(d.s.incidents).map((i) => i.code)).toEqual(['ENG_ERR_BAD_CALLED_ELEMENT']);
  });

  it('given a running call, when the case is cancelled, then call.cancelled is emitted', async () => {
    const d = new Driver(await fixture('end-events.bpmn', 'calls')).start({ childProcess: 'review' });
    d.complete('verify', g);
    d.do({ type: 'cancel', reason: '撤回信访', actor: user('l1') });
    expect(d.effects.some((e) => e.type === 'call.cancelled')).toBe(true);
  });
});
