/**
 * Reading one `<bpmn:process>` (a moddle element tree) into a {@link ProcessGraph}: the mapping of
 * BPMN, Camunda 7 (`camunda:`), Camunda 8 (`zeebe:`) and `shidian:` vocabulary onto one model.
 * Everything it cannot map becomes a problem; it never throws on a well-formed moddle tree and
 * never recurses (sub-processes are walked with an explicit stack).
 */
import type {
  Assignment,
  CallActivityNode,
  DeadlineSpec,
  EventDefinition,
  Expr,
  FieldPermission,
  FormBinding,
  GraphNode,
  Mapping,
  MultiInstance,
  ProcessGraph,
  Scope,
  SequenceFlow,
  Stage,
} from './graph.js';
import { GRAPH_FORMAT_VERSION, STAGES } from './graph.js';
import { checkCron, isCron } from './cron.js';
import type { BpmnCode } from './errors.js';
import { bodyExpr, camundaValue, feel, literal, variableValue, zeebeValue } from './expr.js';
import { compact, sortedRecord } from './freeze.js';
import {
  bool,
  child,
  children,
  extension,
  extensions,
  isElement,
  refId,
  str,
  type Dialect,
  type ModdleElement,
} from './moddle.js';

/** A problem found while reading, before positions and messages are attached. */
export interface RawProblem {
  readonly code: BpmnCode;
  readonly elementId?: string;
  readonly params?: Record<string, string>;
  /** Set when the position is known better than from the element id (parser warnings, duplicates). */
  readonly line?: number;
  readonly column?: number;
}

/** Element types that become graph nodes. */
const NODE_KINDS: Readonly<Record<string, GraphNode['kind']>> = {
  'bpmn:StartEvent': 'startEvent',
  'bpmn:EndEvent': 'endEvent',
  'bpmn:UserTask': 'userTask',
  'bpmn:ServiceTask': 'serviceTask',
  'bpmn:SendTask': 'sendTask',
  'bpmn:ScriptTask': 'scriptTask',
  'bpmn:BusinessRuleTask': 'businessRuleTask',
  'bpmn:Task': 'task',
  'bpmn:ManualTask': 'manualTask',
  'bpmn:ReceiveTask': 'receiveTask',
  'bpmn:ExclusiveGateway': 'exclusiveGateway',
  'bpmn:ParallelGateway': 'parallelGateway',
  'bpmn:InclusiveGateway': 'inclusiveGateway',
  'bpmn:EventBasedGateway': 'eventBasedGateway',
  'bpmn:SubProcess': 'subProcess',
  'bpmn:CallActivity': 'callActivity',
  'bpmn:BoundaryEvent': 'boundaryEvent',
  'bpmn:IntermediateCatchEvent': 'intermediateCatchEvent',
  'bpmn:IntermediateThrowEvent': 'intermediateThrowEvent',
};

/** Node kinds that are activities (boundary events attach only to these). */
const ACTIVITY_KINDS: ReadonlySet<GraphNode['kind']> = new Set([
  'userTask',
  'serviceTask',
  'sendTask',
  'scriptTask',
  'businessRuleTask',
  'task',
  'manualTask',
  'receiveTask',
  'subProcess',
  'callActivity',
]);

/** Flow elements that are read without effect at run time (reported as supported, silently). */
const DESCRIPTIVE = new Set(['bpmn:DataObject', 'bpmn:DataObjectReference', 'bpmn:DataStoreReference']);

/** Semantic element types accepted anywhere without effect (artifacts, lanes, data, definitions). */
export const NEUTRAL_TYPES = new Set([
  'bpmn:Definitions',
  'bpmn:Process',
  'bpmn:SequenceFlow',
  'bpmn:Collaboration',
  'bpmn:Participant',
  'bpmn:LaneSet',
  'bpmn:Lane',
  'bpmn:TextAnnotation',
  'bpmn:Association',
  'bpmn:Group',
  'bpmn:Category',
  'bpmn:CategoryValue',
  'bpmn:Documentation',
  'bpmn:ExtensionElements',
  'bpmn:Message',
  'bpmn:Signal',
  'bpmn:Error',
  'bpmn:Escalation',
  'bpmn:ItemDefinition',
  'bpmn:DataStore',
  'bpmn:MultiInstanceLoopCharacteristics',
  'bpmn:FormalExpression',
  'bpmn:Expression',
  ...DESCRIPTIVE,
]);

const EVENT_TYPES: Readonly<Record<string, EventDefinition['type']>> = {
  'bpmn:TimerEventDefinition': 'timer',
  'bpmn:MessageEventDefinition': 'message',
  'bpmn:SignalEventDefinition': 'signal',
  'bpmn:ErrorEventDefinition': 'error',
  'bpmn:EscalationEventDefinition': 'escalation',
  'bpmn:TerminateEventDefinition': 'terminate',
  'bpmn:LinkEventDefinition': 'link',
  'bpmn:ConditionalEventDefinition': 'conditional',
};

/** Extension elements this reader maps (or that carry no behaviour: modeler metadata). */
const CONSUMED_EXTENSIONS = new Set([
  'zeebe:AssignmentDefinition',
  'zeebe:TaskSchedule',
  'zeebe:PriorityDefinition',
  'zeebe:FormDefinition',
  'zeebe:IoMapping',
  'zeebe:TaskDefinition',
  'zeebe:CalledElement',
  'zeebe:CalledDecision',
  'zeebe:Script',
  'zeebe:UserTask',
  'zeebe:Properties',
  'zeebe:TaskHeaders',
  'camunda:InputOutput',
  'camunda:In',
  'camunda:Out',
  'camunda:Properties',
  'camunda:Connector',
  'camunda:FailedJobRetryTimeCycle',
]);

/** Listeners run code on events: we never run it, so they make the element non-executable. */
const LISTENERS = new Set([
  'camunda:ExecutionListener',
  'camunda:TaskListener',
  'zeebe:ExecutionListeners',
  'zeebe:TaskListeners',
]);

const ISO_DURATION =
  /^-?P(?!$)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+(?:\.\d+)?S)?)?$/;
const ISO_DATE_TIME =
  /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(?::\d{2}(?:\.\d+)?)?(?:Z|[+-]\d{2}:?\d{2})?(?:\[[\w/+-]+\])?$/;
/** Literal timer values: ISO 8601 date-time, duration, repeating interval (`R3/PT10M`), or cron (checked by `checkCron`). */
export const TIMER_LITERAL = {
  timeDate: (v: string) => ISO_DATE_TIME.test(v) && !Number.isNaN(Date.parse(v.replace(/\[.*\]$/, ''))),
  timeDuration: (v: string) => ISO_DURATION.test(v),
  timeCycle: (v: string) => {
    const r = /^R(\d*)\/(.+)$/.exec(v);
    if (r !== null) return r[2]!.split('/').some((part) => ISO_DURATION.test(part));
    return isCron(v);
  },
} as const;

const TIMEOUT_ACTIONS = ['none', 'remind', 'escalate', 'auto-return', 'auto-complete'] as const;
const FIELD_MODES = ['edit', 'read', 'hidden', 'required', 'append'] as const;
const PRESETS = ['all', 'any', 'sequential', 'ratio', 'veto'] as const;
const BINDINGS = ['latest', 'deployment', 'versionTag', 'version'] as const;
const PERIOD =
  /^(?:\d+(?:d|wd|h)|P(?!$)(?:\d+Y)?(?:\d+M)?(?:\d+W)?(?:\d+D)?(?:T(?=\d)(?:\d+H)?(?:\d+M)?(?:\d+S)?)?)$/;
const WARNING = /^(?:\d{1,2}(?:\.\d+)?%|\d+(?:d|wd|h)|P(?!$)(?:\d+D)?(?:T(?=\d)(?:\d+H)?)?)$/;

/** Global definitions that processes refer to. */
export interface Definitions {
  readonly messages: Readonly<Record<string, { readonly name: string }>>;
  readonly signals: Readonly<Record<string, { readonly name: string }>>;
  readonly errors: Readonly<Record<string, { readonly name?: string; readonly code?: string }>>;
  readonly escalations: Readonly<Record<string, { readonly name?: string; readonly code?: string }>>;
  /** Zeebe correlation keys declared on `<bpmn:message>` (`zeebe:subscription`). */
  readonly correlationKeys: ReadonlyMap<string, Expr>;
}

/** Collects messages, signals, errors and escalations of `<definitions>`. */
export function readDefinitions(root: ModdleElement): Definitions {
  const messages: [string, { name: string }][] = [];
  const signals: [string, { name: string }][] = [];
  const errors: [string, { name?: string; code?: string }][] = [];
  const escalations: [string, { name?: string; code?: string }][] = [];
  const correlationKeys = new Map<string, Expr>();
  for (const el of children(root, 'rootElements')) {
    if (el.id === undefined) continue;
    if (el.$type === 'bpmn:Message') {
      messages.push([el.id, { name: str(el, 'name') ?? el.id }]);
      const key = str(extension(el, 'zeebe:Subscription'), 'correlationKey');
      if (key !== undefined) correlationKeys.set(el.id, zeebeValue(key));
    } else if (el.$type === 'bpmn:Signal') signals.push([el.id, { name: str(el, 'name') ?? el.id }]);
    else if (el.$type === 'bpmn:Error')
      errors.push([el.id, compact({ name: str(el, 'name'), code: str(el, 'errorCode') })]);
    else if (el.$type === 'bpmn:Escalation')
      escalations.push([el.id, compact({ name: str(el, 'name'), code: str(el, 'escalationCode') })]);
  }
  return {
    messages: sortedRecord(messages),
    signals: sortedRecord(signals),
    errors: sortedRecord(errors),
    escalations: sortedRecord(escalations),
    correlationKeys,
  };
}

/** What reading one process gives. */
export interface ReadProcessResult {
  readonly graph: ProcessGraph;
  readonly problems: readonly RawProblem[];
  /** Semantic element types met, split by whether they can run. */
  readonly supported: ReadonlySet<string>;
  readonly unsupported: ReadonlySet<string>;
}

/**
 * Reads one `bpmn:Process` element.
 *
 * @example
 * ```ts
 * const { graph, problems } = readProcess(processElement, readDefinitions(root), 'camunda8');
 * ```
 */
export function readProcess(proc: ModdleElement, defs: Definitions, dialect: Dialect): ReadProcessResult {
  const r = new ProcessReader(proc, defs, dialect);
  return r.read();
}

class ProcessReader {
  readonly problems: RawProblem[] = [];
  readonly supported = new Set<string>();
  readonly unsupported = new Set<string>();
  readonly nodes = new Map<string, GraphNode>();
  readonly nodeOrder: string[] = [];
  readonly flows: SequenceFlow[] = [];
  readonly flowScope = new Map<string, string>();
  readonly scopes: Scope[] = [];
  readonly nodeScope = new Map<string, string>();

  constructor(
    readonly proc: ModdleElement,
    readonly defs: Definitions,
    readonly dialect: Dialect,
  ) {}

  /** The extension elements of the element last asked about, by type (the first of each type). */
  private extOf: ModdleElement | undefined;
  private extIndex: ReadonlyMap<string, ModdleElement> = NO_EXTENSIONS;

  /**
   * The first extension element of a type (`zeebe:FormDefinition`, `shidian:Deadline`, …), as
   * {@link extension} gives it; the extension elements of an element are indexed once, since one node
   * asks for up to a dozen types in a row.
   */
  ext(el: ModdleElement | undefined, type: string): ModdleElement | undefined {
    if (el === undefined) return undefined;
    if (el !== this.extOf) {
      this.extOf = el;
      this.extIndex = indexExtensions(el);
    }
    return this.extIndex.get(type);
  }

  problem(code: BpmnCode, elementId: string | undefined, params?: Record<string, string>): void {
    this.problems.push(compact({ code, elementId, params }));
  }

  read(): ReadProcessResult {
    const proc = this.proc;
    const pid = proc.id ?? '';
    this.supported.add('bpmn:Process');
    if (bool(proc, 'isExecutable') === false) this.problem('BPMN_WARN_NOT_MARKED_EXECUTABLE', pid);
    const processStage = this.stage(proc);

    // Walk containers with an explicit stack: [container element, scope id, parent scope, kind, inherited stage].
    const stack: { el: ModdleElement; scope: string; parent?: string; kind: Scope['kind']; stage?: Stage }[] =
      [{ el: proc, scope: pid, kind: 'process', stage: processStage }];
    const pendingFlows: { el: ModdleElement; scope: string }[] = [];
    while (stack.length > 0) {
      const { el: container, scope, parent, kind, stage } = stack.pop()!;
      const nodeIds: string[] = [];
      const flowElements = container.flowElements;
      for (const x of Array.isArray(flowElements) ? (flowElements as unknown[]) : EMPTY_LIST) {
        // as `children(container, 'flowElements')`, with one read of `$type` (a getter in moddle)
        const type: unknown =
          typeof x === 'object' && x !== null ? (x as { $type?: unknown }).$type : undefined;
        if (typeof type !== 'string') continue;
        const el = x as ModdleElement;
        if (type === 'bpmn:SequenceFlow') {
          this.supported.add(type);
          pendingFlows.push({ el, scope });
          continue;
        }
        if (DESCRIPTIVE.has(type)) {
          this.supported.add(type);
          continue;
        }
        const kindOf = NODE_KINDS[type];
        if (kindOf === undefined || el.id === undefined) {
          this.unsupported.add(type);
          this.problem('BPMN_ERR_UNSUPPORTED_ELEMENT', el.id, { type });
          continue;
        }
        this.supported.add(type);
        const node = this.node(el, kindOf, scope, stage);
        if (node === undefined) continue;
        this.nodes.set(node.id, node);
        this.nodeOrder.push(node.id);
        this.nodeScope.set(node.id, scope);
        nodeIds.push(node.id);
        if (node.kind === 'subProcess') {
          stack.push({
            el,
            scope: node.id,
            parent: scope,
            kind: node.triggeredByEvent ? 'eventSubProcess' : 'subProcess',
            stage: node.stage,
          });
        }
      }
      for (const a of children(container, 'artifacts')) this.supported.add(a.$type);
      for (const ls of children(container, 'laneSets')) {
        this.supported.add(ls.$type);
        if (children(ls, 'lanes').length > 0) this.supported.add('bpmn:Lane');
      }
      this.scopes.push(
        compact({
          id: scope,
          kind,
          parent,
          nodes: nodeIds,
          startEvents: [] as string[],
          eventSubProcesses: [] as string[],
        }),
      );
    }

    for (const { el, scope } of pendingFlows) this.flow(el, scope);
    return {
      graph: this.assemble(),
      problems: this.problems,
      supported: this.supported,
      unsupported: this.unsupported,
    };
  }

  // ── nodes ────────────────────────────────────────────────────────────────────────────────

  node(
    el: ModdleElement,
    kind: GraphNode['kind'],
    scope: string,
    inheritedStage: Stage | undefined,
  ): GraphNode | undefined {
    const id = el.id!;
    this.checkExtensions(el);
    const base = {
      id,
      name: str(el, 'name'),
      scope,
      incoming: [] as string[],
      outgoing: [] as string[],
      defaultFlow: refId(el, 'default'),
      stage: this.stage(el) ?? inheritedStage,
      inputs: [] as Mapping[],
      outputs: [] as Mapping[],
      boundaryEvents: [] as string[],
      multiInstance: this.multiInstance(el),
      deadline: this.deadline(el),
      notices: splitList(str(el, 'notices')),
    };
    this.mappings(el, base.inputs, base.outputs);
    if (kind === 'userTask') {
      const approval = this.ext(el, 'shidian:Approval');
      if (approval !== undefined) {
        if (base.multiInstance === undefined) this.problem('BPMN_ERR_APPROVAL_NOT_MULTI_INSTANCE', id);
        else base.multiInstance = this.approval(id, approval, base.multiInstance);
      }
    } else if (this.ext(el, 'shidian:Approval') !== undefined)
      this.problem('BPMN_ERR_APPROVAL_NOT_MULTI_INSTANCE', id);

    switch (kind) {
      case 'startEvent':
        return compact({
          kind,
          ...base,
          event: this.event(el),
          interrupting: bool(el, 'isInterrupting') ?? true,
          form: this.form(el),
        });
      case 'intermediateCatchEvent': {
        const event = this.event(el);
        if (event.type === 'none' && children(el, 'eventDefinitions').length === 0)
          this.problem('BPMN_ERR_MISSING_ATTRIBUTE', id, {
            attr: 'event definition (a catch event waits for something)',
          });
        return compact({ kind, ...base, event });
      }
      case 'endEvent':
      case 'intermediateThrowEvent': {
        const event = this.event(el);
        const connector =
          event.type === 'message'
            ? (str(el, 'connector') ?? str(this.ext(el, 'zeebe:TaskDefinition'), 'type'))
            : undefined;
        return compact({ kind, ...base, event, connector });
      }
      case 'boundaryEvent': {
        const attachedTo = refId(el, 'attachedToRef');
        if (attachedTo === undefined) {
          this.problem('BPMN_ERR_BOUNDARY_NOT_ATTACHED', id);
          return undefined;
        }
        const event = this.event(el);
        if (event.type === 'none' && children(el, 'eventDefinitions').length === 0)
          this.problem('BPMN_ERR_MISSING_ATTRIBUTE', id, {
            attr: 'event definition (a boundary event waits for something)',
          });
        return compact({
          kind,
          ...base,
          attachedTo,
          cancelActivity: bool(el, 'cancelActivity') ?? true,
          event,
        });
      }
      case 'userTask':
        return compact({
          kind,
          ...base,
          assignment: this.assignment(el),
          form: this.form(el),
          permissions: this.permissions(el),
          returnMode: this.oneOf(el, 'returnMode', ['re-walk', 'jump-back'] as const) ?? 're-walk',
          rejectTarget: str(el, 'rejectTarget'),
        });
      case 'serviceTask':
      case 'sendTask': {
        const connector = this.connector(el, kind);
        const event =
          kind === 'sendTask' && refId(el, 'messageRef') !== undefined ? this.message(el) : undefined;
        return compact({ kind, ...base, connector, event });
      }
      case 'scriptTask':
        return compact({ kind, ...base, ...this.script(el) });
      case 'businessRuleTask': {
        const called = this.ext(el, 'zeebe:CalledDecision');
        const decisionRef = str(called, 'decisionId') ?? str(el, 'decisionRef');
        if (decisionRef === undefined)
          this.problem('BPMN_ERR_MISSING_ATTRIBUTE', id, { attr: 'decisionRef' });
        // No DMN engine: a decision would only raise an incident at run time, so refuse it at deploy time.
        else this.problem('BPMN_ERR_DECISION_UNSUPPORTED', id, { ref: decisionRef });
        this.rejectImplementation(el);
        return compact({
          kind,
          ...base,
          decisionRef,
          resultVariable: str(called, 'resultVariable') ?? str(el, 'resultVariable'),
        });
      }
      case 'task':
      case 'manualTask':
        return compact({ kind, ...base });
      case 'receiveTask':
        if (refId(el, 'messageRef') === undefined)
          this.problem('BPMN_ERR_MISSING_ATTRIBUTE', id, { attr: 'messageRef' });
        return compact({ kind, ...base, event: this.message(el) });
      case 'exclusiveGateway':
      case 'parallelGateway':
      case 'inclusiveGateway':
      case 'eventBasedGateway':
        return compact({ kind, ...base });
      case 'subProcess':
        return compact({ kind, ...base, triggeredByEvent: bool(el, 'triggeredByEvent') ?? false });
      case 'callActivity':
        return this.callActivity(el, base);
    }
  }

  /**
   * Extension elements that carry behaviour we do not run are reported, never silently dropped:
   * listeners are errors (their code would not run), other unknown ones warnings.
   */
  checkExtensions(el: ModdleElement): void {
    const values = (el.extensionElements as { values?: unknown } | undefined)?.values;
    for (const x of isElement(el.extensionElements) && Array.isArray(values) ? values : EMPTY_LIST) {
      // as `extensions(el)`, with one read of `$type` (a getter in moddle) per value
      const t: unknown = typeof x === 'object' && x !== null ? (x as { $type?: unknown }).$type : undefined;
      if (typeof t !== 'string') continue;
      if (CONSUMED_EXTENSIONS.has(t) || t.startsWith('shidian:')) continue;
      if (LISTENERS.has(t)) this.problem('BPMN_ERR_UNSUPPORTED_IMPLEMENTATION', el.id, { what: t });
      else this.problem('BPMN_WARN_IGNORED_ELEMENT', el.id, { type: t });
    }
    const lc = child(el, 'loopCharacteristics');
    for (const x of extensions(lc)) {
      if (x.$type !== 'zeebe:LoopCharacteristics')
        this.problem('BPMN_WARN_IGNORED_ELEMENT', el.id, { type: x.$type });
    }
  }

  stage(el: ModdleElement): Stage | undefined {
    return this.oneOf(el, 'stage', STAGES);
  }

  /** A `shidian:` attribute restricted to a set of values (a problem when out of set). */
  oneOf<T extends string>(el: ModdleElement, attr: string, allowed: readonly T[]): T | undefined {
    const v = str(el, attr);
    if (v === undefined) return undefined;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problem('BPMN_ERR_SHIDIAN_INVALID', el.id, { attr, value: v, expected: allowed.join(' | ') });
    return undefined;
  }

  event(el: ModdleElement): EventDefinition {
    const defs = children(el, 'eventDefinitions');
    if (defs.length === 0) {
      if (children(el, 'eventDefinitionRefs').length > 0) {
        this.unsupported.add('bpmn:EventDefinition');
        this.problem('BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION', el.id, { type: 'eventDefinitionRef' });
      }
      return { type: 'none' };
    }
    if (defs.length > 1) {
      this.unsupported.add('bpmn:MultipleEventDefinitions');
      this.problem('BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION', el.id, {
        type: 'multiple (' + defs.map((d) => d.$type).join(', ') + ')',
      });
      return { type: 'none' };
    }
    const def = defs[0]!;
    const type = EVENT_TYPES[def.$type];
    if (type === undefined) {
      this.unsupported.add(def.$type);
      this.problem('BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION', el.id, { type: def.$type });
      return { type: 'none' };
    }
    if (type === 'conditional') {
      // Conditional events would need re-evaluation on every variable change, which the engine does not
      // do: refused at deploy time rather than deployed and never triggered (docs/engine.md).
      this.unsupported.add(def.$type);
      this.problem('BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION', el.id, { type: def.$type });
    } else this.supported.add(def.$type);
    switch (type) {
      case 'timer': {
        const v = (k: string): Expr | undefined => {
          const body = str(child(def, k), 'body');
          return body === undefined ? undefined : zeebeValue(body.trim());
        };
        const t = compact({
          type,
          timeDate: v('timeDate'),
          timeDuration: v('timeDuration'),
          timeCycle: v('timeCycle'),
        });
        for (const [kind, e] of [
          ['timeDate', t.timeDate],
          ['timeDuration', t.timeDuration],
          ['timeCycle', t.timeCycle],
        ] as const) {
          if (e?.kind === 'literal' && !TIMER_LITERAL[kind](e.source))
            this.problem('BPMN_ERR_TIMER_INVALID', el.id, { kind, value: e.source });
          else if (e?.kind === 'literal' && kind === 'timeCycle' && isCron(e.source)) {
            const c = checkCron(e.source, this.dialect);
            if (!c.ok) this.problem(c.code, el.id, { kind, value: e.source, reason: c.reason });
          }
        }
        if (t.timeDate === undefined && t.timeDuration === undefined && t.timeCycle === undefined)
          this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, { attr: 'timeDate | timeDuration | timeCycle' });
        return t;
      }
      case 'message':
        return this.message(def, el.id);
      case 'signal': {
        const ref = refId(def, 'signalRef');
        if (ref === undefined) this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, { attr: 'signalRef' });
        return compact({
          type,
          signalRef: ref,
          signalName: ref === undefined ? undefined : this.defs.signals[ref]?.name,
        });
      }
      case 'error': {
        const ref = refId(def, 'errorRef');
        return compact({
          type,
          errorRef: ref,
          errorCode: ref === undefined ? undefined : this.defs.errors[ref]?.code,
        });
      }
      case 'escalation': {
        const ref = refId(def, 'escalationRef');
        return compact({
          type,
          escalationRef: ref,
          escalationCode: ref === undefined ? undefined : this.defs.escalations[ref]?.code,
        });
      }
      case 'terminate':
        return { type };
      case 'link': {
        const linkName = str(def, 'name');
        if (linkName === undefined) this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, { attr: 'link name' });
        return { type, linkName: linkName ?? '' };
      }
      case 'conditional': {
        const c = child(def, 'condition');
        const body = str(c, 'body');
        if (body === undefined) {
          this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, { attr: 'condition' });
          return { type, condition: feel('false') };
        }
        return { type, condition: bodyExpr(body, str(c, 'language')) };
      }
      default:
        return { type: 'none' };
    }
  }

  /** A message event definition (or the message of a receive/send task). */
  message(holder: ModdleElement, elementId = holder.id): EventDefinition {
    const ref = refId(holder, 'messageRef');
    const catches = holder.$type === 'bpmn:MessageEventDefinition' || holder.$type === 'bpmn:ReceiveTask';
    if (ref === undefined && catches && !isThrowing(holder))
      this.problem('BPMN_ERR_MISSING_ATTRIBUTE', elementId, { attr: 'messageRef' });
    return compact({
      type: 'message' as const,
      messageRef: ref,
      messageName: ref === undefined ? undefined : this.defs.messages[ref]?.name,
      correlationKey: ref === undefined ? undefined : this.defs.correlationKeys.get(ref),
    });
  }

  assignment(el: ModdleElement): Assignment {
    const z = this.ext(el, 'zeebe:AssignmentDefinition');
    const sched = this.ext(el, 'zeebe:TaskSchedule');
    const prio = this.ext(el, 'zeebe:PriorityDefinition');
    const users = this.pick(el, z, 'candidateUsers');
    const groups = this.pick(el, z, 'candidateGroups');
    return compact({
      assignee: this.pick(el, z, 'assignee'),
      candidateUsers: users?.kind === 'literal' ? splitList(users.source) : [],
      candidateUsersExpr: users?.kind === 'literal' ? undefined : users,
      candidateGroups: groups?.kind === 'literal' ? splitList(groups.source) : [],
      candidateGroupsExpr: groups?.kind === 'literal' ? undefined : groups,
      candidateUnits: splitList(str(el, 'candidateUnits')),
      dueDate: this.pick(el, sched, 'dueDate'),
      followUpDate: this.pick(el, sched, 'followUpDate'),
      priority: this.pick(el, prio, 'priority'),
    });
  }

  /** An assignment attribute: from the zeebe extension element, else from the task (`camunda:`). */
  pick(el: ModdleElement, zeebe: ModdleElement | undefined, key: string): Expr | undefined {
    const v = str(zeebe, key) ?? str(el, key);
    if (v === undefined || v.trim() === '') return undefined;
    return this.dialect === 'camunda8' ? zeebeValue(v) : camundaValue(v);
  }

  form(el: ModdleElement): FormBinding | undefined {
    const own = this.ext(el, 'shidian:Form');
    if (own !== undefined) {
      const ref = str(own, 'ref');
      if (ref === undefined) {
        this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, { attr: 'shidian:form ref' });
        return undefined;
      }
      const binding = this.oneOfValue(el.id, 'form binding', str(own, 'binding'), BINDINGS) ?? 'latest';
      return compact({ source: 'shidian:form' as const, ref, binding, version: str(own, 'version') });
    }
    const z = this.ext(el, 'zeebe:FormDefinition');
    if (z !== undefined) {
      const binding = bindingOf(str(z, 'bindingType'));
      const version = str(z, 'versionTag');
      const formId = str(z, 'formId');
      if (formId !== undefined)
        return compact({ source: 'zeebe:formId' as const, ref: formId, binding, version });
      const formKey = str(z, 'formKey');
      if (formKey !== undefined)
        return compact({ source: 'zeebe:formKey' as const, ref: formKey, binding, version });
      const ext = str(z, 'externalReference');
      if (ext !== undefined)
        return compact({ source: 'zeebe:externalReference' as const, ref: ext, binding, version });
    }
    const formRef = str(el, 'formRef');
    if (formRef !== undefined)
      return compact({
        source: 'camunda:formRef' as const,
        ref: formRef,
        binding: bindingOf(str(el, 'formRefBinding')),
        version: str(el, 'formRefVersion'),
      });
    const formKey = str(el, 'formKey');
    if (formKey !== undefined) return { source: 'camunda:formKey', ref: formKey, binding: 'latest' };
    return undefined;
  }

  oneOfValue<T extends string>(
    id: string | undefined,
    attr: string,
    v: string | undefined,
    allowed: readonly T[],
  ): T | undefined {
    if (v === undefined) return undefined;
    if ((allowed as readonly string[]).includes(v)) return v as T;
    this.problem('BPMN_ERR_SHIDIAN_INVALID', id, { attr, value: v, expected: allowed.join(' | ') });
    return undefined;
  }

  permissions(el: ModdleElement): FieldPermission[] {
    const p = this.ext(el, 'shidian:Permissions');
    const out: FieldPermission[] = [];
    for (const f of children(p, 'fields')) {
      const path = str(f, 'path');
      const mode = this.oneOfValue(el.id, 'field mode', str(f, 'mode'), FIELD_MODES);
      if (path === undefined || path === '')
        this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, { attr: 'shidian:field path' });
      else if (mode !== undefined) out.push({ path, mode });
      else if (str(f, 'mode') === undefined)
        this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, { attr: 'shidian:field mode' });
    }
    return out;
  }

  deadline(el: ModdleElement): DeadlineSpec | undefined {
    const d = this.ext(el, 'shidian:Deadline');
    if (d === undefined) return undefined;
    const id = el.id;
    const period = str(d, 'period');
    if (period === undefined) {
      this.problem('BPMN_ERR_MISSING_ATTRIBUTE', id, { attr: 'shidian:deadline period' });
      return undefined;
    }
    if (!PERIOD.test(period))
      this.problem('BPMN_ERR_SHIDIAN_INVALID', id, {
        attr: 'deadline period',
        value: period,
        expected: '15d | 5wd | 24h | P15D',
      });
    const warning = str(d, 'warning');
    if (warning !== undefined && !WARNING.test(warning))
      this.problem('BPMN_ERR_SHIDIAN_INVALID', id, {
        attr: 'deadline warning',
        value: warning,
        expected: '20% | 3wd | 2d | P2D',
      });
    const onTimeout =
      this.oneOfValue(id, 'deadline onTimeout', str(d, 'onTimeout'), TIMEOUT_ACTIONS) ?? 'none';
    const escalateTo = str(d, 'escalateTo');
    const fromAttr = str(d, 'from');
    if (onTimeout === 'escalate' && escalateTo === undefined)
      this.problem('BPMN_ERR_MISSING_ATTRIBUTE', id, { attr: 'shidian:deadline escalateTo' });
    return compact({
      period,
      kind:
        this.oneOfValue(id, 'deadline calendar', str(d, 'calendar'), ['calendar', 'working'] as const) ??
        (/wd$/.test(period) ? 'working' : 'calendar'),
      warning,
      onTimeout,
      escalateTo,
      budget: str(d, 'budget'),
      basis: this.oneOfValue(id, 'deadline basis', str(d, 'basis'), ['statutory', 'internal'] as const),
      from: fromAttr === undefined || fromAttr.trim() === '' ? undefined : variableValue(fromAttr),
    });
  }

  approval(id: string, a: ModdleElement, mi: MultiInstance): MultiInstance {
    const preset = this.oneOfValue(id, 'approval preset', str(a, 'preset'), PRESETS);
    if (preset === undefined) {
      if (str(a, 'preset') === undefined)
        this.problem('BPMN_ERR_MISSING_ATTRIBUTE', id, { attr: 'shidian:approval preset' });
      return mi;
    }
    const raw = a.ratio;
    const ratio = typeof raw === 'number' ? raw : typeof raw === 'string' ? Number(raw) : undefined;
    if (preset === 'ratio' && (ratio === undefined || !(ratio > 0 && ratio <= 1)))
      this.problem('BPMN_ERR_SHIDIAN_INVALID', id, {
        attr: 'approval ratio',
        value: String(raw ?? ''),
        expected: '0 < ratio ≤ 1',
      });
    return compact({
      ...mi,
      sequential: preset === 'sequential' ? true : mi.sequential,
      preset,
      ratio: preset === 'ratio' && ratio !== undefined && ratio > 0 && ratio <= 1 ? ratio : undefined,
    });
  }

  multiInstance(el: ModdleElement): MultiInstance | undefined {
    const lc = child(el, 'loopCharacteristics');
    if (lc === undefined) return undefined;
    if (lc.$type !== 'bpmn:MultiInstanceLoopCharacteristics') {
      this.unsupported.add(lc.$type);
      this.problem('BPMN_ERR_UNSUPPORTED_ELEMENT', el.id, { type: lc.$type });
      return undefined;
    }
    this.supported.add(lc.$type);
    const z = this.ext(lc, 'zeebe:LoopCharacteristics');
    const body = (k: string): Expr | undefined => {
      const c = child(lc, k);
      const b = str(c, 'body');
      return b === undefined || b.trim() === '' ? undefined : bodyExpr(b, str(c, 'language'));
    };
    const collectionRaw = str(z, 'inputCollection') ?? str(lc, 'collection');
    const outputElement = str(z, 'outputElement');
    const mi = compact({
      sequential: bool(lc, 'isSequential') ?? false,
      collection:
        collectionRaw === undefined
          ? undefined
          : z !== undefined
            ? zeebeCollection(collectionRaw)
            : variableValue(collectionRaw),
      elementVariable: str(z, 'inputElement') ?? str(lc, 'elementVariable'),
      cardinality: body('loopCardinality'),
      completionCondition: body('completionCondition'),
      outputCollection: str(z, 'outputCollection'),
      outputElement: outputElement === undefined ? undefined : zeebeValue(outputElement),
    });
    if (mi.collection === undefined && mi.cardinality === undefined)
      this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, {
        attr: 'multi-instance collection | loopCardinality',
      });
    return mi;
  }

  mappings(el: ModdleElement, inputs: Mapping[], outputs: Mapping[]): void {
    const z = this.ext(el, 'zeebe:IoMapping');
    for (const [list, key] of [
      [inputs, 'inputParameters'],
      [outputs, 'outputParameters'],
    ] as const) {
      for (const p of children(z, key)) {
        const target = str(p, 'target');
        const source = str(p, 'source');
        if (target !== undefined)
          list.push({ target, source: source === undefined ? literal('') : zeebeValue(source) });
      }
    }
    const c = this.ext(el, 'camunda:InputOutput');
    for (const [list, key] of [
      [inputs, 'inputParameters'],
      [outputs, 'outputParameters'],
    ] as const) {
      for (const p of children(c, key)) {
        const target = str(p, 'name');
        if (target === undefined) continue;
        if (child(p, 'definition') !== undefined) {
          this.problem('BPMN_ERR_UNSUPPORTED_IMPLEMENTATION', el.id, {
            what: `camunda:${key === 'inputParameters' ? 'inputParameter' : 'outputParameter'} ${target} (script/list/map)`,
          });
          continue;
        }
        const v = str(p, 'value');
        list.push({ target, source: v === undefined ? literal('') : camundaValue(v) });
      }
    }
  }

  connector(el: ModdleElement, kind: 'serviceTask' | 'sendTask'): string | undefined {
    const own = str(el, 'connector');
    const zeebe = str(this.ext(el, 'zeebe:TaskDefinition'), 'type');
    const topic = str(el, 'type') === 'external' ? str(el, 'topic') : undefined;
    const implemented = this.rejectImplementation(el);
    const connector = own ?? zeebe ?? topic;
    if (connector === undefined && !implemented) this.problem('BPMN_ERR_NO_CONNECTOR', el.id, { type: kind });
    return connector;
  }

  /** Reports Camunda 7 Java/expression implementations; true when one was found. */
  rejectImplementation(el: ModdleElement): boolean {
    let found = false;
    for (const k of ['class', 'delegateExpression', 'expression'] as const) {
      const v = str(el, k);
      if (v !== undefined) {
        found = true;
        this.problem('BPMN_ERR_UNSUPPORTED_IMPLEMENTATION', el.id, { what: `camunda:${k}="${v}"` });
      }
    }
    if (this.ext(el, 'camunda:Connector') !== undefined) {
      found = true;
      this.problem('BPMN_ERR_UNSUPPORTED_IMPLEMENTATION', el.id, { what: 'camunda:connector' });
    }
    return found;
  }

  script(el: ModdleElement): { script?: Expr; resultVariable?: string } {
    const z = this.ext(el, 'zeebe:Script');
    if (z !== undefined) {
      const expression = str(z, 'expression');
      if (expression === undefined)
        this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, { attr: 'zeebe:script expression' });
      return compact({
        script: expression === undefined ? undefined : zeebeValue(expression),
        resultVariable: str(z, 'resultVariable'),
      });
    }
    const format = str(el, 'scriptFormat');
    const body = str(el, 'script');
    if (format === undefined || !/^feel$/i.test(format.trim())) {
      this.problem('BPMN_ERR_SCRIPT_NOT_FEEL', el.id, { format: format ?? '(none)' });
      return {};
    }
    if (body === undefined) this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, { attr: 'script' });
    return compact({
      script: body === undefined ? undefined : bodyExpr(body, 'feel'),
      resultVariable: str(el, 'resultVariable'),
    });
  }

  callActivity(
    el: ModdleElement,
    base: Omit<
      CallActivityNode,
      'kind' | 'binding' | 'propagateAllChildVariables' | 'propagateAllParentVariables'
    >,
  ): GraphNode {
    const z = this.ext(el, 'zeebe:CalledElement');
    let calledElement: Expr | undefined;
    let binding: CallActivityNode['binding'] = 'latest';
    let version: string | undefined;
    let child = false;
    let parent = false;
    if (z !== undefined) {
      const pid = str(z, 'processId');
      const pidExpr = str(z, 'processIdExpression');
      calledElement =
        pidExpr !== undefined
          ? zeebeValue(pidExpr.startsWith('=') ? pidExpr : '=' + pidExpr)
          : pid === undefined
            ? undefined
            : zeebeValue(pid);
      binding = bindingOf(str(z, 'bindingType'));
      version = str(z, 'versionTag');
      child = bool(z, 'propagateAllChildVariables') ?? true;
      parent = bool(z, 'propagateAllParentVariables') ?? true;
    } else {
      const called = str(el, 'calledElement');
      calledElement = called === undefined ? undefined : camundaValue(called);
      binding =
        this.oneOfValue(el.id, 'calledElementBinding', str(el, 'calledElementBinding'), BINDINGS) ?? 'latest';
      version = str(el, 'calledElementVersion') ?? str(el, 'calledElementVersionTag');
      for (const x of extensions(el)) {
        if (x.$type === 'camunda:In' && str(x, 'variables') === 'all') parent = true;
        if (x.$type === 'camunda:Out' && str(x, 'variables') === 'all') child = true;
      }
    }
    if (calledElement === undefined)
      this.problem('BPMN_ERR_MISSING_ATTRIBUTE', el.id, { attr: 'calledElement' });
    return compact({
      kind: 'callActivity' as const,
      ...base,
      calledElement,
      binding,
      version,
      propagateAllChildVariables: child,
      propagateAllParentVariables: parent,
    });
  }

  // ── flows ────────────────────────────────────────────────────────────────────────────────

  flow(el: ModdleElement, scope: string): void {
    const id = el.id;
    if (id === undefined) return;
    const source = refId(el, 'sourceRef');
    const target = refId(el, 'targetRef');
    if (source === undefined) this.problem('BPMN_ERR_FLOW_MISSING_REF', id, { attr: 'sourceRef' });
    if (target === undefined) this.problem('BPMN_ERR_FLOW_MISSING_REF', id, { attr: 'targetRef' });
    if (source === undefined || target === undefined) return;
    const c = child(el, 'conditionExpression');
    const body = str(c, 'body');
    const sourceNode = this.nodes.get(source);
    const f: SequenceFlow = compact({
      id,
      name: str(el, 'name'),
      source,
      target,
      condition: body === undefined || body.trim() === '' ? undefined : bodyExpr(body, str(c, 'language')),
      isDefault: sourceNode?.defaultFlow === id,
    });
    if (
      (sourceNode !== undefined && this.nodeScope.get(source) !== scope) ||
      (this.nodes.has(target) && this.nodeScope.get(target) !== scope)
    )
      this.problem('BPMN_ERR_FLOW_CROSSES_SCOPE', id);
    this.flows.push(f);
  }

  // ── assembly ─────────────────────────────────────────────────────────────────────────────

  assemble(): ProcessGraph {
    const incoming = new Map<string, string[]>();
    const outgoing = new Map<string, string[]>();
    for (const f of this.flows) {
      push(outgoing, f.source, f.id);
      push(incoming, f.target, f.id);
    }
    const boundary = new Map<string, string[]>();
    for (const id of this.nodeOrder) {
      const n = this.nodes.get(id)!;
      if (n.kind === 'boundaryEvent') {
        const host = this.nodes.get(n.attachedTo);
        if (host === undefined || !ACTIVITY_KINDS.has(host.kind))
          this.problem('BPMN_ERR_BOUNDARY_NOT_ATTACHED', id);
        else push(boundary, n.attachedTo, id);
      }
    }
    // The nodes and scopes were built by this reader and are not shared: they are completed in place
    // (the keys already exist, so the key order, and the JSON, stay the same).
    const nodes = sortedRecord(
      this.nodeOrder.map((id) => {
        const n = this.nodes.get(id)! as Mutable<GraphNode>;
        n.incoming = incoming.get(id) ?? [];
        n.outgoing = outgoing.get(id) ?? [];
        n.boundaryEvents = boundary.get(id) ?? [];
        return [id, n as GraphNode] as const;
      }),
    );
    const scopes = sortedRecord(
      this.scopes.map((s) => {
        const startEvents: string[] = [];
        const eventSubProcesses: string[] = [];
        for (const nid of s.nodes) {
          const n = nodes[nid]!;
          if (n.kind === 'startEvent' && n.event.type === 'none') startEvents.push(nid);
          if (n.kind === 'subProcess' && n.triggeredByEvent) eventSubProcesses.push(nid);
        }
        const scope = s as Mutable<Scope>;
        scope.startEvents = startEvents;
        scope.eventSubProcesses = eventSubProcesses;
        return [s.id, s] as const;
      }),
    );
    const proc = this.proc;
    const versionTag = str(this.ext(proc, 'zeebe:VersionTag'), 'value') ?? str(proc, 'versionTag');
    return compact({
      formatVersion: GRAPH_FORMAT_VERSION,
      id: proc.id ?? '',
      name: str(proc, 'name'),
      versionTag,
      dialect: this.dialect,
      nodes,
      flows: sortedRecord(this.flows.map((f) => [f.id, f] as const)),
      scopes,
      messages: this.defs.messages,
      signals: this.defs.signals,
      errors: this.defs.errors,
      escalations: this.defs.escalations,
    });
  }
}

const EMPTY_LIST: readonly unknown[] = [];
const NO_EXTENSIONS: ReadonlyMap<string, ModdleElement> = new Map();

/** The extension elements of `el` by type, the first of each type (what {@link extension} finds). */
function indexExtensions(el: ModdleElement): ReadonlyMap<string, ModdleElement> {
  const values = (el.extensionElements as { values?: unknown } | undefined)?.values;
  if (!Array.isArray(values) || values.length === 0) return NO_EXTENSIONS;
  const index = new Map<string, ModdleElement>();
  for (const x of values) {
    // as `isElement(x)`, with one read of `$type` (a getter in moddle)
    const t: unknown = typeof x === 'object' && x !== null ? (x as { $type?: unknown }).$type : undefined;
    if (typeof t === 'string' && !index.has(t)) index.set(t, x as ModdleElement);
  }
  return index;
}

type Mutable<T> = { -readonly [K in keyof T]: T[K] };

function push(map: Map<string, string[]>, key: string, value: string): void {
  const list = map.get(key);
  if (list === undefined) map.set(key, [value]);
  else list.push(value);
}

function isThrowing(def: ModdleElement): boolean {
  const t = def.$parent?.$type;
  return t === 'bpmn:EndEvent' || t === 'bpmn:IntermediateThrowEvent';
}

function splitList(v: string | undefined): string[] {
  const out: string[] = [];
  if (v === undefined) return out;
  for (const part of v.split(',')) {
    const s = part.trim();
    if (s !== '') out.push(s);
  }
  return out;
}

function bindingOf(v: string | undefined): FormBinding['binding'] {
  return v === 'deployment' || v === 'versionTag' || v === 'version' ? v : 'latest';
}

/** Zeebe `inputCollection` is always an expression; a bare name is read as FEEL too. */
function zeebeCollection(v: string): Expr {
  const e = zeebeValue(v);
  return e.kind === 'literal' ? feel(v.trim()) : e;
}
