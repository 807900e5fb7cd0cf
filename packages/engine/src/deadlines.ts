/**
 * Deadline budgets at run time: recomputing the due date from the ledger, (re)scheduling the
 * warning and deadline timers, pausing and resuming one budget, and the built-in connectors
 * `case.pauseDeadline` / `case.resumeDeadline`. See docs/engine.md#deadlines.
 */
import { budgetDue, budgetWarning } from './budget-ledger.js';
import { IncidentSignal, engineError } from './errors.js';
import type { Run } from './runtime.js';
import { SYSTEM_ACTOR, type Budget, type Token, type Variables } from './types.js';

/** Recomputes `due`, `warnAt` and the deadline state of a budget from its ledger; returns the paused days per pause. */
export function recomputeBudget(run: Run, b: Budget): readonly number[] {
  let r;
  try {
    r = budgetDue(b, run.ctx.calendar);
  } catch (e) {
    throw new IncidentSignal(
      engineError(
        'ENG_ERR_BAD_DEADLINE',
        { budgetId: b.id, period: b.period },
        e instanceof Error ? e.message : undefined,
      ),
    );
  }
  b.due = r.due;
  const warning = run.graph.nodes[b.node]?.deadline?.warning;
  const warnAt = warning === undefined ? undefined : budgetWarning(b.start, r.due, warning, run.ctx.calendar);
  if (warnAt === undefined) delete b.warnAt;
  else b.warnAt = warnAt;
  if (r.provisional) {
    b.provisional = true;
    b.provisionalYears = [...r.provisionalYears];
  } else if (b.provisional !== undefined) {
    delete b.provisional;
    delete b.provisionalYears;
  }
  const now = Date.parse(run.now);
  if (Date.parse(b.due) > now) {
    const warned = b.warnAt !== undefined && Date.parse(b.warnAt) <= now;
    if (b.state === 'overdue') {
      if (warned) b.state = 'warning';
      else delete b.state;
    } else if (b.state === 'warning' && !warned) delete b.state;
  }
  return r.pausedDays;
}

/** Drops the budget's timers and, unless it is paused, schedules those its state still needs. */
export function scheduleBudgetTimers(run: Run, b: Budget): void {
  for (const timer of Object.values(run.state.timers)) if (timer.budget === b.id) run.dropTimer(timer.id);
  if (b.pausedAt !== undefined) return;
  const holder =
    b.name === undefined ? Object.values(run.state.tokens).find((t) => t.budget === b.id) : undefined;
  const owner = holder === undefined ? {} : { token: holder.id };
  if (b.state !== 'overdue')
    run.addTimer({
      id: run.nextId('m'),
      purpose: 'deadline',
      node: b.node,
      ...owner,
      due: b.due,
      budget: b.id,
    });
  if (b.state === undefined && b.warnAt !== undefined && Date.parse(b.warnAt) < Date.parse(b.due))
    run.addTimer({
      id: run.nextId('m'),
      purpose: 'warning',
      node: b.node,
      ...owner,
      due: b.warnAt,
      budget: b.id,
    });
}

/** Tells the task list about a budget's tasks: a new due date, or a new deadline state. */
export function updateBudgetTasks(run: Run, b: Budget, change: 'due-changed' | 'deadline-state'): void {
  for (const task of Object.values(run.state.tasks)) {
    if (task.budget !== b.id) continue;
    const kind = change === 'due-changed' && task.due === b.due ? 'deadline-state' : change;
    task.due = b.due;
    run.emit({ type: 'task.updated', instanceId: run.iid, change: kind, task: run.view(task) });
  }
}

/** Starts a pause of one budget (its timers are taken out). */
export function pauseBudget(run: Run, b: Budget, reason: string | undefined, ofCase: boolean): void {
  b.pausedAt = run.now;
  b.pausedFor = {
    ...(reason === undefined ? {} : { reason }),
    actor: run.actor.id,
    ...(ofCase ? { case: true as const } : {}),
  };
  scheduleBudgetTimers(run, b);
  run.emit({ type: 'budget.updated', instanceId: run.iid, budget: { ...b }, change: 'paused' });
  updateBudgetTasks(run, b, 'deadline-state');
}

/**
 * Ends the open pause of a budget: it goes into the ledger with the days not counted, the due date
 * moves by them (in the budget's kind) and the timers are scheduled again. Returns the paused days.
 */
export function resumeBudget(run: Run, b: Budget): number {
  const from = b.pausedAt ?? run.now;
  const pause: NonNullable<Budget['pauses']>[number] = { from, to: run.now };
  if (b.pausedFor?.reason !== undefined) pause.reason = b.pausedFor.reason;
  if (b.pausedFor?.actor !== undefined) pause.actor = b.pausedFor.actor;
  b.pauses = [...(b.pauses ?? []), pause];
  delete b.pausedAt;
  delete b.pausedFor;
  const days = recomputeBudget(run, b);
  pause.days = days[days.length - 1] ?? 0;
  scheduleBudgetTimers(run, b);
  run.emit({ type: 'budget.updated', instanceId: run.iid, budget: { ...b }, change: 'resumed' });
  updateBudgetTasks(run, b, 'due-changed');
  return pause.days;
}

/** Budgets that an element at token `t` runs under: named budgets of its scopes and budgets of enclosing activities. */
function budgetsAround(run: Run, t: Token): Budget[] {
  const chain = run.scopeChain(t.scope);
  const ids = new Set(chain.map((sc) => sc.id));
  const out: Budget[] = [];
  for (const b of Object.values(run.state.budgets)) {
    if (b.name !== undefined) {
      if (ids.has(b.scope ?? 's0')) out.push(b);
      continue;
    }
    const holder = Object.values(run.state.tokens).find((x) => x.budget === b.id);
    if (holder?.child !== undefined && ids.has(holder.child)) out.push(b);
  }
  return out;
}

function pick(run: Run, t: Token, vars: Variables): Budget[] {
  const want = vars.budget;
  const around = budgetsAround(run, t);
  if (typeof want !== 'string') return around;
  const hit = around.filter((b) => b.id === want || b.name === want);
  if (hit.length === 0)
    throw new IncidentSignal(engineError('ENG_ERR_BUDGET_NOT_FOUND', { budgetId: want, node: t.node }));
  return hit;
}

/**
 * The built-in connectors `case.pauseDeadline` and `case.resumeDeadline` (the BPMN face of the
 * `pause-deadline` / `resume-deadline` commands). Input variables: `budget` (name or id; default:
 * every budget the element runs under) and `reason`. `case.resumeDeadline` ends the open pauses;
 * where none is open it records the time since an element of the budget last completed as the
 * pause (a model that puts the hearing between two steps of the budget, as the reference
 * `handling.bpmn` does, thus does not count it). Returns true when `name` is one of them.
 */
export function runDeadlineConnector(run: Run, t: Token, name: string, vars: Variables): boolean {
  if (name !== 'case.pauseDeadline' && name !== 'case.resumeDeadline') return false;
  const reason = typeof vars.reason === 'string' ? vars.reason : undefined;
  const node = run.node(t.node);
  const stage = node.stage === undefined ? {} : { stage: node.stage };
  for (const b of pick(run, t, vars)) {
    if (name === 'case.pauseDeadline') {
      if (b.pausedAt !== undefined) continue;
      pauseBudget(run, b, reason ?? node.name, false);
      run.audit('pause-deadline', {
        actor: SYSTEM_ACTOR.id,
        node: node.id,
        ...stage,
        details: { budgetId: b.id, reason: reason ?? node.name ?? null },
      });
      continue;
    }
    if (b.pausedAt === undefined && b.name !== undefined) {
      // no open pause: the time since the budget's elements were last left is the pause
      const bound = run.index.budgetNodes(b.name).nodes;
      const last = [...run.state.steps].reverse().find((x) => bound.has(x.node));
      const after = [...run.state.steps].reverse().find((x) => !bound.has(x.node));
      const since = (b.pauses ?? []).reduce((m, p) => (p.to > m ? p.to : m), b.start);
      if (last === undefined || last.at <= since) continue;
      b.pausedAt = last.at;
      const why = reason ?? (after === undefined ? undefined : run.graph.nodes[after.node]?.name);
      b.pausedFor = { ...(why === undefined ? {} : { reason: why }), actor: SYSTEM_ACTOR.id };
    }
    if (b.pausedAt === undefined || b.pausedFor?.case === true) continue;
    const days = resumeBudget(run, b);
    run.audit('resume-deadline', {
      actor: SYSTEM_ACTOR.id,
      node: node.id,
      ...stage,
      details: { budgetId: b.id, days, due: b.due },
    });
  }
  return true;
}
