/**
 * Command handlers: task work, the approval moves (退回 驳回 撤回 转办 委派 加签 减签 抄送 催办),
 * case-level moves, timers, messages, calls, jobs and incidents. Each validates against the model
 * and the state, refuses with a coded error, or changes the run's state copy and audits.
 */
import type { UserTaskNode } from '@shidian/bpmn';
import { refuse } from './errors.js';
import { ROOT_SCOPE, type Run } from './runtime.js';
import { budgetDue, periodIn } from './budget-ledger.js';
import {
  pauseBudget,
  recomputeBudget,
  resumeBudget,
  scheduleBudgetTimers,
  updateBudgetTasks,
} from './deadlines.js';
import { addDuration, shift } from './time.js';
import { nextCronTime } from './cron.js';
import {
  SYSTEM_ACTOR,
  type Actor,
  type AddSignersCommand,
  type Budget,
  type CcCommand,
  type Command,
  type CompleteCommand,
  type ExtendDeadlineCommand,
  type FireTimerCommand,
  type Json,
  type PauseDeadlineCommand,
  type RemoveSignerCommand,
  type ResumeDeadlineCommand,
  type TaskState,
  type TimerState,
  type Token,
  type Variables,
} from './types.js';

// ---------------------------------------------------------------------------------------------
// helpers

function openTask(run: Run, taskId: string): TaskState {
  const task = run.state.tasks[taskId];
  if (task === undefined) refuse('ENG_ERR_TASK_NOT_OPEN', { taskId });
  return task;
}

function tokenOf(run: Run, task: TaskState): Token {
  const t = run.state.tokens[task.token];
  if (t === undefined) refuse('ENG_ERR_INTERNAL', { taskId: task.id }, 'task without token');
  return t;
}

/**
 * True when the actor is among the task's candidates (users, groups; units narrow further). An
 * unresolved `$case` unit (the case's responsible unit, when the variable `caseUnit` was not set)
 * is left to the server, which knows the case row.
 */
export function isCandidate(task: TaskState, actor: Actor): boolean {
  const users = task.candidateUsers ?? [];
  const groups = task.candidateGroups ?? [];
  const units = (task.candidateUnits ?? []).filter((u) => u !== '$case');
  const byPerson =
    users.length === 0 && groups.length === 0
      ? true
      : users.includes(actor.id) || groups.some((g) => actor.groups?.includes(g) === true);
  const byUnit = units.length === 0 || units.some((u) => actor.units?.includes(u) === true);
  return byPerson && byUnit;
}

/** The actor may work the task: its assignee, or a candidate of an unclaimed task (claims it). */
function requireWorker(run: Run, task: TaskState, actor: Actor): void {
  if (actor.id === SYSTEM_ACTOR.id) return;
  if (task.assignee !== undefined) {
    if (task.assignee !== actor.id) refuse('ENG_ERR_NOT_ASSIGNEE', { taskId: task.id });
    return;
  }
  if (!isCandidate(task, actor)) refuse('ENG_ERR_NOT_CANDIDATE', { taskId: task.id });
  task.assignee = actor.id;
}

function requireWorkerOrSupervisor(run: Run, task: TaskState, actor: Actor): void {
  if (actor.supervisor === true) return;
  requireWorker(run, task, actor);
}

function stageOf(run: Run, node: string): { stage?: NonNullable<UserTaskNode['stage']> } {
  const stage = run.graph.nodes[node]?.stage;
  return stage === undefined ? {} : { stage };
}

function auditTask(run: Run, type: string, task: TaskState, details?: { readonly [k: string]: Json }): void {
  run.audit(type, {
    node: task.node,
    taskId: task.id,
    ...stageOf(run, task.node),
    ...(details === undefined ? {} : { details }),
  });
}

function releaseHeld(run: Run, t: Token): void {
  const tasks = Object.values(run.state.tasks).filter((x) => x.token === t.id);
  if (tasks.some((x) => x.role === 'before')) return;
  for (const x of tasks) {
    if (x.held === true) {
      delete x.held;
      run.emit({ type: 'task.updated', instanceId: run.iid, change: 'released', task: run.view(x) });
    }
  }
}

// ---------------------------------------------------------------------------------------------
// task work

/** Completes a task (by a person or, for auto-complete, by the system) and continues the activity. */
export function completeTask(
  run: Run,
  task: TaskState,
  actor: Actor,
  variables: Variables,
  outcome: 'approve' | 'reject' | undefined,
): void {
  const t = tokenOf(run, task);
  const node = run.node(task.node);
  const stepId = run.nextId('p');
  const propagate = node.outputs.length === 0 && t.body === undefined;
  const undo: Record<string, Json> = {};
  if (propagate) for (const k of Object.keys(variables)) undo[k] = run.readVar(t.scope, k) ?? null;
  const vars: Variables = { ...task.draft, ...variables };
  run.writeResult(t, vars);
  if (outcome !== undefined) {
    t.outcome = outcome;
    t.locals = { ...t.locals, approved: outcome === 'approve' };
  }
  delete run.state.tasks[task.id];
  run.emit({
    type: 'task.completed',
    instanceId: run.iid,
    taskId: task.id,
    node: task.node,
    actor: actor.id,
    ...(outcome === undefined ? {} : { outcome }),
  });
  auditTask(run, 'complete', task, outcome === undefined ? undefined : { outcome });
  run.state.steps.push({
    id: stepId,
    node: task.node,
    scope: t.scope,
    by: actor.id,
    at: run.now,
    task: task.id,
    ...(propagate && Object.keys(undo).length > 0 ? { undo } : {}),
  });
  run.currentStep = stepId;
  continueActivity(run, t, task.role);
}

function continueActivity(run: Run, t: Token, role: TaskState['role']): void {
  if (role === 'before') releaseHeld(run, t);
  const open = Object.values(run.state.tasks).some((x) => x.token === t.id);
  if (open) return;
  const next = t.after?.shift();
  if (next !== undefined) {
    if (t.after?.length === 0) delete t.after;
    run.createSignerTask(t, 'after', next);
    return;
  }
  t.wait = 'incident';
  run.schedule(t, 'leave');
}

/** Refuses form data that belongs to another task: a different form, or fields this step may not write. */
function checkFormPayload(run: Run, task: TaskState, form: string | undefined, variables: Variables): void {
  const node = run.graph.nodes[task.node];
  if (node?.kind !== 'userTask') return;
  if (form !== undefined && node.form !== undefined && node.form.ref !== form)
    refuse('ENG_ERR_WRONG_FORM', { taskId: task.id, form, expected: node.form.ref });
  if (node.permissions.length === 0) return;
  for (const key of Object.keys(variables)) {
    const rules = node.permissions.filter((p) => p.path === key || p.path.startsWith(`${key}.`));
    const locked = rules.some(
      (p) => (p.path === key || p.path === `${key}.*`) && (p.mode === 'read' || p.mode === 'hidden'),
    );
    const opened = rules.some((p) => p.mode === 'edit' || p.mode === 'required' || p.mode === 'append');
    if (locked && !opened) refuse('ENG_ERR_FIELD_NOT_EDITABLE', { taskId: task.id, field: key });
  }
}

function complete(run: Run, cmd: CompleteCommand): void {
  const task = openTask(run, cmd.taskId);
  checkFormPayload(run, task, cmd.form, cmd.variables ?? {});
  if (task.held === true) refuse('ENG_ERR_TASK_HELD', { taskId: task.id });
  if (task.delegated === true) refuse('ENG_ERR_TASK_DELEGATED', { taskId: task.id });
  requireWorker(run, task, run.actor);
  completeTask(run, task, run.actor, cmd.variables ?? {}, cmd.outcome);
  run.drain();
}

/** After a completion: remember which tokens it produced, so 撤回 can undo it while they are untouched. */
export function markWithdrawable(run: Run): void {
  const stepId = run.currentStep;
  if (stepId === undefined) return;
  const step = run.state.steps.find((x) => x.id === stepId);
  if (step === undefined || run.touched.size === 0) return;
  const produced: string[] = [];
  for (const id of run.touched) {
    const t = run.state.tokens[id];
    if (t === undefined || t.wait !== 'task') return;
    const tasks = Object.values(run.state.tasks).filter((x) => x.token === id);
    if (tasks.length === 0 || tasks.some((x) => x.origin !== stepId)) return;
    produced.push(id);
  }
  step.produced = produced;
}

function withdraw(run: Run, stepId: string | undefined): void {
  const steps = run.state.steps;
  const step =
    stepId === undefined
      ? [...steps].reverse().find((x) => x.by === run.actor.id)
      : steps.find((x) => x.id === stepId);
  if (step === undefined) refuse('ENG_ERR_NOTHING_TO_WITHDRAW', stepId === undefined ? {} : { stepId });
  if (step.by !== run.actor.id && run.actor.supervisor !== true)
    refuse('ENG_ERR_NOT_ASSIGNEE', { stepId: step.id });
  if (step.produced === undefined || run.state.scopes[step.scope] === undefined)
    refuse('ENG_ERR_WITHDRAW_TOO_LATE', { stepId: step.id });
  for (const id of step.produced) {
    const t = run.state.tokens[id];
    const tasks = Object.values(run.state.tasks).filter((x) => x.token === id);
    if (
      t === undefined ||
      t.wait !== 'task' ||
      tasks.length === 0 ||
      tasks.some((x) => x.origin !== step.id || x.touched === true)
    ) {
      refuse('ENG_ERR_WITHDRAW_TOO_LATE', { stepId: step.id });
    }
  }
  for (const id of step.produced) run.cancelToken(id, 'withdrawn');
  for (const [k, v] of Object.entries(step.undo ?? {})) run.writeVar(step.scope, k, v);
  run.state.steps = steps.filter((x) => x !== step);
  const t = run.newToken(step.node, step.scope);
  t.reassign = step.by;
  run.schedule(t, 'enter');
  run.audit('withdraw', {
    node: step.node,
    taskId: step.task,
    ...stageOf(run, step.node),
    details: { stepId: step.id },
  });
  run.drain();
}

function returnTo(run: Run, taskId: string, target: string): void {
  const task = openTask(run, taskId);
  if (task.held === true) refuse('ENG_ERR_TASK_HELD', { taskId });
  requireWorkerOrSupervisor(run, task, run.actor);
  const t = tokenOf(run, task);
  const outer = run.activityToken(t);
  const step = [...run.state.steps].reverse().find((x) => x.node === target && x.scope === outer.scope);
  // the target must be an earlier step on the way to this one (not a sibling branch, not this step)
  if (step === undefined || target === outer.node || !run.index.upstream(outer.node).has(target))
    refuse('ENG_ERR_RETURN_TARGET_NOT_REACHED', { taskId, target });
  const current = run.node(outer.node);
  const mode = current.kind === 'userTask' ? current.returnMode : 're-walk';
  auditTask(run, 'return', task, { target, mode });
  run.moveBack(
    t,
    target,
    step.by,
    mode === 'jump-back' ? { node: outer.node, user: run.actor.id } : undefined,
  );
  run.drain();
}

function reject(run: Run, taskId: string): void {
  const task = openTask(run, taskId);
  requireWorkerOrSupervisor(run, task, run.actor);
  const node = run.node(task.node);
  const target = node.kind === 'userTask' ? node.rejectTarget : undefined;
  if (target === undefined) refuse('ENG_ERR_NO_REJECT_TARGET', { taskId });
  auditTask(run, 'reject', task, { target });
  if (target === 'end') {
    run.endInstance('terminated', 'rejected');
    return;
  }
  const targetNode = run.graph.nodes[target];
  if (targetNode === undefined) refuse('ENG_ERR_NO_REJECT_TARGET', { taskId, target });
  const t = tokenOf(run, task);
  const outer = run.activityToken(t);
  const last = [...run.state.steps].reverse().find((x) => x.node === target && x.scope === outer.scope);
  run.moveBack(t, target, last?.by, undefined);
  run.drain();
}

function transfer(run: Run, taskId: string, to: string): void {
  const task = openTask(run, taskId);
  if (task.delegated === true) refuse('ENG_ERR_TASK_DELEGATED', { taskId });
  requireWorkerOrSupervisor(run, task, run.actor);
  const from = task.assignee ?? null;
  task.assignee = to;
  task.touched = true;
  run.emit({ type: 'task.updated', instanceId: run.iid, change: 'transferred', task: run.view(task) });
  auditTask(run, 'transfer', task, { from, to });
}

function delegate(run: Run, taskId: string, to: string): void {
  const task = openTask(run, taskId);
  if (task.delegated === true) refuse('ENG_ERR_TASK_DELEGATED', { taskId });
  requireWorker(run, task, run.actor);
  if (to === run.actor.id) refuse('ENG_ERR_BAD_COMMAND', { to }, 'cannot delegate to oneself');
  task.owner = run.actor.id;
  task.assignee = to;
  task.delegated = true;
  task.touched = true;
  run.emit({ type: 'task.updated', instanceId: run.iid, change: 'delegated', task: run.view(task) });
  auditTask(run, 'delegate', task, { to });
}

function resolve(run: Run, taskId: string, variables: Variables | undefined): void {
  const task = openTask(run, taskId);
  if (task.delegated !== true || task.owner === undefined) refuse('ENG_ERR_NOT_DELEGATED', { taskId });
  if (task.assignee !== run.actor.id) refuse('ENG_ERR_NOT_ASSIGNEE', { taskId });
  if (variables !== undefined) task.draft = { ...task.draft, ...variables };
  task.assignee = task.owner;
  delete task.owner;
  delete task.delegated;
  run.emit(
    task.draft === undefined
      ? { type: 'task.updated', instanceId: run.iid, change: 'resolved', task: run.view(task) }
      : {
          type: 'task.updated',
          instanceId: run.iid,
          change: 'resolved',
          task: run.view(task),
          draft: task.draft,
        },
  );
  auditTask(run, 'resolve', task);
}

function claim(run: Run, taskId: string): void {
  const task = openTask(run, taskId);
  if (task.assignee !== undefined) refuse('ENG_ERR_ALREADY_CLAIMED', { taskId });
  if (!isCandidate(task, run.actor)) refuse('ENG_ERR_NOT_CANDIDATE', { taskId });
  task.assignee = run.actor.id;
  task.touched = true;
  run.emit({ type: 'task.updated', instanceId: run.iid, change: 'claimed', task: run.view(task) });
  auditTask(run, 'claim', task);
}

function unclaim(run: Run, taskId: string): void {
  const task = openTask(run, taskId);
  if (task.assignee === undefined) refuse('ENG_ERR_NOT_CLAIMED', { taskId });
  if (task.delegated === true) refuse('ENG_ERR_TASK_DELEGATED', { taskId });
  if (task.assignee !== run.actor.id && run.actor.supervisor !== true)
    refuse('ENG_ERR_NOT_ASSIGNEE', { taskId });
  delete task.assignee;
  run.emit({ type: 'task.updated', instanceId: run.iid, change: 'unclaimed', task: run.view(task) });
  auditTask(run, 'unclaim', task);
}

function saveDraft(run: Run, taskId: string, variables: Variables, form: string | undefined): void {
  const task = openTask(run, taskId);
  checkFormPayload(run, task, form, variables);
  requireWorker(run, task, run.actor);
  task.draft = { ...task.draft, ...variables };
  task.touched = true;
  run.emit({
    type: 'task.updated',
    instanceId: run.iid,
    change: 'draft',
    task: run.view(task),
    draft: task.draft,
  });
  auditTask(run, 'save-draft', task);
}

function addSigners(run: Run, cmd: AddSignersCommand): void {
  const task = openTask(run, cmd.taskId);
  if (task.held === true) refuse('ENG_ERR_TASK_HELD', { taskId: task.id });
  requireWorkerOrSupervisor(run, task, run.actor);
  const users = [...new Set(cmd.users)];
  if (users.length === 0) refuse('ENG_ERR_BAD_SIGNERS', { taskId: task.id });
  const t = tokenOf(run, task);
  const node = run.node(task.node);
  const body = t.body === undefined ? undefined : run.state.tokens[t.body];
  if (cmd.position === 'alongside' && body?.mi !== undefined) {
    for (const u of users) {
      body.mi.items.push(u);
      if (!run.sequential(node)) run.spawnInner(body, node, body.mi.items.length - 1);
    }
  } else if (cmd.position === 'before') {
    for (const u of users) run.createSignerTask(t, 'before', u);
    task.held = true;
    run.emit({ type: 'task.updated', instanceId: run.iid, change: 'held', task: run.view(task) });
  } else if (cmd.position === 'alongside') {
    for (const u of users) run.createSignerTask(t, 'alongside', u);
  } else {
    t.after = [...(t.after ?? []), ...users];
  }
  task.touched = true;
  auditTask(run, 'add-signers', task, { users, position: cmd.position });
  run.drain();
}

function removeSigner(run: Run, cmd: RemoveSignerCommand): void {
  const task = openTask(run, cmd.taskId);
  requireWorkerOrSupervisor(run, task, run.actor);
  const t = tokenOf(run, task);
  if (cmd.user !== undefined) {
    const i = t.after?.indexOf(cmd.user) ?? -1;
    if (i < 0 || t.after === undefined) refuse('ENG_ERR_SIGNER_NOT_PENDING', { user: cmd.user });
    t.after.splice(i, 1);
    if (t.after.length === 0) delete t.after;
    auditTask(run, 'remove-signer', task, { user: cmd.user });
    return;
  }
  const sigId = cmd.signerTaskId;
  if (sigId === undefined || sigId === task.id) refuse('ENG_ERR_BAD_SIGNERS', { taskId: task.id });
  const sig = run.state.tasks[sigId];
  if (sig === undefined) refuse('ENG_ERR_SIGNER_NOT_PENDING', { signerTaskId: sigId });
  const sigTok = tokenOf(run, sig);
  if (sig.role !== 'main' && sig.token === task.token) {
    delete run.state.tasks[sig.id];
    run.emit({
      type: 'task.cancelled',
      instanceId: run.iid,
      taskId: sig.id,
      node: sig.node,
      reason: 'signer-removed',
    });
    releaseHeld(run, t);
  } else if (sig.role === 'main' && sigTok.body !== undefined && sigTok.body === t.body) {
    const body = run.state.tokens[sigTok.body];
    if (body?.mi === undefined || body.mi.active.length <= 1)
      refuse('ENG_ERR_LAST_SIGNER', { signerTaskId: sigId });
    run.cancelToken(sigTok.id, 'signer-removed');
    body.mi.removed += 1;
    run.afterInner(body, run.node(body.node));
  } else refuse('ENG_ERR_SIGNER_NOT_PENDING', { signerTaskId: sigId });
  auditTask(run, 'remove-signer', task, { signerTaskId: sigId, user: sig.assignee ?? null });
  run.drain();
}

function cc(run: Run, cmd: CcCommand): void {
  const task = cmd.taskId === undefined ? undefined : openTask(run, cmd.taskId);
  const users = [...new Set(cmd.users)];
  const groups = [...new Set(cmd.groups ?? [])];
  if (users.length + groups.length === 0) refuse('ENG_ERR_BAD_COMMAND', {}, 'no CC recipients');
  const id = run.nextId('x');
  const item = {
    id,
    users,
    groups,
    by: run.actor.id,
    at: run.now,
    readBy: [] as string[],
    ...(task === undefined ? {} : { node: task.node, task: task.id }),
  };
  run.state.cc[id] = item;
  run.emit({
    type: 'cc.created',
    instanceId: run.iid,
    ccId: id,
    users,
    groups,
    ...(task === undefined ? {} : { node: task.node, taskId: task.id }),
  });
  run.audit('cc', {
    ...(task === undefined ? {} : { node: task.node, taskId: task.id, ...stageOf(run, task.node) }),
    details: { users, groups },
  });
}

function readCc(run: Run, ccId: string): void {
  const item = run.state.cc[ccId];
  if (item === undefined) refuse('ENG_ERR_CC_NOT_FOUND', { ccId });
  const a = run.actor;
  if (!item.users.includes(a.id) && !item.groups.some((g) => a.groups?.includes(g) === true))
    refuse('ENG_ERR_NOT_CC_RECIPIENT', { ccId });
  if (!item.readBy.includes(a.id)) item.readBy.push(a.id);
  run.emit({ type: 'cc.read', instanceId: run.iid, ccId, user: a.id });
  run.audit('read-cc', { details: { ccId } });
}

function urge(run: Run, taskId: string): void {
  const task = openTask(run, taskId);
  task.urged = (task.urged ?? 0) + 1;
  run.emit({ type: 'task.updated', instanceId: run.iid, change: 'urged', task: run.view(task) });
  auditTask(run, 'urge', task, { count: task.urged });
}

// ---------------------------------------------------------------------------------------------
// case level

function suspend(run: Run, reason: string): void {
  const s = run.state;
  if (s.suspendedAt !== undefined) refuse('ENG_ERR_SUSPENDED');
  s.suspendedAt = run.now;
  // model timers wait out the suspension; budget timers are rescheduled from the budget on resume
  const kept: Record<string, TimerState> = {};
  for (const timer of Object.values(s.timers)) if (timer.budget === undefined) kept[timer.id] = timer;
  s.pausedTimers = kept;
  for (const id of Object.keys(s.timers)) if (kept[id] !== undefined) run.dropTimer(id);
  for (const b of Object.values(s.budgets)) if (b.pausedAt === undefined) pauseBudget(run, b, reason, true);
  run.audit('suspend', { details: { reason } });
}

function resume(run: Run): void {
  const s = run.state;
  if (s.suspendedAt === undefined) refuse('ENG_ERR_NOT_SUSPENDED');
  const delta = Math.max(0, Date.parse(run.now) - Date.parse(s.suspendedAt));
  for (const timer of Object.values(s.pausedTimers ?? {})) {
    if (timer.budget !== undefined) continue;
    if (timer.cron === undefined) run.addTimer({ ...timer, due: shift(timer.due, delta) });
    else {
      // a cron cycle keeps to the clock: its next match after now (matches while suspended are skipped)
      const due = Date.parse(timer.due) > Date.parse(run.now) ? timer.due : nextCronTime(timer.cron, run.now);
      if (due !== undefined) run.addTimer({ ...timer, due });
    }
  }
  for (const b of Object.values(s.budgets))
    if (b.pausedAt !== undefined && (b.pausedFor === undefined || b.pausedFor.case === true))
      resumeBudget(run, b);
  delete s.suspendedAt;
  delete s.pausedTimers;
  run.audit('resume', { details: { pausedMs: delta } });
}

/** The budget a deadline command names: by id or name (`budget` / `budgetId`), or by a task on it. */
function budgetOfCommand(run: Run, ref: string | undefined, taskId: string | undefined): Budget {
  const s = run.state;
  const b =
    ref !== undefined
      ? (s.budgets[ref] ?? Object.values(s.budgets).find((x) => x.name === ref))
      : taskId === undefined
        ? undefined
        : (() => {
            const task = openTask(run, taskId);
            return task.budget === undefined ? undefined : s.budgets[task.budget];
          })();
  if (b === undefined) refuse('ENG_ERR_BUDGET_NOT_FOUND', { budgetId: ref ?? taskId ?? null });
  return b;
}

function pauseDeadline(run: Run, cmd: PauseDeadlineCommand): void {
  const b = budgetOfCommand(run, cmd.budget, cmd.taskId);
  if (b.pausedAt !== undefined) refuse('ENG_ERR_BUDGET_PAUSED', { budgetId: b.id });
  pauseBudget(run, b, cmd.reason, false);
  run.audit('pause-deadline', {
    node: b.node,
    ...stageOf(run, b.node),
    details: { budgetId: b.id, reason: cmd.reason },
  });
}

function resumeDeadline(run: Run, cmd: ResumeDeadlineCommand): void {
  const b = budgetOfCommand(run, cmd.budget, cmd.taskId);
  if (b.pausedAt === undefined || b.pausedFor?.case === true)
    refuse('ENG_ERR_BUDGET_NOT_PAUSED', { budgetId: b.id });
  const days = resumeBudget(run, b);
  run.audit('resume-deadline', {
    node: b.node,
    ...stageOf(run, b.node),
    details: { budgetId: b.id, days, due: b.due },
  });
}

/**
 * 信访工作条例 (2022): the handling period may be extended once, by at most 30 days, before it ends
 * (`HANDLING_EXTENSION_POLICY` of `@shidian/calendar`). Applied to every budget whose `basis` is not
 * `internal` (a budget without a basis is presumed statutory).
 */
const MAX_STATUTORY_EXTENSION_DAYS = 30;

/** The due date of a paused budget as if its open pause ended now (its current due date if the calendar fails). */
function dueIfResumedNow(run: Run, b: Budget): string {
  try {
    const pauses = [...(b.pauses ?? []), { from: b.pausedAt ?? run.now, to: run.now }];
    return budgetDue({ ...b, pauses }, run.ctx.calendar).due;
  } catch {
    return b.due;
  }
}

function extendDeadline(run: Run, cmd: ExtendDeadlineCommand): void {
  const b = budgetOfCommand(run, cmd.budgetId, cmd.taskId);
  const limited = b.basis !== 'internal';
  if (limited && (b.extensions?.length ?? 0) >= 1) refuse('ENG_ERR_EXTENSION_LIMIT', { budgetId: b.id });
  const p = periodIn(cmd.period, b.kind);
  if (p === undefined) refuse('ENG_ERR_BAD_PERIOD', { period: cmd.period });
  const before = b.due;
  if (limited) {
    // approved no later than the due date it extends (an open pause counts as closed now)
    const current = b.pausedAt === undefined ? before : dueIfResumedNow(run, b);
    if (Date.parse(run.now) > Date.parse(current))
      refuse('ENG_ERR_EXTENSION_TOO_LATE', { budgetId: b.id, due: current });
    if (p.days > MAX_STATUTORY_EXTENSION_DAYS)
      refuse('ENG_ERR_EXTENSION_TOO_LONG', { budgetId: b.id, period: cmd.period });
  }
  const ledger = b.extensions;
  b.extensions = [
    ...(ledger ?? []),
    { period: cmd.period, approver: cmd.approver, reason: cmd.reason, at: run.now },
  ];
  recomputeBudget(run, b);
  // a working-day extension may not reach further than 30 calendar days either (a calendar-day
  // extension of ≤ 30 days may still end later through the roll-over of a rest day: that is legal)
  if (
    limited &&
    p.kind === 'working' &&
    Date.parse(b.due) - Date.parse(before) > MAX_STATUTORY_EXTENSION_DAYS * 86_400_000
  ) {
    if (ledger === undefined) delete b.extensions;
    else b.extensions = ledger;
    recomputeBudget(run, b);
    refuse('ENG_ERR_EXTENSION_TOO_LONG', { budgetId: b.id, period: cmd.period });
  }
  const due = b.due;
  scheduleBudgetTimers(run, b);
  run.emit({ type: 'budget.updated', instanceId: run.iid, budget: { ...b }, change: 'extended' });
  updateBudgetTasks(run, b, 'due-changed');
  run.audit('extend-deadline', {
    node: b.node,
    ...stageOf(run, b.node),
    details: { budgetId: b.id, period: cmd.period, approver: cmd.approver, reason: cmd.reason, due },
  });
}

/**
 * Recomputes every open budget marked `provisional` with the current calendar (e.g. after the State
 * Council's schedule for the year was loaded): new due date, timers, tasks; the flag goes when no
 * provisional day is looked at any more. Budgets whose date does not move are still re-flagged.
 */
function recomputeDeadlines(run: Run): void {
  const budgets: { budgetId: string; from: string; due: string; provisional: boolean }[] = [];
  for (const b of Object.values(run.state.budgets)) {
    if (b.provisional !== true) continue;
    const from = b.due;
    recomputeBudget(run, b);
    scheduleBudgetTimers(run, b);
    run.emit({ type: 'budget.updated', instanceId: run.iid, budget: { ...b }, change: 'recomputed' });
    updateBudgetTasks(run, b, 'due-changed');
    budgets.push({ budgetId: b.id, from, due: b.due, provisional: b.provisional === true });
  }
  run.audit('recompute-deadlines', { details: { budgets } });
}

// ---------------------------------------------------------------------------------------------
// timers

function fireTimer(run: Run, cmd: FireTimerCommand): void {
  const s = run.state;
  const timer = s.timers[cmd.timerId];
  if (timer === undefined) refuse('ENG_ERR_TIMER_NOT_FOUND', { timerId: cmd.timerId });
  if (Date.parse(timer.due) > Date.parse(run.now))
    refuse('ENG_ERR_TIMER_NOT_DUE', { timerId: timer.id, due: timer.due });
  run.audit('timer.fired', {
    actor: SYSTEM_ACTOR.id,
    node: timer.node,
    details: { timerId: timer.id, purpose: timer.purpose },
  });
  const owner = timer.token === undefined ? undefined : s.tokens[timer.token];
  const rearm = (): void => {
    run.dropTimer(timer.id);
    if (timer.cron !== undefined) {
      // the next cron time after the later of this occurrence and now: missed ones are not made up
      const later = Date.parse(run.now) > Date.parse(timer.due) ? run.now : timer.due;
      const due = nextCronTime(timer.cron, later);
      if (due !== undefined) run.addTimer({ ...timer, id: run.nextId('m'), due });
    } else if (timer.cycle !== undefined && timer.repeat !== undefined && timer.repeat !== 0) {
      run.addTimer({
        ...timer,
        id: run.nextId('m'),
        due: addDuration(timer.due, timer.cycle) ?? timer.due,
        repeat: timer.repeat === -1 ? -1 : timer.repeat - 1,
      });
    }
  };
  const node = run.node(timer.node);
  switch (timer.purpose) {
    case 'boundary':
      if (node.kind !== 'boundaryEvent' || owner === undefined) {
        run.dropTimer(timer.id);
        break;
      }
      if (!node.cancelActivity) rearm();
      run.triggerBoundary(node, owner, {});
      break;
    case 'catch':
      if (owner !== undefined) {
        run.releaseOwned(owner.id, 'triggered');
        owner.wait = 'incident';
        run.schedule(owner, 'leave');
      } else run.dropTimer(timer.id);
      break;
    case 'event-gateway':
      if (owner !== undefined) run.chooseGatewayPath(owner, timer.node, {});
      else run.dropTimer(timer.id);
      break;
    case 'event-subprocess':
      rearm();
      if (node.kind === 'startEvent' && timer.scope !== undefined) run.triggerEsp(node, timer.scope, {});
      break;
    case 'deadline':
    case 'warning':
      run.dropTimer(timer.id);
      timeout(run, timer.purpose, timer.budget);
      break;
    default:
      run.dropTimer(timer.id);
  }
  run.drain();
}

/** A deadline (or its warning) came due: record it and run the timeout action with the system as actor. */
function timeout(run: Run, purpose: 'deadline' | 'warning', budgetId: string | undefined): void {
  const b = budgetId === undefined ? undefined : run.state.budgets[budgetId];
  if (b === undefined) return;
  const tasks = run.tasksOfBudget(b);
  if (purpose === 'warning') {
    if (b.state === undefined) b.state = 'warning';
    run.emit({ type: 'budget.updated', instanceId: run.iid, budget: { ...b }, change: 'warning' });
    updateBudgetTasks(run, b, 'deadline-state');
    for (const task of tasks)
      run.emit({
        type: 'notice.requested',
        instanceId: run.iid,
        template: 'deadline.warning',
        node: task.node,
        variables: { taskId: task.id, due: b.due },
      });
    return;
  }
  b.state = 'overdue';
  for (const timer of Object.values(run.state.timers))
    if (timer.budget === b.id && timer.purpose === 'warning') run.dropTimer(timer.id);
  updateBudgetTasks(run, b, 'deadline-state');
  run.emit({ type: 'budget.updated', instanceId: run.iid, budget: { ...b }, change: 'overdue' });
  const sys = { actor: SYSTEM_ACTOR.id, node: b.node, ...stageOf(run, b.node) };
  switch (b.onTimeout) {
    case 'remind':
      for (const task of tasks) {
        task.urged = (task.urged ?? 0) + 1;
        run.emit({ type: 'task.updated', instanceId: run.iid, change: 'urged', task: run.view(task) });
        run.emit({
          type: 'notice.requested',
          instanceId: run.iid,
          template: 'deadline.overdue',
          node: task.node,
          variables: { taskId: task.id, due: b.due },
        });
      }
      run.audit('timeout.remind', { ...sys, details: { budgetId: b.id } });
      break;
    case 'escalate':
      for (const task of tasks) {
        if (b.escalateTo !== undefined && !(task.candidateGroups ?? []).includes(b.escalateTo))
          task.candidateGroups = [...(task.candidateGroups ?? []), b.escalateTo];
        run.emit({ type: 'task.updated', instanceId: run.iid, change: 'escalated', task: run.view(task) });
      }
      run.audit('timeout.escalate', { ...sys, details: { budgetId: b.id, to: b.escalateTo ?? null } });
      break;
    case 'auto-return': {
      run.audit('timeout.auto-return', { ...sys, details: { budgetId: b.id } });
      const done = new Set<string>();
      for (const task of tasks) {
        const t = run.state.tokens[task.token];
        if (t === undefined) continue;
        const outer = run.activityToken(t);
        if (done.has(outer.id) || run.state.tokens[outer.id] === undefined) continue;
        done.add(outer.id);
        const step = [...run.state.steps]
          .reverse()
          .find((x) => x.scope === outer.scope && x.node !== outer.node);
        if (step === undefined) {
          task.urged = (task.urged ?? 0) + 1;
          run.emit({ type: 'task.updated', instanceId: run.iid, change: 'urged', task: run.view(task) });
          continue;
        }
        run.moveBack(t, step.node, step.by, undefined);
      }
      break;
    }
    case 'auto-complete':
      run.audit('timeout.auto-complete', { ...sys, details: { budgetId: b.id } });
      for (const task of tasks)
        if (run.state.tasks[task.id] !== undefined) completeTask(run, task, SYSTEM_ACTOR, {}, undefined);
      run.currentStep = undefined;
      break;
    default:
      break;
  }
}

// ---------------------------------------------------------------------------------------------
// dispatch

/** Applies one command (other than `start`) to the run. */
export function applyCommand(run: Run, cmd: Command): void {
  const s = run.state;
  switch (cmd.type) {
    case 'start':
      refuse('ENG_ERR_ALREADY_STARTED');
      break;
    case 'complete':
      complete(run, cmd);
      break;
    case 'claim':
      claim(run, cmd.taskId);
      break;
    case 'unclaim':
      unclaim(run, cmd.taskId);
      break;
    case 'save-draft':
      saveDraft(run, cmd.taskId, cmd.variables, cmd.form);
      break;
    case 'return':
      returnTo(run, cmd.taskId, cmd.target);
      break;
    case 'reject':
      reject(run, cmd.taskId);
      break;
    case 'withdraw':
      withdraw(run, cmd.stepId);
      break;
    case 'transfer':
      transfer(run, cmd.taskId, cmd.to);
      break;
    case 'delegate':
      delegate(run, cmd.taskId, cmd.to);
      break;
    case 'resolve':
      resolve(run, cmd.taskId, cmd.variables);
      break;
    case 'add-signers':
      addSigners(run, cmd);
      break;
    case 'remove-signer':
      removeSigner(run, cmd);
      break;
    case 'cc':
      cc(run, cmd);
      break;
    case 'read-cc':
      readCc(run, cmd.ccId);
      break;
    case 'urge':
      urge(run, cmd.taskId);
      break;
    case 'cancel':
      run.audit('cancel', { details: { reason: cmd.reason } });
      run.endInstance('cancelled', cmd.reason);
      break;
    case 'suspend':
      suspend(run, cmd.reason);
      break;
    case 'resume':
      resume(run);
      break;
    case 'extend-deadline':
      extendDeadline(run, cmd);
      break;
    case 'pause-deadline':
      pauseDeadline(run, cmd);
      break;
    case 'resume-deadline':
      resumeDeadline(run, cmd);
      break;
    case 'recompute-deadlines':
      recomputeDeadlines(run);
      break;
    case 'fire-timer':
      fireTimer(run, cmd);
      break;
    case 'message': {
      const sub = Object.values(s.subscriptions).find(
        (x) =>
          x.kind === 'message' &&
          x.name === cmd.name &&
          (x.correlationKey === undefined || x.correlationKey === cmd.correlationKey),
      );
      if (sub === undefined)
        refuse('ENG_ERR_NO_SUBSCRIPTION', { name: cmd.name, correlationKey: cmd.correlationKey ?? null });
      run.audit('message', { node: sub.node, details: { name: cmd.name } });
      run.deliver(sub, cmd.variables ?? {});
      run.drain();
      break;
    }
    case 'signal': {
      const n = run.deliverSignal(cmd.name, cmd.variables ?? {});
      run.audit('signal', { details: { name: cmd.name, delivered: n } });
      run.drain();
      break;
    }
    case 'child-completed':
    case 'job-completed': {
      const isCall = cmd.type === 'child-completed';
      const id = isCall ? cmd.callId : cmd.jobId;
      const rec = isCall ? s.calls[id] : s.jobs[id];
      if (rec === undefined) refuse(isCall ? 'ENG_ERR_CALL_NOT_FOUND' : 'ENG_ERR_JOB_NOT_FOUND', { id });
      const t = s.tokens[rec.token];
      if (isCall) delete s.calls[id];
      else delete s.jobs[id];
      run.audit(cmd.type, { node: rec.node, details: { id } });
      if (t === undefined) break;
      delete t.child;
      const node = run.node(t.node);
      const vars = cmd.variables ?? {};
      if (node.kind === 'callActivity' && node.outputs.length === 0 && !node.propagateAllChildVariables) {
        // only mapped outputs come back
      } else run.writeResult(t, vars);
      t.wait = 'incident';
      run.schedule(t, 'leave');
      run.drain();
      break;
    }
    case 'child-failed':
    case 'job-failed': {
      const isCall = cmd.type === 'child-failed';
      const id = isCall ? cmd.callId : cmd.jobId;
      const rec = isCall ? s.calls[id] : s.jobs[id];
      if (rec === undefined) refuse(isCall ? 'ENG_ERR_CALL_NOT_FOUND' : 'ENG_ERR_JOB_NOT_FOUND', { id });
      const t = s.tokens[rec.token];
      if (isCall) delete s.calls[id];
      else delete s.jobs[id];
      run.audit(cmd.type, { node: rec.node, details: { id, errorCode: cmd.errorCode ?? null } });
      if (t === undefined) break;
      delete t.child;
      if (cmd.errorCode === undefined || !run.throwError(t, cmd.errorCode)) {
        const code = isCall ? 'ENG_ERR_CALL_FAILED' : 'ENG_ERR_CONNECTOR_FAILED';
        run.raiseIncident(
          t,
          { code, message: cmd.message ?? code, details: { errorCode: cmd.errorCode ?? null } },
          'enter',
        );
      }
      run.drain();
      break;
    }
    case 'set-variables': {
      const scope = s.scopes[cmd.scope ?? ROOT_SCOPE];
      if (scope === undefined) refuse('ENG_ERR_SCOPE_NOT_FOUND', { scope: cmd.scope ?? null });
      Object.assign(scope.variables, cmd.variables);
      run.audit('set-variables', { details: { scope: scope.id, names: Object.keys(cmd.variables) } });
      break;
    }
    case 'retry-incident': {
      const inc = s.incidents[cmd.incidentId];
      if (inc === undefined) refuse('ENG_ERR_INCIDENT_NOT_FOUND', { incidentId: cmd.incidentId });
      const t = s.tokens[inc.token];
      delete s.incidents[inc.id];
      run.emit({ type: 'incident.resolved', instanceId: run.iid, incidentId: inc.id });
      run.audit('retry-incident', { node: inc.node, details: { incidentId: inc.id, code: inc.code } });
      if (t !== undefined) run.schedule(t, t.phase ?? 'enter');
      run.drain();
      break;
    }
  }
}
