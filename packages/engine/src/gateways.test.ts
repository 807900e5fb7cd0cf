import { describe, expect, it } from 'vitest';
import { Driver, fixture, user } from './testing.js';

const reg = user('r1', 'registrar');
const han = user('h1', 'handler');
const g = user('u1', 'g');

describe('exclusive gateway (simple-flow.bpmn)', () => {
  it('given decision accept, when register completes, then handle opens with its stage', async () => {
    const d = new Driver(await fixture('simple-flow.bpmn')).start();
    expect(d.task('register').candidateGroups).toEqual(['registrar']);
    d.complete('register', reg, { decision: 'accept' });
    expect(d.positions()).toEqual(['handle']);
    const created = d.effects.find((e) => e.type === 'task.created');
    expect(created?.type === 'task.created' && created.task.stage).toBe('handling');
    d.complete('handle', han);
    expect(d.s.status).toBe('completed');
    expect(d.effectTypes()).toContain('instance.ended');
  });

  it('given another decision, when register completes, then the default flow ends the case', async () => {
    const d = new Driver(await fixture('simple-flow.bpmn')).start();
    d.complete('register', reg, { decision: 'reject' });
    expect(d.s.status).toBe('completed');
    expect(d.tasks()).toEqual([]);
  });
});

describe('parallel gateway (parallel.bpmn)', () => {
  it('given a split into three, when all three complete, then the join fires exactly once', async () => {
    const d = new Driver(await fixture('parallel.bpmn')).start();
    expect(d.positions()).toEqual(['a', 'b', 'c']);
    d.complete('a', g);
    d.complete('c', g);
    expect(d.positions()).toEqual(['b', 'join', 'join']);
    expect(d.tasks('after')).toEqual([]);
    d.complete('b', g);
    expect(d.positions()).toEqual(['after']);
    expect(d.tasks('after')).toHaveLength(1);
  });
});

describe('inclusive gateway (inclusive.bpmn)', () => {
  it('given both branches, when the short one arrives, then the join waits for the long one', async () => {
    const d = new Driver(await fixture('inclusive.bpmn')).start({ needA: true, needB: true });
    expect(d.positions()).toEqual(['a', 'b1']);
    d.complete('a', g);
    expect(d.positions()).toEqual(['b1', 'join']);
    d.complete('b1', g);
    expect(d.positions()).toEqual(['b2', 'join']);
    d.complete('b2', g);
    expect(d.positions()).toEqual(['after']);
  });

  it('given only branch A, when A completes, then the join fires without waiting for B', async () => {
    const d = new Driver(await fixture('inclusive.bpmn')).start({ needA: true, needB: false });
    expect(d.positions()).toEqual(['a']);
    d.complete('a', g);
    expect(d.positions()).toEqual(['after']);
  });

  it('given no condition holds, when the split runs, then the default flow goes straight to the join', async () => {
    const d = new Driver(await fixture('inclusive.bpmn')).start({ needA: false, needB: false });
    expect(d.positions()).toEqual(['after']);
  });
});

describe('terminate end event (terminate.bpmn)', () => {
  it('given two branches, when one reaches terminate, then no token, task or timer is left', async () => {
    const d = new Driver(await fixture('terminate.bpmn')).start();
    d.complete('a', g);
    expect(d.s.status).toBe('terminated');
    expect(d.s.tokens).toEqual({});
    expect(d.s.tasks).toEqual({});
    expect(d.effects.filter((e) => e.type === 'task.cancelled')).toHaveLength(1);
  });
});

describe('incidents (incident.bpmn)', () => {
  it('given a condition on a missing variable, when the gateway runs, then an incident is raised and retry works after a fix', async () => {
    const d = new Driver(await fixture('incident.bpmn')).start({});
    const incidents = Object.values(d.s.incidents);
    expect(incidents.map((i) => i.code)).toEqual(['ENG_ERR_CONDITION_NOT_BOOLEAN']);
    expect(d.s.status).toBe('active');
    const incidentId = incidents[0]?.id ?? '';
    const early = d.try({ type: 'retry-incident', incidentId, actor: user('admin') });
    expect(early.ok).toBe(true);
    expect(Object.values(d.s.incidents).map((i) => i.code)).toEqual(['ENG_ERR_CONDITION_NOT_BOOLEAN']);
    d.do({ type: 'set-variables', variables: { score: 7 }, actor: user('admin') });
    const again = Object.values(d.s.incidents)[0]?.id ?? '';
    d.do({ type: 'retry-incident', incidentId: again, actor: user('admin') });
    expect(d.s.incidents).toEqual({});
    expect(d.positions()).toEqual(['a']);
  });

  it('given a collection that is not a list, when the multi-instance starts, then ENG_ERR_COLLECTION_NOT_LIST is an incident', async () => {
    const d = new Driver(await fixture('incident.bpmn')).start({ score: 9, people: 'zhang' });
    d.complete('a', g);
    expect(Object.values(d.s.incidents).map((i) => i.code)).toEqual(['ENG_ERR_COLLECTION_NOT_LIST']);
    expect(d.tasks()).toEqual([]);
    d.do({ type: 'set-variables', variables: { people: ['zhang', 'li'] }, actor: user('admin') });
    d.do({ type: 'retry-incident', incidentId: Object.keys(d.s.incidents)[0] ?? '', actor: user('admin') });
    expect(
      d
        .tasks('signers')
        .map((t) => t.assignee)
        .sort(),
    ).toEqual(['li', 'zhang']);
  });
});

describe('退回 into a parallel branch (parallel.bpmn)', () => {
  it('given all three branches done, when the summary returns to branch b, then only b is re-walked and the join fires again', async () => {
    const d = new Driver(await fixture('parallel.bpmn')).start();
    for (const n of ['a', 'b', 'c']) d.complete(n, g);
    d.do({ type: 'return', taskId: d.task('after').id, target: 'b', actor: g });
    expect(d.positions()).toEqual(['b', 'join', 'join']);
    d.complete('b', g);
    expect(d.positions()).toEqual(['after']);
  });
});

describe('退回 across a parallel block (parallel.bpmn)', () => {
  it('given branch c done, when branch a returns to c (a sibling, not on its way), then ENG_ERR_RETURN_TARGET_NOT_REACHED', async () => {
    const p = new Driver(await fixture('parallel.bpmn')).start();
    p.complete('c', g);
    expect(p.positions()).toEqual(['a', 'b', 'join']);
    const r = p.try({ type: 'return', taskId: p.task('a').id, target: 'c', actor: g });
    expect(r.ok === false && r.error.code).toBe('ENG_ERR_RETURN_TARGET_NOT_REACHED');
  });
});

describe('退回 to a step before a parallel split (return-split.bpmn)', () => {
  it('given branch b done and a open, when a returns to register, then both branches are walked again exactly once', async () => {
    const d = new Driver(await fixture('return-split.bpmn')).start();
    d.complete('register', g);
    d.complete('b', g);
    d.do({ type: 'return', taskId: d.task('a').id, target: 'register', actor: g });
    expect(d.positions()).toEqual(['register']);
    d.complete('register', g);
    expect(d.positions()).toEqual(['a', 'b']);
    d.complete('a', g);
    d.complete('b', g);
    expect(d.positions()).toEqual(['summary']);
  });

  it('given the join fired, when summary returns to register, then the whole block is walked again', async () => {
    const d = new Driver(await fixture('return-split.bpmn')).start();
    d.complete('register', g);
    d.complete('a', g);
    d.complete('b', g);
    d.do({ type: 'return', taskId: d.task('summary').id, target: 'register', actor: g });
    d.complete('register', g);
    expect(d.positions()).toEqual(['a', 'b']);
  });
});
