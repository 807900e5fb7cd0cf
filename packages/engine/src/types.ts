/**
 * The public data contract of `@shidian/engine`: commands in, effects and state out.
 *
 * Everything here is plain JSON: a state can be written to a database row and read back byte for
 * byte, and an effect can be applied by the store without calling back into the engine.
 *
 * Identifiers are unique within one instance and short (`k3` token, `s2` scope, `m5` timer,
 * `j4` job, `c6` call, `i7` incident, `p8` completed step, `x9` CC item) except task ids,
 * which are `<instanceId>.t<n>` so they are unique across instances. Every id comes from the
 * counter `seq` kept in the state, so replaying the same commands yields the same ids.
 */
import type { CalendarKind, FieldPermission, FormBinding, Stage, TimeoutAction } from '@shidian/bpmn';

/** A JSON value. */
export type Json = null | boolean | number | string | readonly Json[] | { readonly [key: string]: Json };

/** Variables of one scope. */
export type Variables = Record<string, Json>;

/** The version of the state layout written by this engine. Older states are upgraded on read. */
export const STATE_VERSION = 1 as const;

// ---------------------------------------------------------------------------------------------
// Actors and context
// ---------------------------------------------------------------------------------------------

/**
 * Who issues a command. `groups` and `units` are the roles and units the server resolved for the
 * user; the engine checks them against a task's candidates. The reserved id `system` is used for
 * timeout actions and connector results.
 */
export interface Actor {
  readonly id: string;
  readonly groups?: readonly string[];
  readonly units?: readonly string[];
  /** Case supervisors (e.g. 督查员) may act on any task of the case (withdraw, transfer, cancel …). */
  readonly supervisor?: boolean;
}

/** The system actor recorded for timeouts and automatic steps. */
export const SYSTEM_ACTOR: Actor = { id: 'system', supervisor: true };

/**
 * A deadline calculator: `@shidian/calendar` adapted by the caller. Given an instant, a period as
 * written in the model (`15d`, `P15D`, `5wd`) and a calendar kind, it returns the due instant
 * (ISO 8601). It must be a pure function of its inputs.
 */
export interface DeadlineCalendar {
  due(start: string, period: string, kind: CalendarKind): string;
  /**
   * Optional: the same due instant, and whether it rests on a provisional holiday schedule (a year
   * the State Council has not published yet; `deadlineCalendar(createCalendar({ uncoveredYears:
   * 'provisional' }))` implements it). When present the engine uses it and marks the budget
   * `provisional: true`.
   */
  dueDetailed?(
    start: string,
    period: string,
    kind: CalendarKind,
  ): { readonly due: string; readonly provisional: boolean; readonly provisionalYears?: readonly number[] };
}

/** Input handed to a pure connector. */
export interface ConnectorInput {
  readonly instanceId: string;
  readonly node: string;
  readonly now: string;
  /** Variables visible to the service task, after its input mappings. */
  readonly variables: Variables;
}

/** What a pure connector returns. */
export type ConnectorResult =
  | { readonly ok: true; readonly variables?: Variables; readonly effects?: readonly ConnectorEffect[] }
  | { readonly ok: false; readonly errorCode: string; readonly message?: string };

/** Effects a connector may ask for (anything else is done by the engine itself). */
export type ConnectorEffect = NoticeRequestedEffect | MessageThrownEffect;

/** A named pure connector (`notice.generate`, `assign.byRule`, …). */
export type Connector = (input: ConnectorInput) => ConnectorResult;

/**
 * Optional context of a step. Without it the engine still runs: calendar periods fall back to
 * plain UTC calendar days (see docs/engine.md), and service tasks whose connector is not
 * built in become external jobs (`job.requested`).
 */
export interface StepContext {
  readonly calendar?: DeadlineCalendar;
  readonly connectors?: Readonly<Record<string, Connector>>;
}

// ---------------------------------------------------------------------------------------------
// Commands
// ---------------------------------------------------------------------------------------------

interface CommandBase {
  readonly actor?: Actor;
  /** Opinion / comment recorded in the audit event. */
  readonly comment?: string;
}

/** Start a new instance (used with `state = null`). */
export interface StartCommand extends CommandBase {
  readonly type: 'start';
  readonly instanceId: string;
  /** A start event id; default: the process's none start event. */
  readonly startEvent?: string;
  /** Start through the message start event with this message name. */
  readonly message?: string;
  readonly variables?: Variables;
  readonly businessKey?: string;
}

/** Complete a task with form data (`variables`) and an optional approval outcome. */
export interface CompleteCommand extends CommandBase {
  readonly type: 'complete';
  readonly taskId: string;
  /** Form data. */
  readonly variables?: Variables;
  /** Approval outcome, counted by the 会签 presets; also stored as the local variable `approved`. */
  readonly outcome?: 'approve' | 'reject';
  /** The form ref the client rendered; refused when it is not the task's form. */
  readonly form?: string;
}
/** 签收: a candidate takes an unassigned task. */
export interface ClaimCommand extends CommandBase {
  readonly type: 'claim';
  readonly taskId: string;
}
/** Give a claimed task back to its candidates. */
export interface UnclaimCommand extends CommandBase {
  readonly type: 'unclaim';
  readonly taskId: string;
}
/** 暂存: keep the form data on the task without completing it. */
export interface SaveDraftCommand extends CommandBase {
  readonly type: 'save-draft';
  readonly taskId: string;
  readonly variables: Variables;
  readonly form?: string;
}
/** 退回: send the case back to an earlier completed user task. */
export interface ReturnCommand extends CommandBase {
  readonly type: 'return';
  readonly taskId: string;
  /** Node id of an earlier completed user task. */
  readonly target: string;
}
/** 驳回: send back to the preset `rejectTarget` of the task, or end the case. */
export interface RejectCommand extends CommandBase {
  readonly type: 'reject';
  readonly taskId: string;
}
/** 撤回: take back one's own completed step while the next step is untouched. */
export interface WithdrawCommand extends CommandBase {
  readonly type: 'withdraw';
  /** Completed step id (`p…`); default: the actor's latest completed step. */
  readonly stepId?: string;
}
/** 转办: hand the task to another person. */
export interface TransferCommand extends CommandBase {
  readonly type: 'transfer';
  readonly taskId: string;
  readonly to: string;
}
/** 委派: the delegate works the task and it comes back to the owner (`resolve`). */
export interface DelegateCommand extends CommandBase {
  readonly type: 'delegate';
  readonly taskId: string;
  readonly to: string;
}
/** 委派 resolved: the delegate hands the task back to its owner (optionally with a draft). */
export interface ResolveCommand extends CommandBase {
  readonly type: 'resolve';
  readonly taskId: string;
  readonly variables?: Variables;
}
/** 加签: add signers before / after / alongside the current signer. */
export interface AddSignersCommand extends CommandBase {
  readonly type: 'add-signers';
  readonly taskId: string;
  readonly users: readonly string[];
  readonly position: 'before' | 'after' | 'alongside';
}
/** 减签: remove a pending signer (a task of the same activity that has not been completed). */
export interface RemoveSignerCommand extends CommandBase {
  readonly type: 'remove-signer';
  /** The actor's own task on the activity. */
  readonly taskId: string;
  /** The signer's task to remove … */
  readonly signerTaskId?: string;
  /** … or a signer still queued by 加签 after. */
  readonly user?: string;
}
/** 抄送: read-only, non-blocking copies. */
export interface CcCommand extends CommandBase {
  readonly type: 'cc';
  readonly taskId?: string;
  readonly users: readonly string[];
  readonly groups?: readonly string[];
}
/** A CC recipient marks a CC item read. */
export interface ReadCcCommand extends CommandBase {
  readonly type: 'read-cc';
  readonly ccId: string;
}
/** 催办. */
export interface UrgeCommand extends CommandBase {
  readonly type: 'urge';
  readonly taskId: string;
}
/** End the case (e.g. the petitioner withdrew), with a reason. */
export interface CancelCommand extends CommandBase {
  readonly type: 'cancel';
  readonly reason: string;
}
/** Suspend the case: deadlines pause, timers are taken out. */
export interface SuspendCommand extends CommandBase {
  readonly type: 'suspend';
  readonly reason: string;
}
/** Resume a suspended case: deadlines and timers move by the pause. */
export interface ResumeCommand extends CommandBase {
  readonly type: 'resume';
}
/** Extend a deadline budget (e.g. the one 30-day extension of the 60-day handling limit). */
export interface ExtendDeadlineCommand extends CommandBase {
  readonly type: 'extend-deadline';
  /** Budget id (`b…`) or the task whose budget is extended. */
  readonly budgetId?: string;
  readonly taskId?: string;
  readonly period: string;
  readonly approver: string;
  readonly reason: string;
}
/**
 * Pause one deadline budget while the case goes on (e.g. a hearing, not counted in the 复核 30
 * days): its timers are taken out until `resume-deadline`. Give the budget by id (`b…`), by name
 * (`handling`), or by a task on it.
 */
export interface PauseDeadlineCommand extends CommandBase {
  readonly type: 'pause-deadline';
  readonly budget?: string;
  readonly taskId?: string;
  readonly reason: string;
}
/**
 * End the pause of a budget: the paused days (in the budget's kind) are recorded in its ledger, the
 * due date moves by them, and its timers are scheduled again.
 */
export interface ResumeDeadlineCommand extends CommandBase {
  readonly type: 'resume-deadline';
  readonly budget?: string;
  readonly taskId?: string;
}
/**
 * Recompute, from their ledgers and with the current calendar, the due dates of the open budgets
 * computed with a provisional holiday schedule (`provisional: true`), e.g. once the State
 * Council's schedule for the year is loaded: their timers are rescheduled, their tasks updated,
 * and the flag is cleared when no provisional day is looked at any more. Issued by the system
 * (`shidian deadlines recompute`); the actor is optional.
 *
 * @example
 * ```ts
 * step(graph, state, { type: 'recompute-deadlines' }, ctx);
 * ```
 */
export interface RecomputeDeadlinesCommand extends CommandBase {
  readonly type: 'recompute-deadlines';
}
/** A timer of the state has come due (sent by the timer worker). */
export interface FireTimerCommand extends CommandBase {
  readonly type: 'fire-timer';
  readonly timerId: string;
}
/** Correlate a message to the one subscription with this name (and correlation key). */
export interface MessageCommand extends CommandBase {
  readonly type: 'message';
  readonly name: string;
  readonly correlationKey?: string;
  readonly variables?: Variables;
}
/** Broadcast a signal to every subscription of the instance. */
export interface SignalCommand extends CommandBase {
  readonly type: 'signal';
  readonly name: string;
  readonly variables?: Variables;
}
/** The child instance requested by `call.requested` completed. */
export interface ChildCompletedCommand extends CommandBase {
  readonly type: 'child-completed';
  readonly callId: string;
  readonly variables?: Variables;
}
/** The child instance ended with a BPMN error (or was cancelled: `errorCode` absent). */
export interface ChildFailedCommand extends CommandBase {
  readonly type: 'child-failed';
  readonly callId: string;
  readonly errorCode?: string;
  readonly message?: string;
}
/** An external connector job (`job.requested`) finished. */
export interface JobCompletedCommand extends CommandBase {
  readonly type: 'job-completed';
  readonly jobId: string;
  readonly variables?: Variables;
}
/** An external connector job failed: with `errorCode` a BPMN error is thrown, else an incident. */
export interface JobFailedCommand extends CommandBase {
  readonly type: 'job-failed';
  readonly jobId: string;
  readonly errorCode?: string;
  readonly message?: string;
}
/** Set variables (e.g. to fix the cause of an incident). */
export interface SetVariablesCommand extends CommandBase {
  readonly type: 'set-variables';
  readonly variables: Variables;
  /** Scope instance id; default: the process scope. */
  readonly scope?: string;
}
/** Run the failed step of an incident again (after fixing its cause). */
export interface RetryIncidentCommand extends CommandBase {
  readonly type: 'retry-incident';
  readonly incidentId: string;
}

/** Every command the engine accepts. */
export type Command =
  | StartCommand
  | CompleteCommand
  | ClaimCommand
  | UnclaimCommand
  | SaveDraftCommand
  | ReturnCommand
  | RejectCommand
  | WithdrawCommand
  | TransferCommand
  | DelegateCommand
  | ResolveCommand
  | AddSignersCommand
  | RemoveSignerCommand
  | CcCommand
  | ReadCcCommand
  | UrgeCommand
  | CancelCommand
  | SuspendCommand
  | ResumeCommand
  | ExtendDeadlineCommand
  | PauseDeadlineCommand
  | ResumeDeadlineCommand
  | RecomputeDeadlinesCommand
  | FireTimerCommand
  | MessageCommand
  | SignalCommand
  | ChildCompletedCommand
  | ChildFailedCommand
  | JobCompletedCommand
  | JobFailedCommand
  | SetVariablesCommand
  | RetryIncidentCommand;

/** The `type` of a command. */
export type CommandType = Command['type'];

// ---------------------------------------------------------------------------------------------
// State
// ---------------------------------------------------------------------------------------------

/** Where a token waits. */
export type TokenWait =
  | 'task' // a user task of this activity is open
  | 'join' // at a parallel / inclusive join
  | 'event' // intermediate catch event or receive task (subscription or timer)
  | 'event-gateway'
  | 'scope' // a sub-process scope instance is running
  | 'mi' // multi-instance body waiting for its inner instances
  | 'call' // call activity waiting for its child instance
  | 'job' // service task waiting for an external connector job
  | 'incident';

/** Multi-instance bookkeeping of a body token. */
export interface MiState {
  /** Items of the collection (or `null`s for a cardinality). */
  readonly items: Json[];
  /** Index of the next item to start (sequential and 加签 alongside). */
  next: number;
  completed: number;
  approved: number;
  rejected: number;
  /** Inner instance tokens still running. */
  active: string[];
  /** Output elements by item index. */
  results: Json[];
  /** Items removed by 减签. */
  removed: number;
}

/** A token: where one thread of the case is and what it waits for. */
export interface Token {
  readonly id: string;
  /** Current node id. */
  node: string;
  /** Scope instance id. */
  readonly scope: string;
  wait: TokenWait;
  /** Incoming flow the token arrived by (joins). */
  via?: string;
  /** Activity-local variables (input mappings of a task). */
  locals?: Variables;
  /** For inner multi-instance tokens: the body token and the item index. */
  body?: string;
  index?: number;
  mi?: MiState;
  /** Child scope instance (sub-process) or call / job id. */
  child?: string;
  /** 退回 jump-back: when this activity completes, go straight to this node (the returner's step) … */
  jumpBack?: string;
  /** … and give it back to this user. */
  returner?: string;
  /** 加签 after: signers still to come after the current one. */
  after?: string[];
  /** Assignee for a re-entered user task (withdraw / return). */
  reassign?: string;
  /** Approval outcome recorded by the last completion (multi-instance counting). */
  outcome?: 'approve' | 'reject';
  /** Deadline budget owned by this activity token. */
  budget?: string;
  /** Incident phase: redo entering or leaving the node on retry. */
  phase?: 'enter' | 'leave';
}

/** A running scope: the process, a sub-process, an event sub-process or a multi-instance item. */
export interface ScopeInstance {
  readonly id: string;
  /** Process id, sub-process node id, or the multi-instance activity id. */
  readonly node: string;
  readonly kind: 'process' | 'subProcess' | 'eventSubProcess' | 'mi';
  readonly parent?: string;
  /** The token in the parent scope that waits for this scope. */
  readonly token?: string;
  variables: Variables;
}

/** An open user task (completed and cancelled tasks leave the state). */
export interface TaskState {
  readonly id: string;
  readonly node: string;
  readonly token: string;
  readonly createdAt: string;
  /** 'main' for the modelled signer; others come from 加签. */
  readonly role: 'main' | 'before' | 'after' | 'alongside';
  assignee?: string;
  candidateUsers?: string[];
  candidateGroups?: string[];
  candidateUnits?: string[];
  /** 委派: the owner the task comes back to, while `delegated` is true. */
  owner?: string;
  delegated?: boolean;
  /** 加签 before: this task waits for the added signers. */
  held?: boolean;
  /** Set once anyone acted on the task (claim, draft, transfer …): blocks 撤回 of the previous step. */
  touched?: boolean;
  draft?: Variables;
  due?: string;
  budget?: string;
  urged?: number;
  /** The completed step whose completion created this task. */
  origin?: string;
}

/** What a timer is for. */
export type TimerPurpose =
  'boundary' | 'catch' | 'event-gateway' | 'start' | 'event-subprocess' | 'deadline' | 'warning';

/** A scheduled timer (the timer worker fires it with `fire-timer` when `due` has passed). */
export interface TimerState {
  readonly id: string;
  readonly purpose: TimerPurpose;
  /** Node of the timer event (or the activity for deadlines). */
  readonly node: string;
  /** Token the timer belongs to (the activity / catch token), or scope instance for event sub-processes. */
  readonly token?: string;
  readonly scope?: string;
  due: string;
  /** Remaining repetitions of a `R<n>/…` cycle (-1: unbounded). */
  repeat?: number;
  /** The duration of a `R<n>/<duration>` cycle. */
  cycle?: string;
  /** A cron cycle (unbounded): the normalised pattern, fields in Asia/Shanghai (see `cron.ts`). */
  cron?: string;
  /** Deadline timers: the budget. */
  budget?: string;
}

/** A message / signal subscription. */
export interface Subscription {
  readonly id: string;
  readonly kind: 'message' | 'signal';
  readonly name: string;
  readonly correlationKey?: string;
  /** Catching node (boundary, catch, receive task, event sub-process start). */
  readonly node: string;
  readonly token?: string;
  readonly scope?: string;
}

/** A failure while running the model; the token waits until `retry-incident`. */
export interface Incident {
  readonly id: string;
  readonly code: string;
  readonly message: string;
  readonly node: string;
  readonly token: string;
  readonly at: string;
  readonly details?: Json;
}

/** A deadline budget (statutory or internal) with its pause and extension ledger. */
export interface Budget {
  readonly id: string;
  readonly node: string;
  readonly name?: string;
  readonly period: string;
  readonly kind: CalendarKind;
  readonly start: string;
  due: string;
  warnAt?: string;
  readonly onTimeout: TimeoutAction;
  readonly escalateTo?: string;
  readonly basis?: 'statutory' | 'internal';
  /**
   * Named budgets: the scope instance that owns the budget (the innermost process or sub-process
   * instance holding every element bound to the name). The budget closes when that scope ends or
   * when none of its tokens is at, or can still reach, an element bound to the name.
   */
  scope?: string;
  /** `warning` once the warning timer fired, `overdue` once the deadline passed; absent: normal. */
  state?: 'warning' | 'overdue';
  /** Set while paused: the instant the open pause began. */
  pausedAt?: string;
  /** The open pause's reason and actor; `case: true` when it is the case's suspension. */
  pausedFor?: { reason?: string; actor?: string; case?: true };
  /**
   * Closed pauses (instants). The days not counted are the civil days from the day of `from` up to
   * the day before `to`; `days` is how many of them counted in the budget's kind.
   */
  pauses?: { from: string; to: string; reason?: string; actor?: string; days?: number }[];
  extensions?: { period: string; approver: string; reason: string; at: string }[];
  /** True when no calendar was given and the due date was computed as plain UTC calendar days. */
  approximate?: boolean;
  /**
   * True when the due date was computed with a provisional holiday schedule (see
   * `DeadlineCalendar.dueDetailed`): recompute it once the State Council's schedule is loaded.
   */
  provisional?: boolean;
  /** The provisional years the due date depends on (with `provisional`). */
  provisionalYears?: number[];
}

/** A completed user-task step, kept for 退回 and 撤回. */
export interface CompletedStep {
  readonly id: string;
  readonly node: string;
  readonly scope: string;
  readonly by: string;
  readonly at: string;
  readonly task: string;
  /** Tokens this completion produced that were waiting at new tasks (撤回 is possible while untouched). */
  produced?: string[];
  /** Variable values before the completion (`null` entry: the variable did not exist). */
  undo?: Record<string, Json>;
}

/** A 抄送 item: read-only, non-blocking. */
export interface CcItem {
  readonly id: string;
  readonly users: string[];
  readonly groups: string[];
  readonly node?: string;
  readonly task?: string;
  readonly by: string;
  readonly at: string;
  readBy: string[];
}

/** A call activity waiting for its child instance. */
export interface CallState {
  readonly id: string;
  readonly node: string;
  readonly token: string;
}

/** A service task waiting for an external connector job. */
export interface JobState {
  readonly id: string;
  readonly node: string;
  readonly token: string;
  readonly connector: string;
}

/** Lifecycle of an instance (`terminated`: terminate end event or 驳回 to end). */
export type InstanceStatus = 'active' | 'completed' | 'terminated' | 'cancelled';

/** The whole state of one process instance: plain JSON. */
export interface EngineState {
  readonly stateVersion: typeof STATE_VERSION;
  readonly instanceId: string;
  readonly processId: string;
  status: InstanceStatus;
  /** Why the instance ended (`rejected`, a cancel reason, …). */
  endReason?: string;
  businessKey?: string;
  /** Set while suspended: the instant of suspension. */
  suspendedAt?: string;
  startedAt: string;
  endedAt?: string;
  /** Id counter. */
  seq: number;
  /** Number of accepted commands. */
  revision: number;
  /** Audit sequence number of the last audit event. */
  audit: number;
  /** The process scope instance id is always `s0`. */
  scopes: Record<string, ScopeInstance>;
  tokens: Record<string, Token>;
  tasks: Record<string, TaskState>;
  timers: Record<string, TimerState>;
  subscriptions: Record<string, Subscription>;
  incidents: Record<string, Incident>;
  budgets: Record<string, Budget>;
  calls: Record<string, CallState>;
  jobs: Record<string, JobState>;
  cc: Record<string, CcItem>;
  steps: CompletedStep[];
  /**
   * Named budgets closed because their last bound element completed, kept so that a 撤回 or 退回
   * into one of those elements reopens the same budget (same start and ledger) instead of a new one.
   */
  closedBudgets?: Record<string, Budget>;
  /** Timers taken out while the instance is suspended (rescheduled, shifted, on resume). */
  pausedTimers?: Record<string, TimerState>;
}

// ---------------------------------------------------------------------------------------------
// Effects
// ---------------------------------------------------------------------------------------------

/** Everything a task list needs about a task. */
export interface TaskView {
  readonly id: string;
  readonly node: string;
  readonly name?: string;
  readonly stage?: Stage;
  readonly role: TaskState['role'];
  readonly assignee?: string;
  readonly owner?: string;
  readonly delegated?: boolean;
  readonly held?: boolean;
  readonly candidateUsers: readonly string[];
  readonly candidateGroups: readonly string[];
  readonly candidateUnits: readonly string[];
  readonly form?: FormBinding;
  readonly permissions: readonly FieldPermission[];
  readonly due?: string;
  readonly budget?: string;
  /** True when `due` comes from a budget computed with a provisional holiday schedule. */
  readonly provisional?: boolean;
  /** With a budget: `normal`, `warning` (the warning threshold passed), `overdue`, or `paused`. */
  readonly deadlineState?: 'normal' | 'warning' | 'overdue' | 'paused';
  readonly createdAt: string;
}

interface EffectBase {
  readonly instanceId: string;
}

/** A task was created: insert it into the task list. */
export interface TaskCreatedEffect extends EffectBase {
  readonly type: 'task.created';
  readonly task: TaskView;
}
/** A task changed (assignee, candidates, due date, hold, draft …). */
export interface TaskUpdatedEffect extends EffectBase {
  readonly type: 'task.updated';
  readonly change:
    | 'claimed'
    | 'unclaimed'
    | 'draft'
    | 'transferred'
    | 'delegated'
    | 'resolved'
    | 'held'
    | 'released'
    | 'urged'
    | 'escalated'
    | 'due-changed'
    | 'deadline-state';
  readonly task: TaskView;
  readonly draft?: Variables;
}
/** A task was completed by `actor`. */
export interface TaskCompletedEffect extends EffectBase {
  readonly type: 'task.completed';
  readonly taskId: string;
  readonly node: string;
  readonly actor: string;
  readonly outcome?: 'approve' | 'reject';
}
/** A task was cancelled (interrupted, returned, withdrawn, case ended …). */
export interface TaskCancelledEffect extends EffectBase {
  readonly type: 'task.cancelled';
  readonly taskId: string;
  readonly node: string;
  readonly reason: string;
}
/** A timer was scheduled (or re-scheduled with the same id after a resume). */
export interface TimerScheduledEffect extends EffectBase {
  readonly type: 'timer.scheduled';
  readonly timerId: string;
  readonly due: string;
  readonly purpose: TimerPurpose;
  readonly node: string;
  /** True for a deadline or warning timer of a budget computed with a provisional holiday schedule. */
  readonly provisional?: boolean;
}
/** A timer was removed. */
export interface TimerCancelledEffect extends EffectBase {
  readonly type: 'timer.cancelled';
  readonly timerId: string;
}
/** A message to deliver to other instances (`message` command on them). */
export interface MessageThrownEffect {
  readonly type: 'message.thrown';
  readonly instanceId?: string;
  readonly name: string;
  readonly correlationKey?: string;
  readonly variables: Variables;
}
/** A signal to broadcast to other instances (already delivered to this one). */
export interface SignalThrownEffect extends EffectBase {
  readonly type: 'signal.thrown';
  readonly name: string;
  readonly variables: Variables;
}
/** A notice (告知书 …) to generate from a template. */
export interface NoticeRequestedEffect {
  readonly type: 'notice.requested';
  readonly instanceId?: string;
  /** Notice template id (受理告知书 …). */
  readonly template: string;
  readonly node: string;
  readonly variables: Variables;
}
/** Start a child instance for a call activity; report back with `child-completed` / `child-failed`. */
export interface CallRequestedEffect extends EffectBase {
  readonly type: 'call.requested';
  readonly callId: string;
  readonly node: string;
  /** Process id of the child. */
  readonly calledElement: string;
  readonly binding: 'latest' | 'deployment' | 'versionTag' | 'version';
  readonly version?: string;
  readonly variables: Variables;
}
/** Cancel the child instance of a call activity. */
export interface CallCancelledEffect extends EffectBase {
  readonly type: 'call.cancelled';
  readonly callId: string;
}
/** Run an external connector; report back with `job-completed` / `job-failed`. */
export interface JobRequestedEffect extends EffectBase {
  readonly type: 'job.requested';
  readonly jobId: string;
  readonly node: string;
  readonly connector: string;
  readonly variables: Variables;
}
/** Drop an external connector job. */
export interface JobCancelledEffect extends EffectBase {
  readonly type: 'job.cancelled';
  readonly jobId: string;
}
/** A CC item was created. */
export interface CcCreatedEffect extends EffectBase {
  readonly type: 'cc.created';
  readonly ccId: string;
  readonly users: readonly string[];
  readonly groups: readonly string[];
  readonly node?: string;
  readonly taskId?: string;
}
/** A CC item was read. */
export interface CcReadEffect extends EffectBase {
  readonly type: 'cc.read';
  readonly ccId: string;
  readonly user: string;
}
/** A deadline budget changed. */
export interface BudgetUpdatedEffect extends EffectBase {
  readonly type: 'budget.updated';
  readonly budget: Budget;
  readonly change:
    | 'started'
    | 'paused'
    | 'resumed'
    | 'extended'
    | 'recomputed'
    | 'warning'
    | 'overdue'
    | 'closed'
    | 'reopened';
}
/** An incident was raised. */
export interface IncidentRaisedEffect extends EffectBase {
  readonly type: 'incident.raised';
  readonly incident: Incident;
}
/** An incident was retried or dropped. */
export interface IncidentResolvedEffect extends EffectBase {
  readonly type: 'incident.resolved';
  readonly incidentId: string;
}
/** The instance ended. */
export interface InstanceEndedEffect extends EffectBase {
  readonly type: 'instance.ended';
  readonly status: Exclude<InstanceStatus, 'active'>;
  readonly reason?: string;
}

/** One audit event: who did what, when, with which opinion, in which stage. */
export interface AuditEvent {
  /** Per-instance sequence number (1, 2, …): the store chains hashes in this order. */
  readonly seq: number;
  /** The command type, or a system event (`timeout.remind`, `node.completed`, …). */
  readonly type: string;
  readonly actor: string;
  readonly at: string;
  readonly comment?: string;
  readonly stage?: Stage;
  readonly node?: string;
  readonly taskId?: string;
  readonly details?: { readonly [key: string]: Json };
}
/** An audit event to append to the case's hash chain. */
export interface AuditEffect extends EffectBase {
  readonly type: 'audit';
  readonly event: AuditEvent;
}

/** Every effect. The store applies them in order inside one transaction. */
export type Effect =
  | TaskCreatedEffect
  | TaskUpdatedEffect
  | TaskCompletedEffect
  | TaskCancelledEffect
  | TimerScheduledEffect
  | TimerCancelledEffect
  | MessageThrownEffect
  | SignalThrownEffect
  | NoticeRequestedEffect
  | CallRequestedEffect
  | CallCancelledEffect
  | JobRequestedEffect
  | JobCancelledEffect
  | CcCreatedEffect
  | CcReadEffect
  | BudgetUpdatedEffect
  | IncidentRaisedEffect
  | IncidentResolvedEffect
  | InstanceEndedEffect
  | AuditEffect;

/** The `type` of an effect. */
export type EffectType = Effect['type'];

// ---------------------------------------------------------------------------------------------
// Results
// ---------------------------------------------------------------------------------------------

/** A coded engine error (codes in `errors.ts`). */
export interface EngineError {
  readonly code: string;
  readonly message: string;
  readonly details?: { readonly [key: string]: Json };
}

/**
 * The result of `step`. On failure the input state is returned unchanged (same object) and there
 * are no effects.
 */
export type StepResult =
  | { readonly ok: true; readonly state: EngineState; readonly effects: readonly Effect[] }
  | {
      readonly ok: false;
      readonly state: EngineState | null;
      readonly effects: readonly [];
      readonly error: EngineError;
    };
