/**
 * Consistency checks of a state (and of the effects of one step against the states around it).
 * Used by the property tests; the store may run them in debug mode.
 */
import type { ProcessGraph } from '@shidian/bpmn';
import type { Effect, EngineState } from './types.js';

/**
 * Returns the list of broken invariants (empty when the state is consistent). With `prev` and
 * `effects`, also checks that every effect is reflected in `state`: the last effect about a task,
 * timer, call or job says whether it is in the state.
 *
 * @example
 * expect(checkInvariants(graph, r.state, prev, r.effects)).toEqual([]);
 */
export function checkInvariants(
  graph: ProcessGraph,
  state: EngineState,
  prev?: EngineState | null,
  effects?: readonly Effect[],
): string[] {
  const p: string[] = [];
  const s = state;
  if (s.status !== 'active') {
    for (const [name, rec] of [
      ['tokens', s.tokens],
      ['tasks', s.tasks],
      ['timers', s.timers],
      ['subscriptions', s.subscriptions],
      ['calls', s.calls],
      ['jobs', s.jobs],
      ['incidents', s.incidents],
    ] as const) {
      if (Object.keys(rec).length > 0) p.push(`ended instance still has ${name}`);
    }
  }
  for (const t of Object.values(s.tokens)) {
    if (graph.nodes[t.node] === undefined) p.push(`token ${t.id} at unknown node ${t.node}`);
    if (s.scopes[t.scope] === undefined) p.push(`token ${t.id} in missing scope ${t.scope}`);
    if (t.wait === 'task' && !Object.values(s.tasks).some((x) => x.token === t.id))
      p.push(`token ${t.id} waits for a task that is not open`);
    if (t.mi !== undefined)
      for (const a of t.mi.active)
        if (s.tokens[a]?.body !== t.id) p.push(`multi-instance body ${t.id} lists missing inner ${a}`);
    if (t.body !== undefined && s.tokens[t.body]?.mi?.active.includes(t.id) !== true)
      p.push(`inner token ${t.id} not listed by its body`);
    if (t.wait === 'incident' && !Object.values(s.incidents).some((i) => i.token === t.id))
      p.push(`token ${t.id} in incident without an incident record`);
  }
  for (const sc of Object.values(s.scopes)) {
    if (sc.parent !== undefined && s.scopes[sc.parent] === undefined)
      p.push(`scope ${sc.id} has missing parent ${sc.parent}`);
    if (sc.token !== undefined && s.tokens[sc.token] === undefined && s.status === 'active')
      p.push(`scope ${sc.id} waits on missing token ${sc.token}`);
  }
  for (const task of Object.values(s.tasks)) {
    const t = s.tokens[task.token];
    if (t === undefined) p.push(`task ${task.id} without token`);
    else if (t.wait !== 'task') p.push(`task ${task.id} open but its token ${t.id} is ${t.wait}`);
  }
  for (const timer of Object.values(s.timers)) {
    if (timer.token !== undefined && s.tokens[timer.token] === undefined)
      p.push(`timer ${timer.id} of missing token`);
    if (timer.scope !== undefined && s.scopes[timer.scope] === undefined)
      p.push(`timer ${timer.id} of missing scope`);
  }
  for (const sub of Object.values(s.subscriptions)) {
    if (sub.token !== undefined && s.tokens[sub.token] === undefined)
      p.push(`subscription ${sub.id} of missing token`);
    if (sub.scope !== undefined && s.scopes[sub.scope] === undefined)
      p.push(`subscription ${sub.id} of missing scope`);
  }
  if (effects !== undefined) {
    const last = new Map<string, 'in' | 'out'>();
    for (const e of effects) {
      if (e.type === 'task.created' || e.type === 'task.updated') last.set(`task ${e.task.id}`, 'in');
      else if (e.type === 'task.completed' || e.type === 'task.cancelled')
        last.set(`task ${e.taskId}`, 'out');
      else if (e.type === 'timer.scheduled') last.set(`timer ${e.timerId}`, 'in');
      else if (e.type === 'timer.cancelled') last.set(`timer ${e.timerId}`, 'out');
      else if (e.type === 'call.requested') last.set(`call ${e.callId}`, 'in');
      else if (e.type === 'call.cancelled') last.set(`call ${e.callId}`, 'out');
      else if (e.type === 'job.requested') last.set(`job ${e.jobId}`, 'in');
      else if (e.type === 'job.cancelled') last.set(`job ${e.jobId}`, 'out');
      else if (e.type === 'cc.created') last.set(`cc ${e.ccId}`, 'in');
    }
    for (const [key, where] of last) {
      const [kind, id] = key.split(' ') as [string, string];
      const rec =
        kind === 'task'
          ? s.tasks
          : kind === 'timer'
            ? s.timers
            : kind === 'call'
              ? s.calls
              : kind === 'job'
                ? s.jobs
                : s.cc;
      const present = rec[id] !== undefined;
      // a call / job that finished in this very step is gone without a cancel effect
      const finished = (kind === 'call' || kind === 'job') && where === 'in' && !present;
      if ((where === 'in') !== present && !finished)
        p.push(`effect says ${key} is ${where} but the state disagrees`);
    }
    if (prev !== undefined && prev !== null) {
      for (const id of Object.keys(prev.tasks))
        if (s.tasks[id] === undefined && !last.has(`task ${id}`))
          p.push(`task ${id} vanished without an effect`);
      for (const id of Object.keys(prev.timers))
        if (s.timers[id] === undefined && !last.has(`timer ${id}`))
          p.push(`timer ${id} vanished without an effect`);
    }
    for (const id of Object.keys(s.tasks))
      if (prev?.tasks[id] === undefined && !last.has(`task ${id}`))
        p.push(`task ${id} appeared without an effect`);
    for (const id of Object.keys(s.timers))
      if (prev?.timers[id] === undefined && !last.has(`timer ${id}`))
        p.push(`timer ${id} appeared without an effect`);
  }
  return p;
}
