import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { evaluateFeel, evaluateWithFeelin } from './feel.js';
import { buildModel, type Block } from './random-model.js';
import { step } from './step.js';
import { Driver, user } from './testing.js';
import type { Command, EngineState } from './types.js';

const block: fc.Arbitrary<Block> = fc.letrec<{ block: Block }>((tie) => ({
  block: fc.oneof(
    { depthSize: 'small', withCrossShrink: true },
    fc.constant<Block>({ t: 'task' }),
    fc.record({ t: fc.constant('seq' as const), a: tie('block'), b: tie('block') }),
    fc.record({
      t: fc.constantFrom('par' as const, 'xor' as const, 'or' as const),
      branches: fc.array(tie('block'), { minLength: 2, maxLength: 3 }),
    }),
    fc.record({ t: fc.constant('sub' as const), body: tie('block') }),
    fc.record({ t: fc.constant('mi' as const), n: fc.integer({ min: 0, max: 3 }), sequential: fc.boolean() }),
    fc.constant<Block>({ t: 'timer' }),
    fc.record({ t: fc.constant('term' as const), other: tie('block') }),
  ),
})).block;

/** One random move: which kind, and numbers to pick a task / target / value with. */
const move = fc.record({
  kind: fc.constantFrom(
    'complete',
    'complete',
    'complete',
    'complete',
    'timer',
    'return',
    'withdraw',
    'claim',
    'signers',
    'cancel',
  ),
  pick: fc.nat(),
  target: fc.nat(),
  x: fc.integer({ min: 0, max: 5 }),
  approve: fc.boolean(),
});
type Move = typeof move extends fc.Arbitrary<infer T> ? T : never;

const noLoops = (kind: Move['kind']): boolean => kind !== 'return' && kind !== 'withdraw';

function commandFor(d: Driver, m: Move): Command | undefined {
  const s = d.s;
  const tasks = Object.values(s.tasks).filter((t) => t.held !== true);
  const task = tasks.length === 0 ? undefined : tasks[m.pick % tasks.length];
  const actor = user(task?.assignee ?? `u${m.pick % 3}`, 'g');
  switch (m.kind) {
    case 'complete':
      return task === undefined
        ? undefined
        : {
            type: 'complete',
            taskId: task.id,
            actor,
            variables: { x: m.x },
            outcome: m.approve ? 'approve' : 'reject',
          };
    case 'timer': {
      const timers = Object.values(s.timers);
      const timer = timers[m.pick % Math.max(1, timers.length)];
      if (timer === undefined) return undefined;
      d.at(timer.due).advance(-60_000);
      return { type: 'fire-timer', timerId: timer.id };
    }
    case 'return': {
      if (task === undefined || s.steps.length === 0) return undefined;
      const target = s.steps[m.target % s.steps.length];
      return target === undefined
        ? undefined
        : { type: 'return', taskId: task.id, target: target.node, actor };
    }
    case 'withdraw': {
      const last = s.steps[s.steps.length - 1];
      return last === undefined ? undefined : { type: 'withdraw', actor: user(last.by, 'g') };
    }
    case 'claim':
      return task === undefined ? undefined : { type: 'claim', taskId: task.id, actor };
    case 'signers':
      return task === undefined
        ? undefined
        : {
            type: 'add-signers',
            taskId: task.id,
            users: [`s${m.x}`],
            position: (['before', 'after', 'alongside'] as const)[m.target % 3] ?? 'after',
            actor,
          };
    case 'cancel':
      return m.pick % 4 === 0 ? { type: 'cancel', reason: 'random', actor } : undefined;
  }
}

/** Runs random moves; the Driver checks every invariant after every accepted step. */
function run(model: Block, moves: readonly Move[]): Driver {
  const d = new Driver(buildModel(model));
  d.start({ x: 0 });
  for (const m of moves) {
    if (d.s.status !== 'active') break;
    const cmd = commandFor(d, m);
    if (cmd !== undefined) d.try(cmd);
  }
  return d;
}

describe('property: random commands on random well-formed models', () => {
  it('keep every invariant (tokens, tasks, timers, effects reflected in state; nothing left after an end)', () => {
    fc.assert(
      fc.property(block, fc.array(move, { maxLength: 40 }), (model, moves) => {
        const d = run(model, moves);
        if (d.s.status !== 'active') {
          expect(d.s.tokens).toEqual({});
          expect(d.s.tasks).toEqual({});
          expect(d.s.timers).toEqual({});
        }
        if (d.s.status === 'terminated') expect(Object.keys(d.s.tokens)).toHaveLength(0);
      }),
      { numRuns: 150, seed: 4242 },
    );
  });

  it('without 退回/撤回 each activity of an acyclic model opens at most once per instance (joins fire once per set)', () => {
    fc.assert(
      fc.property(
        block,
        fc.array(
          move.filter((m) => noLoops(m.kind) && m.kind !== 'signers'),
          { maxLength: 40 },
        ),
        (model, moves) => {
          const d = new Driver(buildModel(model));
          d.start({ x: 0 });
          const created = new Map<string, number>();
          const count = (): void => {
            for (const e of d.effects) {
              if (e.type !== 'task.created') continue;
              const node = d.graph.nodes[e.task.node];
              if (node?.multiInstance !== undefined) continue;
              created.set(e.task.node, (created.get(e.task.node) ?? 0) + 1);
            }
          };
          count();
          for (const m of moves) {
            if (d.s.status !== 'active') break;
            const cmd = commandFor(d, m);
            if (cmd !== undefined && d.try(cmd).ok) count();
          }
          for (const [node, n] of created) expect([node, n]).toEqual([node, 1]);
        },
      ),
      { numRuns: 150, seed: 77 },
    );
  });

  it('replaying the recorded commands gives byte-identical states', () => {
    fc.assert(
      fc.property(block, fc.array(move, { maxLength: 30 }), (model, moves) => {
        const d = run(model, moves);
        let state: EngineState | null = null;
        for (const h of d.history) {
          const r = step(d.graph, state, h.command, h.now);
          expect(r.ok).toBe(true);
          state = r.state;
        }
        expect(JSON.stringify(state)).toBe(JSON.stringify(d.s));
      }),
      { numRuns: 60, seed: 9 },
    );
  });
});

describe('property: bad input never throws and never corrupts the state', () => {
  const types = [
    'start',
    'complete',
    'claim',
    'return',
    'withdraw',
    'add-signers',
    'remove-signer',
    'fire-timer',
    'message',
    'retry-incident',
    'extend-deadline',
    'cc',
    'nope',
  ];
  const junk = fc.oneof(
    fc.string(),
    fc.integer(),
    fc.constant(null),
    fc.boolean(),
    fc.array(fc.string(), { maxLength: 2 }),
    fc.dictionary(fc.string(), fc.jsonValue(), { maxKeys: 2 }),
  );
  const command = fc.record(
    {
      type: fc.constantFrom(...types),
      taskId: junk,
      target: junk,
      actor: fc.oneof(junk, fc.constant({ id: 'u1', groups: ['g'] })),
      variables: junk,
      users: junk,
      position: junk,
      timerId: junk,
      name: junk,
      period: junk,
    },
    { requiredKeys: ['type'] },
  );
  it('gives a coded refusal or a consistent state for any command shape', () => {
    fc.assert(
      fc.property(block, fc.array(command, { maxLength: 8 }), (model, commands) => {
        const d = new Driver(buildModel(model));
        d.start({ x: 0 });
        for (const c of commands) {
          const before = JSON.stringify(d.s);
          const r = d.try(c as unknown as Command);
          if (!r.ok) {
            expect(r.error.code).toMatch(/^ENG_ERR_[A-Z_]+$/);
            expect(r.error.code).not.toBe('ENG_ERR_INTERNAL');
            expect(JSON.stringify(d.s)).toBe(before);
          }
        }
      }),
      { numRuns: 150, seed: 31 },
    );
  });
});

describe('property: the FEEL fast path agrees with feelin', () => {
  const value = fc.oneof(
    fc.integer({ min: -5, max: 5 }),
    fc.constantFrom('a', 'b', '受理', ''),
    fc.boolean(),
    fc.constant(null),
    fc.constant([1]),
  );
  const expr = fc.oneof(
    fc.constantFrom(
      'v',
      'not(v)',
      'o.k',
      'v = "a"',
      'v != "受理"',
      'v = true',
      'v > 2',
      'v <= -1',
      'v >= 0',
      'v < 3',
      'v = 3',
      'v != 0',
      'o.k = "b"',
    ),
  );
  it('gives the same value for every shape and run-time type', () => {
    fc.assert(
      fc.property(expr, value, value, (e, v, k) => {
        const ctx = { v, o: { k } };
        expect(evaluateFeel(e, ctx)).toEqual(evaluateWithFeelin(e, ctx));
      }),
      { numRuns: 400, seed: 5 },
    );
  });
});
