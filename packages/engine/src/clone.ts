/**
 * Copy of a state before a step works on it. The engine never mutates a variable value, a list
 * of candidates or a draft in place (it always replaces them), so only the containers it does
 * mutate are copied: every record, every entry of a record, scope variable maps, activity locals,
 * multi-instance lists, signer queues and CC read lists. Values below that level are shared between
 * the input and the output state — both must be treated as immutable. The tests check on every step
 * that the input state is byte-for-byte unchanged.
 */
import type { EngineState, Token } from './types.js';

function each<T extends object>(record: Record<string, T>, copy: (v: T) => T): Record<string, T> {
  const out: Record<string, T> = {};
  for (const key in record) out[key] = copy(record[key] as T);
  return out;
}

const shallow = <T extends object>(v: T): T => ({ ...v });

function copyToken(t: Token): Token {
  const c: Token = { ...t };
  if (t.locals !== undefined) c.locals = { ...t.locals };
  if (t.after !== undefined) c.after = [...t.after];
  if (t.mi !== undefined)
    c.mi = { ...t.mi, items: [...t.mi.items], active: [...t.mi.active], results: [...t.mi.results] };
  return c;
}

/** A working copy of a state (see the module comment for what is shared). */
export function cloneState(s: EngineState): EngineState {
  const c: EngineState = {
    ...s,
    scopes: each(s.scopes, (sc) => ({ ...sc, variables: { ...sc.variables } })),
    tokens: each(s.tokens, copyToken),
    tasks: each(s.tasks, shallow),
    timers: each(s.timers, shallow),
    subscriptions: { ...s.subscriptions },
    incidents: { ...s.incidents },
    budgets: each(s.budgets, shallow),
    calls: { ...s.calls },
    jobs: { ...s.jobs },
    cc: each(s.cc, (x) => ({ ...x, readBy: [...x.readBy] })),
    steps: s.steps.map(shallow),
  };
  if (s.pausedTimers !== undefined) c.pausedTimers = each(s.pausedTimers, shallow);
  if (s.closedBudgets !== undefined) c.closedBudgets = each(s.closedBudgets, shallow);
  return c;
}
