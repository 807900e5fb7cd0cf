/**
 * `step(graph, state, command, now, ctx?) → { ok, state, effects }`: the one entry point of the engine.
 */
import type { ProcessGraph } from '@shidian/bpmn';
import { IncidentSignal, Refusal, engineError, refuse } from './errors.js';
import { indexOf } from './graph-index.js';
import { applyCommand, markWithdrawable } from './moves.js';
import { ROOT_SCOPE, Run } from './runtime.js';
import { isInstant } from './time.js';
import { upgradeState } from './upgrade.js';
import { cloneState } from './clone.js';
import {
  STATE_VERSION,
  SYSTEM_ACTOR,
  type Actor,
  type Command,
  type CommandType,
  type EngineState,
  type StartCommand,
  type StepContext,
  type StepResult,
} from './types.js';

const STRING_FIELDS: Readonly<Record<CommandType, readonly string[]>> = {
  start: ['instanceId'],
  complete: ['taskId'],
  claim: ['taskId'],
  unclaim: ['taskId'],
  'save-draft': ['taskId'],
  return: ['taskId', 'target'],
  reject: ['taskId'],
  withdraw: [],
  transfer: ['taskId', 'to'],
  delegate: ['taskId', 'to'],
  resolve: ['taskId'],
  'add-signers': ['taskId', 'position'],
  'remove-signer': ['taskId'],
  cc: [],
  'read-cc': ['ccId'],
  urge: ['taskId'],
  cancel: ['reason'],
  suspend: ['reason'],
  resume: [],
  'extend-deadline': ['period', 'approver', 'reason'],
  'pause-deadline': ['reason'],
  'resume-deadline': [],
  'recompute-deadlines': [],
  'fire-timer': ['timerId'],
  message: ['name'],
  signal: ['name'],
  'child-completed': ['callId'],
  'child-failed': ['callId'],
  'job-completed': ['jobId'],
  'job-failed': ['jobId'],
  'set-variables': [],
  'retry-incident': ['incidentId'],
};

/** Commands that a person must issue (an actor is required). */
const NEEDS_ACTOR = new Set<CommandType>([
  'complete',
  'claim',
  'unclaim',
  'save-draft',
  'return',
  'reject',
  'withdraw',
  'transfer',
  'delegate',
  'resolve',
  'add-signers',
  'remove-signer',
  'cc',
  'read-cc',
  'urge',
  'cancel',
  'suspend',
  'resume',
  'extend-deadline',
  'pause-deadline',
  'resume-deadline',
  'set-variables',
  'retry-incident',
]);

/** Commands accepted while the instance is suspended. */
const WHILE_SUSPENDED = new Set<CommandType>([
  'resume',
  'cancel',
  'extend-deadline',
  'recompute-deadlines',
  'read-cc',
  'set-variables',
  'urge',
  'cc',
]);

const isObject = (v: unknown): v is Record<string, unknown> =>
  typeof v === 'object' && v !== null && !Array.isArray(v);
const isStringList = (v: unknown): v is string[] =>
  Array.isArray(v) && v.every((x) => typeof x === 'string' && x !== '');

function isJson(v: unknown, depth = 0): boolean {
  if (depth > 64) return false;
  if (v === null || typeof v === 'string' || typeof v === 'boolean') return true;
  if (typeof v === 'number') return Number.isFinite(v);
  if (Array.isArray(v)) return v.every((x) => isJson(x, depth + 1));
  if (isObject(v))
    return (
      Object.getPrototypeOf(v) === Object.prototype && Object.values(v).every((x) => isJson(x, depth + 1))
    );
  return false;
}

/** Checks the shape of a command coming from outside; refuses with `ENG_ERR_BAD_COMMAND`. */
function validate(raw: unknown): Command {
  if (!isObject(raw) || typeof raw.type !== 'string')
    refuse('ENG_ERR_BAD_COMMAND', {}, 'a command is an object with a `type`');
  const type = raw.type as CommandType;
  const fields = STRING_FIELDS[type];
  if (fields === undefined) refuse('ENG_ERR_UNKNOWN_COMMAND', { type: raw.type });
  for (const f of fields)
    if (typeof raw[f] !== 'string' || raw[f] === '')
      refuse('ENG_ERR_BAD_COMMAND', { field: f }, `\`${f}\` must be a non-empty string`);
  for (const f of [
    'comment',
    'startEvent',
    'message',
    'businessKey',
    'correlationKey',
    'stepId',
    'signerTaskId',
    'user',
    'budgetId',
    'budget',
    'errorCode',
    'scope',
    'form',
  ]) {
    if (raw[f] !== undefined && typeof raw[f] !== 'string') refuse('ENG_ERR_BAD_COMMAND', { field: f });
  }
  if (type !== 'extend-deadline' && raw.taskId !== undefined && typeof raw.taskId !== 'string')
    refuse('ENG_ERR_BAD_COMMAND', { field: 'taskId' });
  if (raw.variables !== undefined && (!isObject(raw.variables) || !isJson(raw.variables)))
    refuse('ENG_ERR_BAD_VARIABLES');
  if ((type === 'save-draft' || type === 'set-variables') && raw.variables === undefined)
    refuse('ENG_ERR_BAD_VARIABLES');
  if (raw.outcome !== undefined && raw.outcome !== 'approve' && raw.outcome !== 'reject')
    refuse('ENG_ERR_BAD_COMMAND', { field: 'outcome' });
  if (
    type === 'add-signers' &&
    (!isStringList(raw.users) || !['before', 'after', 'alongside'].includes(raw.position as string))
  )
    refuse('ENG_ERR_BAD_SIGNERS');
  if (type === 'cc' && (!isStringList(raw.users) || (raw.groups !== undefined && !isStringList(raw.groups))))
    refuse('ENG_ERR_BAD_COMMAND', { field: 'users' });
  if (type === 'extend-deadline' && raw.budgetId === undefined && typeof raw.taskId !== 'string')
    refuse('ENG_ERR_BAD_COMMAND', { field: 'budgetId' });
  if (
    (type === 'pause-deadline' || type === 'resume-deadline') &&
    raw.budget === undefined &&
    typeof raw.taskId !== 'string'
  )
    refuse('ENG_ERR_BAD_COMMAND', { field: 'budget' });
  if (raw.actor !== undefined) {
    const a = raw.actor;
    if (!isObject(a) || typeof a.id !== 'string' || a.id === '')
      refuse('ENG_ERR_BAD_COMMAND', { field: 'actor' });
    if (
      (a.groups !== undefined && !isStringList(a.groups)) ||
      (a.units !== undefined && !isStringList(a.units))
    )
      refuse('ENG_ERR_BAD_COMMAND', { field: 'actor' });
  } else if (NEEDS_ACTOR.has(type)) refuse('ENG_ERR_ACTOR_REQUIRED', { type });
  return raw as unknown as Command;
}

function start(run: Run, cmd: StartCommand, graph: ProcessGraph): void {
  const idx = indexOf(graph);
  const scope = graph.scopes[idx.processScope];
  if (scope === undefined) refuse('ENG_ERR_NO_START_EVENT');
  const starts = scope.nodes
    .map((id) => graph.nodes[id])
    .filter(
      (n): n is Extract<NonNullable<typeof n>, { kind: 'startEvent' }> =>
        n?.kind === 'startEvent' && n.scope === idx.processScope,
    );
  let chosen;
  if (cmd.startEvent !== undefined) chosen = starts.find((n) => n.id === cmd.startEvent);
  else if (cmd.message !== undefined) {
    chosen = starts.find(
      (n) =>
        n.event.type === 'message' &&
        (n.event.messageName ??
          (n.event.messageRef === undefined ? undefined : graph.messages[n.event.messageRef]?.name)) ===
          cmd.message,
    );
  } else
    chosen =
      starts.find((n) => scope.startEvents.includes(n.id) && n.event.type === 'none') ??
      starts.find((n) => n.event.type === 'none');
  if (chosen === undefined)
    refuse('ENG_ERR_NO_START_EVENT', { startEvent: cmd.startEvent ?? null, message: cmd.message ?? null });
  run.audit('start', {
    node: chosen.id,
    ...(chosen.stage === undefined ? {} : { stage: chosen.stage }),
    // A timer start event is started by the scheduler: the audit says so (`trigger: 'timer'`).
    details: { processId: graph.id, ...(chosen.event.type === 'timer' ? { trigger: 'timer' } : {}) },
  });
  run.attachEventSubProcesses(run.state.scopes[ROOT_SCOPE] as NonNullable<EngineState['scopes'][string]>);
  run.schedule(run.newToken(chosen.id, ROOT_SCOPE), 'leave');
  run.drain();
}

function emptyState(graph: ProcessGraph, cmd: StartCommand, now: string): EngineState {
  const state: EngineState = {
    stateVersion: STATE_VERSION,
    instanceId: cmd.instanceId,
    processId: graph.id,
    status: 'active',
    startedAt: now,
    seq: 0,
    revision: 0,
    audit: 0,
    scopes: {
      [ROOT_SCOPE]: { id: ROOT_SCOPE, node: graph.id, kind: 'process', variables: { ...cmd.variables } },
    },
    tokens: {},
    tasks: {},
    timers: {},
    subscriptions: {},
    incidents: {},
    budgets: {},
    calls: {},
    jobs: {},
    cc: {},
    steps: [],
  };
  if (cmd.businessKey !== undefined) state.businessKey = cmd.businessKey;
  return state;
}

/**
 * Applies one command to one instance. Pure: the same graph, state, command, `now` and context
 * always give the same result, byte for byte; the input state is never modified.
 *
 * Pass `state = null` with a `start` command to create an instance. On a refused command the
 * result is `{ ok: false, error }` with the input state unchanged and no effects; a failure while
 * running the model (a FEEL error, a list that is not a list) is not a refusal: it becomes an
 * incident in the new state, retryable with `retry-incident`.
 *
 * @example
 * const r1 = step(graph, null, { type: 'start', instanceId: 'case-1', variables: { kind: '求决' } }, '2026-01-05T09:00:00+08:00');
 * if (!r1.ok) throw new Error(r1.error.code);
 * const taskId = Object.keys(r1.state.tasks)[0]!;
 * const r2 = step(graph, r1.state, { type: 'complete', taskId, actor: { id: 'u1', groups: ['registrar'] } }, '2026-01-05T10:00:00+08:00');
 */
export function step(
  graph: ProcessGraph,
  state: EngineState | null,
  command: Command,
  now: string,
  ctx: StepContext = {},
): StepResult {
  try {
    if (!isInstant(now))
      refuse(
        'ENG_ERR_BAD_COMMAND',
        { now: typeof now === 'string' ? now : null },
        '`now` must be an ISO 8601 instant with an offset',
      );
    const cmd = validate(command);
    const actor: Actor = cmd.actor ?? SYSTEM_ACTOR;
    if (state === null) {
      if (cmd.type !== 'start') refuse('ENG_ERR_NO_STATE');
      const run = new Run(graph, emptyState(graph, cmd, now), now, ctx, actor, cmd.comment);
      start(run, cmd, graph);
      run.sweepBudgets();
      run.state.revision = 1;
      return { ok: true, state: run.state, effects: run.effects };
    }
    if (cmd.type === 'start') refuse('ENG_ERR_ALREADY_STARTED');
    const working = cloneState(upgradeState(state));
    if (working.processId !== graph.id)
      refuse('ENG_ERR_GRAPH_MISMATCH', { processId: working.processId, graph: graph.id });
    if (working.status !== 'active') refuse('ENG_ERR_INSTANCE_ENDED', { status: working.status });
    if (working.suspendedAt !== undefined && !WHILE_SUSPENDED.has(cmd.type)) refuse('ENG_ERR_SUSPENDED');
    const run = new Run(graph, working, now, ctx, actor, cmd.comment);
    applyCommand(run, cmd);
    run.sweepBudgets();
    markWithdrawable(run);
    working.revision += 1;
    return { ok: true, state: working, effects: run.effects };
  } catch (e) {
    const error =
      e instanceof Refusal || e instanceof IncidentSignal
        ? e.error
        : engineError('ENG_ERR_INTERNAL', {}, e instanceof Error ? e.message : String(e));
    return { ok: false, state, effects: [], error };
  }
}

/**
 * Starts an instance: `step(graph, null, command, now, ctx)`.
 *
 * @example
 * const r = createInstance(graph, { type: 'start', instanceId: 'case-1' }, '2026-01-05T01:00:00Z');
 */
export function createInstance(
  graph: ProcessGraph,
  command: StartCommand,
  now: string,
  ctx: StepContext = {},
): StepResult {
  return step(graph, null, command, now, ctx);
}
