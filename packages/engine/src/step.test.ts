import { describe, expect, it } from 'vitest';
import { step } from './step.js';
import { fixture } from './testing.js';
import { upgradeState } from './upgrade.js';
import { engineErrors, httpStatusOf } from './errors.js';

const now = '2026-03-02T01:00:00Z';

describe('step: state handling', () => {
  it('given a state from a newer or unknown layout, when stepped, then ENG_ERR_STATE_VERSION', async () => {
    const g = await fixture('simple-flow.bpmn');
    const r = step(g, null, { type: 'start', instanceId: 'i1' }, now);
    if (!r.ok) throw new Error(r.error.code);
    const future = { ...r.state, stateVersion: 2 } as never;
    const res = step(g, future, { type: 'signal', name: 'x' }, now);
    expect(res.ok === false && res.error.code).toBe('ENG_ERR_STATE_VERSION');
    expect(() => upgradeState({ stateVersion: 0 })).toThrow();
    expect(upgradeState(r.state)).toBe(r.state);
  });

  it('given a state of another process, when stepped, then ENG_ERR_GRAPH_MISMATCH', async () => {
    const a = await fixture('simple-flow.bpmn');
    const b = await fixture('parallel.bpmn');
    const r = step(a, null, { type: 'start', instanceId: 'i1' }, now);
    if (!r.ok) throw new Error(r.error.code);
    const res = step(b, r.state, { type: 'signal', name: 'x' }, now);
    expect(res.ok === false && res.error.code).toBe('ENG_ERR_GRAPH_MISMATCH');
  });

  it('given a `now` without an offset, when stepped, then ENG_ERR_BAD_COMMAND', async () => {
    const g = await fixture('simple-flow.bpmn');
    const res = step(g, null, { type: 'start', instanceId: 'i1' }, '2026-03-02 09:00');
    expect(res.ok === false && res.error.code).toBe('ENG_ERR_BAD_COMMAND');
  });

  it('given the same inputs twice, when stepped, then the results are byte-identical', async () => {
    const g = await fixture('parallel.bpmn');
    const one = JSON.stringify(
      step(g, null, { type: 'start', instanceId: 'i1', variables: { a: [1, { b: '受理' }] } }, now),
    );
    const two = JSON.stringify(
      step(g, null, { type: 'start', instanceId: 'i1', variables: { a: [1, { b: '受理' }] } }, now),
    );
    expect(one).toBe(two);
  });

  it('has an HTTP status and zh-CN and English messages for every code', () => {
    for (const [code, e] of Object.entries(engineErrors)) {
      expect(code.startsWith('ENG_ERR_')).toBe(true);
      expect(httpStatusOf(code)).toBe(e.status);
      expect(e.zh.length).toBeGreaterThan(0);
      expect(e.en.length).toBeGreaterThan(0);
    }
  });
});
