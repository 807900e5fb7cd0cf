import { describe, expect, it } from 'vitest';
import { Driver, fixture, user } from './testing.js';
import type { Effect } from './types.js';

const find = <T extends Effect['type']>(
  effects: readonly Effect[],
  type: T,
): Extract<Effect, { type: T }> | undefined =>
  effects.find((e): e is Extract<Effect, { type: T }> => e.type === type);

async function atDuplicateCheck(vars = { caseNo: 'C-7', claims: ['a', 'b'] }): Promise<Driver> {
  return new Driver(await fixture('tasks.bpmn')).start(vars);
}

describe('script task and pure connectors (tasks.bpmn)', () => {
  it('given two claims, when the case starts, then the script computes the score and notice.generate requests the notice', async () => {
    const d = await atDuplicateCheck();
    expect(d.vars().score).toBe(20);
    const notice = find(d.effects, 'notice.requested');
    expect(notice).toMatchObject({ template: '受理告知书', node: 'notify' });
    const job = find(d.effects, 'job.requested');
    expect(job).toMatchObject({ connector: 'case.checkDuplicate', node: 'dup' });
    expect(d.positions()).toEqual(['dup']);
  });

  it('given an external job, when it completes, then assign.byRule picks the first matching rule and the send task becomes a job too', async () => {
    const d = await atDuplicateCheck();
    const jobId = Object.keys(d.s.jobs)[0] ?? '';
    d.do({ type: 'job-completed', jobId, variables: { duplicate: false } });
    expect(d.vars()).toMatchObject({ unit: 'county', duplicate: false });
    expect(d.vars().assignedUnit).toBeUndefined();
    expect(find(d.effects, 'job.requested')).toMatchObject({ connector: 'message.forward', node: 'send' });
  });

  it('given a job that fails with a BPMN error code, when reported, then the error boundary catches it', async () => {
    const d = await atDuplicateCheck();
    d.do({ type: 'job-failed', jobId: Object.keys(d.s.jobs)[0] ?? '', errorCode: 'DUPLICATE' });
    expect(d.s.status).toBe('completed');
  });

  it('given a job that fails without a code, when reported, then it is an incident and retry requests the job again', async () => {
    const d = await atDuplicateCheck();
    d.do({ type: 'job-failed', jobId: Object.keys(d.s.jobs)[0] ?? '', message: 'db down' });
    const inc = Object.values(d.s.incidents)[0];
    expect(inc?.code).toBe('ENG_ERR_CONNECTOR_FAILED');
    d.do({ type: 'retry-incident', incidentId: inc?.id ?? '', actor: user('admin') });
    expect(Object.keys(d.s.jobs)).toHaveLength(1);
    expect(d.s.incidents).toEqual({});
  });
});

describe('receive task, manual task and call activity (tasks.bpmn)', () => {
  it('given the case waits for a receipt, when it arrives, then the call activity requests a child with mapped variables', async () => {
    const d = await atDuplicateCheck();
    d.do({ type: 'job-completed', jobId: Object.keys(d.s.jobs)[0] ?? '' });
    d.do({ type: 'job-completed', jobId: Object.keys(d.s.jobs)[0] ?? '' });
    expect(d.positions()).toEqual(['receive']);
    d.do({
      type: 'message',
      name: 'receipt',
      correlationKey: 'C-7',
      variables: { receivedAt: '2026-03-03' },
    });
    const call = find(d.effects, 'call.requested');
    expect(call).toMatchObject({ calledElement: 'review-process', binding: 'latest', node: 'call' });
    expect(call?.variables).toMatchObject({ parentUnit: 'county', caseNo: 'C-7' });
    d.do({
      type: 'child-completed',
      callId: call?.callId ?? '',
      variables: { reviewResult: '维持', noise: 1 },
    });
    expect(d.vars().review).toBe('维持');
    expect(d.vars().noise).toBeUndefined();
    expect(d.s.status).toBe('completed');
  });

  it('given an unknown call id, when child-completed arrives, then ENG_ERR_CALL_NOT_FOUND', async () => {
    const d = await atDuplicateCheck();
    const r = d.try({ type: 'child-completed', callId: 'c404' });
    expect(r.ok === false && r.error.code).toBe('ENG_ERR_CALL_NOT_FOUND');
  });
});

describe('message start event (tasks.bpmn)', () => {
  it('given a message start event, when started by message name, then the token starts there', async () => {
    const d = new Driver(await fixture('tasks.bpmn')).start({ claims: [] }, { message: 'new-petition' });
    const audit = find(d.effects, 'audit');
    expect(audit?.event.node).toBe('start_msg');
    expect(d.vars().score).toBe(0);
  });

  it('given an unknown start message, when starting, then ENG_ERR_NO_START_EVENT', async () => {
    const d = new Driver(await fixture('tasks.bpmn'));
    const r = d.try({ type: 'start', instanceId: 'x', message: 'nope' });
    expect(r.ok === false && r.error.code).toBe('ENG_ERR_NO_START_EVENT');
  });
});
