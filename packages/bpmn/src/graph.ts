/**
 * The compiled, executable graph: the contract between `@shidian/bpmn` (which produces it)
 * and `@shidian/engine` (which runs it).
 *
 * Rules for this file:
 * - Everything is plain JSON (no class instances, no functions, no `undefined` values in
 *   arrays), so a graph can be stored in a deployment row and reloaded byte for byte.
 * - Maps are `Record<id, …>` written with keys in sorted order, so compiling the same file twice
 *   gives byte-identical `JSON.stringify` output.
 * - The compiler deep-freezes the result.
 * - FEEL is carried as source text plus what was learned at compile time; the engine parses each
 *   distinct source once and caches it (a feelin parse tree is not serialisable).
 * - Changes must be additive (new optional fields, new union members); bump
 *   `GRAPH_FORMAT_VERSION` on anything else.
 */

export const GRAPH_FORMAT_VERSION = 1 as const;

/** The five legalizations (五个法治化). */
export type Stage = 'prevention' | 'acceptance' | 'handling' | 'supervision' | 'order';
export const STAGES: readonly Stage[] = ['prevention', 'acceptance', 'handling', 'supervision', 'order'];

/**
 * An expression found in the model. `kind: 'feel'` is executable; a source that was a JUEL
 * `${…}` / `#{…}` expression or JavaScript is kept (kind `'juel'`) only so that lint can report it;
 * a graph containing one is never executable.
 * `static: true` means the value is a literal (not starting with `=` in Zeebe style and not an
 * expression in Camunda 7 style), carried in `source` as a plain string.
 */
export interface Expr {
  readonly kind: 'feel' | 'juel' | 'literal';
  readonly source: string;
}

/** A calendar kind for statutory periods. */
export type CalendarKind = 'calendar' | 'working';

/** Timeout action when a deadline passes. */
export type TimeoutAction = 'none' | 'remind' | 'escalate' | 'auto-return' | 'auto-complete';

/** `shidian:deadline` on a task or sub-process. */
export interface DeadlineSpec {
  /** Period as written: `15d`, `P15D`, `5wd`. */
  readonly period: string;
  readonly kind: CalendarKind;
  /** Warning threshold: `20%` of the budget remaining, or a period such as `3wd`. */
  readonly warning?: string;
  readonly onTimeout: TimeoutAction;
  /** Role to escalate to when `onTimeout` is `escalate`. */
  readonly escalateTo?: string;
  /** Name of a budget shared by several elements (e.g. the 60-day handling limit). */
  readonly budget?: string;
  /** Statutory or internal (pilot-tightened). */
  readonly basis?: 'statutory' | 'internal';
  /**
   * Added (additive): the anchor the period counts from (`shidian:deadline from="=receivedAt"`), a
   * FEEL expression giving an ISO instant or a civil date (`YYYY-MM-DD`). Absent: the moment the
   * element is entered. A literal (no `=`) is a variable name, as in `from="receivedAt"`.
   */
  readonly from?: Expr;
}

/** Per-field permission of a form on one user task. */
export type FieldMode = 'edit' | 'read' | 'hidden' | 'required' | 'append';
export interface FieldPermission {
  /** A property path with `*` wildcards, e.g. `petitioner.*`, `claims.*.decision`, or a section id `#review`. */
  readonly path: string;
  readonly mode: FieldMode;
}

/** Form binding of a user task (or start event). */
export interface FormBinding {
  /** Where it came from: `camunda:formKey`, `camunda:formRef`, `zeebe:formDefinition` formId / formKey, `shidian:form`. */
  readonly source: 'camunda:formKey' | 'camunda:formRef' | 'zeebe:formId' | 'zeebe:formKey' | 'zeebe:externalReference' | 'shidian:form';
  readonly ref: string;
  readonly binding: 'latest' | 'deployment' | 'versionTag' | 'version';
  readonly version?: string;
}

/** Who can work a user task. Lists are literal values; `*Expr` are FEEL evaluated at run time. */
export interface Assignment {
  readonly assignee?: Expr;
  readonly candidateUsers: readonly string[];
  readonly candidateUsersExpr?: Expr;
  readonly candidateGroups: readonly string[];
  readonly candidateGroupsExpr?: Expr;
  /** `shidian:candidateUnits`: unit scope (a unit id, or `$case` for the case's responsible unit). */
  readonly candidateUnits: readonly string[];
  readonly dueDate?: Expr;
  readonly followUpDate?: Expr;
  readonly priority?: Expr;
}

/** Multi-instance, also used by the 会签 / 或签 / 依次 / ratio / one-veto presets. */
export interface MultiInstance {
  readonly sequential: boolean;
  readonly collection?: Expr;
  readonly elementVariable?: string;
  readonly cardinality?: Expr;
  readonly completionCondition?: Expr;
  readonly outputCollection?: string;
  readonly outputElement?: Expr;
  /** `shidian:approval` preset, if the model used one instead of a raw completion condition. */
  readonly preset?: 'all' | 'any' | 'sequential' | 'ratio' | 'veto';
  readonly ratio?: number;
}

/** An input or output mapping (camunda:inputParameter / zeebe:input …). */
export interface Mapping {
  readonly target: string;
  readonly source: Expr;
}

export type EventDefinition =
  | { readonly type: 'none' }
  | { readonly type: 'timer'; readonly timeDate?: Expr; readonly timeDuration?: Expr; readonly timeCycle?: Expr }
  | { readonly type: 'message'; readonly messageRef?: string; readonly messageName?: string; readonly correlationKey?: Expr }
  | { readonly type: 'signal'; readonly signalRef?: string; readonly signalName?: string }
  | { readonly type: 'error'; readonly errorRef?: string; readonly errorCode?: string }
  | { readonly type: 'escalation'; readonly escalationRef?: string; readonly escalationCode?: string }
  | { readonly type: 'terminate' }
  | { readonly type: 'link'; readonly linkName: string }
  | { readonly type: 'conditional'; readonly condition: Expr };

interface NodeBase {
  readonly id: string;
  readonly name?: string;
  /** Id of the enclosing scope (process id or sub-process id). */
  readonly scope: string;
  /** Sequence-flow ids, in document order. */
  readonly incoming: readonly string[];
  readonly outgoing: readonly string[];
  /** Default flow id (exclusive/inclusive gateways and activities). */
  readonly defaultFlow?: string;
  readonly stage?: Stage;
  readonly inputs: readonly Mapping[];
  readonly outputs: readonly Mapping[];
  /** Ids of boundary events attached to this activity, in document order. */
  readonly boundaryEvents: readonly string[];
  readonly multiInstance?: MultiInstance;
  readonly deadline?: DeadlineSpec;
  /** Notice template ids requested when the element completes (`shidian:notices`). */
  readonly notices: readonly string[];
}

export interface StartEventNode extends NodeBase {
  readonly kind: 'startEvent';
  readonly event: EventDefinition;
  /** For start events of event sub-processes. */
  readonly interrupting: boolean;
  readonly form?: FormBinding;
}
export interface EndEventNode extends NodeBase {
  readonly kind: 'endEvent';
  readonly event: EventDefinition;
  /**
   * Added (additive): connector of a message end event (`shidian:connector`, or
   * `zeebe:taskDefinition type` as the Camunda 8 modeler writes it). Absent otherwise.
   */
  readonly connector?: string;
}
export interface UserTaskNode extends NodeBase {
  readonly kind: 'userTask';
  readonly assignment: Assignment;
  readonly form?: FormBinding;
  readonly permissions: readonly FieldPermission[];
  /** 退回 behaviour: after the returned-to step completes, re-walk the steps in between or jump back to the returner. */
  readonly returnMode: 're-walk' | 'jump-back';
  /** 驳回 preset target (a node id, or `end`). */
  readonly rejectTarget?: string;
}
export interface ServiceTaskNode extends NodeBase {
  readonly kind: 'serviceTask' | 'sendTask';
  /** Named pure connector (`shidian:connector`, `zeebe:taskDefinition type`, `camunda:topic`). */
  readonly connector?: string;
  readonly event?: EventDefinition;
}
export interface ScriptTaskNode extends NodeBase {
  readonly kind: 'scriptTask';
  readonly script?: Expr;
  readonly resultVariable?: string;
}
export interface BusinessRuleTaskNode extends NodeBase {
  readonly kind: 'businessRuleTask';
  readonly decisionRef?: string;
  readonly resultVariable?: string;
}
export interface SimpleTaskNode extends NodeBase {
  readonly kind: 'task' | 'manualTask';
}
export interface ReceiveTaskNode extends NodeBase {
  readonly kind: 'receiveTask';
  readonly event: EventDefinition;
}
export interface GatewayNode extends NodeBase {
  readonly kind: 'exclusiveGateway' | 'parallelGateway' | 'inclusiveGateway' | 'eventBasedGateway';
}
export interface SubProcessNode extends NodeBase {
  readonly kind: 'subProcess';
  /** An event sub-process (triggeredByEvent). */
  readonly triggeredByEvent: boolean;
}
export interface CallActivityNode extends NodeBase {
  readonly kind: 'callActivity';
  readonly calledElement?: Expr;
  readonly binding: 'latest' | 'deployment' | 'versionTag' | 'version';
  readonly version?: string;
  readonly propagateAllChildVariables: boolean;
  readonly propagateAllParentVariables: boolean;
}
export interface BoundaryEventNode extends NodeBase {
  readonly kind: 'boundaryEvent';
  readonly attachedTo: string;
  readonly cancelActivity: boolean;
  readonly event: EventDefinition;
}
export interface IntermediateCatchEventNode extends NodeBase {
  readonly kind: 'intermediateCatchEvent';
  readonly event: EventDefinition;
}
export interface IntermediateThrowEventNode extends NodeBase {
  readonly kind: 'intermediateThrowEvent';
  readonly event: EventDefinition;
  /** Added (additive): connector of a message throw event, as on {@link EndEventNode}. */
  readonly connector?: string;
}

export type GraphNode =
  | StartEventNode
  | EndEventNode
  | UserTaskNode
  | ServiceTaskNode
  | ScriptTaskNode
  | BusinessRuleTaskNode
  | SimpleTaskNode
  | ReceiveTaskNode
  | GatewayNode
  | SubProcessNode
  | CallActivityNode
  | BoundaryEventNode
  | IntermediateCatchEventNode
  | IntermediateThrowEventNode;

export type NodeKind = GraphNode['kind'];

export interface SequenceFlow {
  readonly id: string;
  readonly name?: string;
  readonly source: string;
  readonly target: string;
  readonly condition?: Expr;
  readonly isDefault: boolean;
}

/** A process or (event) sub-process: the nodes directly inside it. */
export interface Scope {
  readonly id: string;
  readonly kind: 'process' | 'subProcess' | 'eventSubProcess';
  /** Enclosing scope id; absent for the process itself. */
  readonly parent?: string;
  /** Node ids directly in this scope, in document order. */
  readonly nodes: readonly string[];
  /** None/plain start events of this scope (where a token starts). */
  readonly startEvents: readonly string[];
  /** Event sub-process node ids directly in this scope. */
  readonly eventSubProcesses: readonly string[];
}

/** One compiled executable process. */
export interface ProcessGraph {
  readonly formatVersion: typeof GRAPH_FORMAT_VERSION;
  readonly id: string;
  readonly name?: string;
  readonly versionTag?: string;
  /** Which dialect(s) the file used: informative. */
  readonly dialect: 'bpmn' | 'camunda7' | 'camunda8';
  readonly nodes: Readonly<Record<string, GraphNode>>;
  readonly flows: Readonly<Record<string, SequenceFlow>>;
  readonly scopes: Readonly<Record<string, Scope>>;
  /** message/signal/error/escalation id → name / code, for resolving `…Ref`s. */
  readonly messages: Readonly<Record<string, { readonly name: string }>>;
  readonly signals: Readonly<Record<string, { readonly name: string }>>;
  readonly errors: Readonly<Record<string, { readonly name?: string; readonly code?: string }>>;
  readonly escalations: Readonly<Record<string, { readonly name?: string; readonly code?: string }>>;
}
