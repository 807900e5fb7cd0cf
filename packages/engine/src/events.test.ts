import { describe, expect, it } from 'vitest';
import { Driver, fixture, user } from './testing.js';

const g = user('u1', 'g');
const sys = user('worker');

describe('boundary events (boundary.bpmn)', () => {
  it('given an interrupting timer boundary, when it fires, then the task is cancelled and the escalation path opens', async () => {
    const d = new Driver(await fixture('boundary.bpmn')).start({ caseNo: 'C-1' });
    const timer = Object.values(d.s.timers)[0];
    expect(timer?.purpose).toBe('boundary');
    expect(timer?.due).toBe('2026-03-02T03:01:00.000Z');
    const early = d.try({ type: 'fire-timer', timerId: timer?.id ?? '' });
    expect(early.ok === false && early.error.code).toBe('ENG_ERR_TIMER_NOT_DUE');
    d.at('2026-03-02T03:00:00.000Z').do({ type: 'fire-timer', timerId: timer?.id ?? '' });
    expect(d.positions()).toEqual(['escalated']);
    expect(d.effects.some((e) => e.type === 'task.cancelled')).toBe(true);
    expect(d.s.timers).toEqual({});
    expect(d.s.subscriptions).toEqual({});
  });

  it('given a non-interrupting message boundary with a correlation key, when the message arrives, then both paths are open', async () => {
    const d = new Driver(await fixture('boundary.bpmn')).start({ caseNo: 'C-1' });
    const wrong = d.try({ type: 'message', name: 'supplement', correlationKey: 'C-2' });
    expect(wrong.ok === false && wrong.error.code).toBe('ENG_ERR_NO_SUBSCRIPTION');
    d.do({ type: 'message', name: 'supplement', correlationKey: 'C-1', variables: { material: '补充材料' } });
    expect(d.positions()).toEqual(['check', 'work']);
    expect(d.vars().material).toBe('补充材料');
    d.complete('work', g);
    expect(d.positions()).toEqual(['check']);
    expect(d.s.timers).toEqual({});
  });

  it('given an interrupting signal boundary, when the signal is broadcast, then the activity ends', async () => {
    const d = new Driver(await fixture('boundary.bpmn')).start({ caseNo: 'C-1' });
    d.do({ type: 'signal', name: 'stop-all' });
    expect(d.s.status).toBe('completed');
  });
});

describe('intermediate events and the event-based gateway (events.bpmn)', () => {
  it('given a timer catch, a message throw, an event gateway, a signal catch and a link, when each is triggered, then the token walks through', async () => {
    const d = new Driver(await fixture('events.bpmn')).start({ caseNo: 'C-9' });
    const wait = Object.values(d.s.timers)[0];
    expect(wait?.due).toBe('2026-03-03T01:01:00.000Z');
    d.at('2026-03-03T02:00:00.000Z').do({ type: 'fire-timer', timerId: wait?.id ?? '' });
    const thrown = d.effects.find((e) => e.type === 'message.thrown');
    expect(thrown?.type === 'message.thrown' && thrown.name).toBe('ping');
    expect(d.positions()).toEqual(['eg']);
    expect(Object.values(d.s.timers).map((t) => t.purpose)).toEqual(['event-gateway']);
    d.do({ type: 'message', name: 'reply', correlationKey: 'C-9', variables: { answer: 'ok' } });
    expect(d.positions()).toEqual(['go']);
    expect(d.s.timers).toEqual({});
    d.do({ type: 'signal', name: 'go' });
    expect(d.positions()).toEqual(['last']);
  });

  it('given the event gateway, when its timer wins, then the message subscription is removed', async () => {
    const d = new Driver(await fixture('events.bpmn')).start({ caseNo: 'C-9' });
    d.at('2026-03-03T02:00:00.000Z').do({ type: 'fire-timer', timerId: Object.keys(d.s.timers)[0] ?? '' });
    const t = Object.values(d.s.timers)[0];
    d.at('2026-03-09T00:00:00.000Z').do({ type: 'fire-timer', timerId: t?.id ?? '' });
    expect(d.positions()).toEqual(['go']);
    expect(Object.values(d.s.subscriptions).map((x) => x.name)).toEqual(['go']);
  });
});

describe('sub-processes (subprocess.bpmn)', () => {
  it('given an embedded sub-process with input/output mappings, when it completes, then the output reaches the parent scope', async () => {
    const d = new Driver(await fixture('subprocess.bpmn')).start();
    const child = Object.values(d.s.scopes).find((s) => s.kind === 'subProcess');
    expect(child?.variables).toEqual({ local: 5 });
    d.complete('investigate', g, { finding: 'fine' });
    expect(d.positions()).toEqual(['done']);
    expect(d.vars().result).toBe('fine');
    expect(Object.values(d.s.scopes).map((s) => s.kind)).toEqual(['process']);
  });

  it('given an error end event inside, when it is reached, then the interrupting error boundary takes over', async () => {
    const d = new Driver(await fixture('subprocess.bpmn')).start();
    d.complete('investigate', g, { finding: 'invalid' });
    expect(d.positions()).toEqual(['fix']);
    expect(d.vars().errorCode).toBe('INVALID');
    expect(Object.values(d.s.scopes).map((s) => s.kind)).toEqual(['process']);
  });

  it('given an escalation thrown inside, when it is caught by a non-interrupting boundary, then both continue', async () => {
    const d = new Driver(await fixture('subprocess.bpmn')).start();
    d.complete('investigate', g, { finding: 'hard' });
    expect(d.positions()).toEqual(['done', 'leader']);
  });

  it('given a non-interrupting message event sub-process, when it triggers, then the sub-process waits for it too', async () => {
    const d = new Driver(await fixture('subprocess.bpmn')).start();
    d.do({ type: 'message', name: 'query' });
    expect(d.positions()).toEqual(['answer', 'investigate', 'sub']);
    d.complete('investigate', g, { finding: 'fine' });
    expect(d.positions()).toEqual(['answer', 'sub']);
    d.complete('answer', g);
    expect(d.positions()).toEqual(['done']);
  });

  it('given an interrupting message event sub-process at process level, when it triggers, then everything else is cancelled', async () => {
    const d = new Driver(await fixture('subprocess.bpmn')).start();
    d.do({ type: 'message', name: 'petition-withdrawn', actor: sys });
    expect(d.positions()).toEqual(['close']);
    expect(d.effects.filter((e) => e.type === 'task.cancelled')).toHaveLength(1);
    d.complete('close', g);
    expect(d.s.status).toBe('completed');
  });
});
