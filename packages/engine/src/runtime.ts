/**
 * The token machine: one `Run` per accepted command, working on a private copy of the state.
 * Everything it does to the state is mirrored by an effect, in order.
 */
import type {
  BoundaryEventNode,
  EventDefinition,
  Expr,
  GraphNode,
  ProcessGraph,
  SequenceFlow,
  StartEventNode,
  UserTaskNode,
} from '@shidian/bpmn';
import { isCron } from '@shidian/bpmn';
import { builtinConnectors } from './connectors.js';
import { runDeadlineConnector, scheduleBudgetTimers } from './deadlines.js';
import { IncidentSignal, engineError } from './errors.js';
import { evaluateCondition, evaluateExpr } from './feel.js';
import { indexOf, type GraphIndex } from './graph-index.js';
import { budgetWarning } from './budget-ledger.js';
import { addDuration, approximateCalendar, isInstant, parseCycle } from './time.js';
import { cronCycle, nextCronTime } from './cron.js';
import {
  SYSTEM_ACTOR,
  type Actor,
  type AuditEvent,
  type Budget,
  type EngineError,
  type Effect,
  type EngineState,
  type Json,
  type ScopeInstance,
  type StepContext,
  type Subscription,
  type TaskState,
  type TaskView,
  type TimerPurpose,
  type TimerState,
  type Token,
  type Variables,
} from './types.js';

/** The process scope instance id. */
export const ROOT_SCOPE = 's0';

type Action = 'enter' | 'leave';

/** Mutable working set of one command. */
export class Run {
  readonly effects: Effect[] = [];
  readonly index: GraphIndex;
  /** Tokens scheduled or created during this command. */
  readonly touched = new Set<string>();
  /** The completed step whose completion is being processed (origin of new tasks). */
  currentStep: string | undefined;
  private readonly queue: { token: string; action: Action }[] = [];

  constructor(
    readonly graph: ProcessGraph,
    readonly state: EngineState,
    readonly now: string,
    readonly ctx: StepContext,
    readonly actor: Actor,
    readonly comment: string | undefined,
  ) {
    this.index = indexOf(graph);
  }

  // ---------------------------------------------------------------------------------------------
  // basics

  nextId(prefix: string): string {
    this.state.seq += 1;
    return `${prefix}${this.state.seq}`;
  }

  get iid(): string {
    return this.state.instanceId;
  }

  node(id: string): GraphNode {
    const n = this.graph.nodes[id];
    if (n === undefined) throw new IncidentSignal(engineError('ENG_ERR_GRAPH_MISMATCH', { node: id }));
    return n;
  }

  emit(effect: Effect): void {
    this.effects.push(effect);
  }

  audit(
    type: string,
    fields: Omit<AuditEvent, 'seq' | 'type' | 'actor' | 'at'> & { actor?: string } = {},
  ): void {
    this.state.audit += 1;
    const event: Record<string, unknown> = {
      seq: this.state.audit,
      type,
      actor: fields.actor ?? this.actor.id,
      at: this.now,
    };
    const comment = fields.comment ?? this.comment;
    if (comment !== undefined) event.comment = comment;
    if (fields.stage !== undefined) event.stage = fields.stage;
    if (fields.node !== undefined) event.node = fields.node;
    if (fields.taskId !== undefined) event.taskId = fields.taskId;
    if (fields.details !== undefined) event.details = fields.details;
    this.emit({ type: 'audit', instanceId: this.iid, event: event as unknown as AuditEvent });
  }

  // ---------------------------------------------------------------------------------------------
  // variables

  scopeChain(scopeId: string): ScopeInstance[] {
    const chain: ScopeInstance[] = [];
    let s = this.state.scopes[scopeId];
    while (s !== undefined) {
      chain.push(s);
      s = s.parent === undefined ? undefined : this.state.scopes[s.parent];
    }
    return chain;
  }

  visibleInScope(scopeId: string): Variables {
    const chain = this.scopeChain(scopeId);
    if (chain.length === 1) return chain[0]?.variables ?? {};
    const out: Variables = {};
    for (let i = chain.length - 1; i >= 0; i--) Object.assign(out, chain[i]?.variables);
    return out;
  }

  visible(t: Token): Variables {
    const base = this.visibleInScope(t.scope);
    return t.locals === undefined ? base : { ...base, ...t.locals };
  }

  /** Writes to the nearest scope that has the variable, else to the process scope. */
  writeVar(scopeId: string, name: string, value: Json): void {
    const chain = this.scopeChain(scopeId);
    const holder =
      chain.find((s) => Object.prototype.hasOwnProperty.call(s.variables, name)) ?? chain[chain.length - 1];
    if (holder !== undefined) holder.variables[name] = value;
  }

  readVar(scopeId: string, name: string): Json | undefined {
    for (const s of this.scopeChain(scopeId))
      if (Object.prototype.hasOwnProperty.call(s.variables, name)) return s.variables[name];
    return undefined;
  }

  writeVars(scopeId: string, vars: Variables): void {
    for (const [k, v] of Object.entries(vars)) this.writeVar(scopeId, k, v);
  }

  /** Result variables of an activity: local when the activity has output mappings, else propagated. */
  writeResult(t: Token, vars: Variables): void {
    const node = this.node(t.node);
    if (node.outputs.length > 0 || t.body !== undefined) t.locals = { ...t.locals, ...vars };
    else this.writeVars(t.scope, vars);
  }

  // ---------------------------------------------------------------------------------------------
  // tokens and the queue

  newToken(node: string, scope: string, via?: string): Token {
    const t: Token = { id: this.nextId('k'), node, scope, wait: 'incident' };
    if (via !== undefined) t.via = via;
    this.state.tokens[t.id] = t;
    this.touched.add(t.id);
    return t;
  }

  schedule(t: Token, action: Action): void {
    this.touched.add(t.id);
    this.queue.push({ token: t.id, action });
  }

  /** Runs scheduled work until every token waits; fires inclusive joins that became ready. */
  drain(): void {
    for (;;) {
      while (this.queue.length > 0) {
        const item = this.queue.shift() as { token: string; action: Action };
        if (this.state.status !== 'active') {
          this.queue.length = 0;
          break;
        }
        const t = this.state.tokens[item.token];
        if (t === undefined) continue;
        try {
          if (item.action === 'enter') this.enter(t);
          else this.leave(t);
        } catch (e) {
          if (!(e instanceof IncidentSignal)) throw e;
          if (this.state.tokens[t.id] !== undefined) this.raiseIncident(t, e.error, item.action);
        }
      }
      if (this.state.status !== 'active' || !this.fireInclusiveJoins()) break;
    }
  }

  raiseIncident(t: Token, error: EngineError, phase: Action): void {
    this.releaseOwned(t.id, 'incident');
    t.wait = 'incident';
    t.phase = phase;
    const id = this.nextId('i');
    const incident = {
      id,
      code: error.code,
      message: error.message,
      node: t.node,
      token: t.id,
      at: this.now,
      ...(error.details === undefined ? {} : { details: error.details as Json }),
    };
    this.state.incidents[id] = incident;
    this.emit({ type: 'incident.raised', instanceId: this.iid, incident });
    this.audit('incident', { actor: SYSTEM_ACTOR.id, node: t.node, details: { code: error.code } });
  }

  /** Removes what a token owns directly: subscriptions, timers, open tasks, its own deadline budget. */
  releaseOwned(tokenId: string, reason: string): void {
    const s = this.state;
    for (const sub of Object.values(s.subscriptions))
      if (sub.token === tokenId) delete s.subscriptions[sub.id];
    for (const timer of Object.values(s.timers)) {
      if (timer.token === tokenId) this.dropTimer(timer.id);
    }
    for (const task of Object.values(s.tasks)) {
      if (task.token === tokenId) {
        delete s.tasks[task.id];
        this.emit({ type: 'task.cancelled', instanceId: this.iid, taskId: task.id, node: task.node, reason });
      }
    }
    const t = s.tokens[tokenId];
    if (t?.budget !== undefined) {
      this.closeBudget(t.budget);
      delete t.budget;
    }
  }

  dropTimer(id: string): void {
    if (this.state.timers[id] === undefined) return;
    delete this.state.timers[id];
    this.emit({ type: 'timer.cancelled', instanceId: this.iid, timerId: id });
  }

  /** Cancels a token and everything below it. */
  cancelToken(id: string, reason: string): void {
    const s = this.state;
    const t = s.tokens[id];
    if (t === undefined) return;
    if (t.mi !== undefined) for (const inner of [...t.mi.active]) this.cancelToken(inner, reason);
    if (t.child !== undefined) {
      if (t.wait === 'scope' || (t.wait === 'incident' && s.scopes[t.child] !== undefined))
        this.cancelScope(t.child, reason);
      else if (s.calls[t.child] !== undefined) {
        delete s.calls[t.child];
        this.emit({ type: 'call.cancelled', instanceId: this.iid, callId: t.child });
      } else if (s.jobs[t.child] !== undefined) {
        delete s.jobs[t.child];
        this.emit({ type: 'job.cancelled', instanceId: this.iid, jobId: t.child });
      }
    }
    for (const inc of Object.values(s.incidents)) {
      if (inc.token === id) {
        delete s.incidents[inc.id];
        this.emit({ type: 'incident.resolved', instanceId: this.iid, incidentId: inc.id });
      }
    }
    this.releaseOwned(id, reason);
    delete s.tokens[id];
    if (t.body !== undefined) {
      const body = s.tokens[t.body];
      if (body?.mi !== undefined) body.mi.active = body.mi.active.filter((x) => x !== id);
      this.dropScopeRecord(t.scope);
    }
  }

  private dropScopeRecord(scopeId: string): void {
    const s = this.state;
    for (const sub of Object.values(s.subscriptions))
      if (sub.scope === scopeId) delete s.subscriptions[sub.id];
    for (const timer of Object.values(s.timers)) if (timer.scope === scopeId) this.dropTimer(timer.id);
    delete s.scopes[scopeId];
  }

  /** Cancels every token and nested scope of a scope instance, and the scope itself. */
  cancelScope(scopeId: string, reason: string, keepScope = false): void {
    const s = this.state;
    for (const t of Object.values(s.tokens)) if (t.scope === scopeId) this.cancelToken(t.id, reason);
    for (const child of Object.values(s.scopes))
      if (child.parent === scopeId) this.cancelScope(child.id, reason);
    if (keepScope) {
      for (const sub of Object.values(s.subscriptions))
        if (sub.scope === scopeId) delete s.subscriptions[sub.id];
      for (const timer of Object.values(s.timers)) if (timer.scope === scopeId) this.dropTimer(timer.id);
    } else this.dropScopeRecord(scopeId);
  }

  /** Removes a token that finished (no outgoing flow, end event). */
  consume(t: Token): void {
    this.releaseOwned(t.id, 'consumed');
    delete this.state.tokens[t.id];
    this.checkScopeDone(t.scope);
  }

  checkScopeDone(scopeId: string): void {
    const s = this.state;
    if (s.status !== 'active') return;
    const scope = s.scopes[scopeId];
    if (scope === undefined || scope.kind === 'mi') return;
    for (const t of Object.values(s.tokens)) if (t.scope === scopeId) return;
    for (const c of Object.values(s.scopes)) if (c.parent === scopeId) return;
    for (const sub of Object.values(s.subscriptions))
      if (sub.scope === scopeId) delete s.subscriptions[sub.id];
    for (const timer of Object.values(s.timers)) if (timer.scope === scopeId) this.dropTimer(timer.id);
    if (scope.kind === 'process') {
      this.endInstance('completed');
    } else if (scope.kind === 'subProcess') {
      const parent = scope.token === undefined ? undefined : s.tokens[scope.token];
      if (parent !== undefined) this.schedule(parent, 'leave');
      else delete s.scopes[scopeId];
    } else {
      delete s.scopes[scopeId];
      if (scope.parent !== undefined) this.checkScopeDone(scope.parent);
    }
  }

  endInstance(status: 'completed' | 'terminated' | 'cancelled', reason?: string): void {
    const s = this.state;
    this.cancelScope(ROOT_SCOPE, status, true);
    for (const t of Object.values(s.tokens)) this.cancelToken(t.id, status);
    for (const timer of Object.values(s.timers)) this.dropTimer(timer.id);
    for (const id of Object.keys(s.subscriptions)) delete s.subscriptions[id];
    for (const b of Object.values(s.budgets)) this.closeBudget(b.id);
    for (const id of Object.keys(s.calls)) {
      delete s.calls[id];
      this.emit({ type: 'call.cancelled', instanceId: this.iid, callId: id });
    }
    for (const id of Object.keys(s.jobs)) {
      delete s.jobs[id];
      this.emit({ type: 'job.cancelled', instanceId: this.iid, jobId: id });
    }
    for (const inc of Object.values(s.incidents)) {
      delete s.incidents[inc.id];
      this.emit({ type: 'incident.resolved', instanceId: this.iid, incidentId: inc.id });
    }
    delete s.pausedTimers;
    delete s.closedBudgets;
    delete s.suspendedAt;
    s.status = status;
    s.endedAt = this.now;
    if (reason !== undefined) s.endReason = reason;
    this.emit(
      reason === undefined
        ? { type: 'instance.ended', instanceId: this.iid, status }
        : { type: 'instance.ended', instanceId: this.iid, status, reason },
    );
    this.audit(
      `instance.${status}`,
      reason === undefined
        ? { actor: status === 'cancelled' ? this.actor.id : SYSTEM_ACTOR.id }
        : { details: { reason } },
    );
  }

  // ---------------------------------------------------------------------------------------------
  // entering nodes

  enter(t: Token): void {
    const node = this.node(t.node);
    delete t.phase;
    if (t.via !== undefined && node.kind !== 'parallelGateway' && node.kind !== 'inclusiveGateway')
      delete t.via;
    if (node.multiInstance !== undefined && t.body === undefined && t.mi === undefined && isActivity(node)) {
      this.enterMiBody(t, node);
      return;
    }
    if (node.inputs.length > 0 && node.kind !== 'subProcess' && node.kind !== 'callActivity') {
      const base = this.visibleInScope(t.scope);
      const locals: Variables = { ...t.locals };
      for (const m of node.inputs) locals[m.target] = evaluateExpr(m.source, { ...base, ...locals });
      t.locals = locals;
    }
    switch (node.kind) {
      case 'startEvent':
      case 'boundaryEvent':
      case 'task':
      case 'manualTask':
      case 'exclusiveGateway':
        this.schedule(t, 'leave');
        return;
      case 'endEvent':
        this.enterEnd(t, node.event);
        return;
      case 'userTask':
        this.createTask(t, node, 'main', t.reassign);
        delete t.reassign;
        t.wait = 'task';
        this.attachBoundaries(t, node);
        return;
      case 'serviceTask':
      case 'sendTask':
        this.enterService(t, node.kind, node.connector, node.event);
        return;
      case 'scriptTask': {
        if (node.script === undefined)
          throw new IncidentSignal(
            engineError(
              'ENG_ERR_UNSUPPORTED_ELEMENT',
              { node: node.id },
              'script task without a FEEL script',
            ),
          );
        const value = evaluateExpr(node.script, this.visible(t));
        if (node.resultVariable !== undefined) this.writeResult(t, { [node.resultVariable]: value });
        this.schedule(t, 'leave');
        return;
      }
      case 'businessRuleTask': {
        const connector =
          node.decisionRef === undefined ? undefined : this.ctx.connectors?.[`decision:${node.decisionRef}`];
        if (connector === undefined)
          throw new IncidentSignal(
            engineError(
              'ENG_ERR_UNSUPPORTED_ELEMENT',
              { node: node.id, decisionRef: node.decisionRef ?? null },
              'no decision connector',
            ),
          );
        const res = connector({
          instanceId: this.iid,
          node: node.id,
          now: this.now,
          variables: this.visible(t),
        });
        if (!res.ok)
          throw new IncidentSignal(
            engineError('ENG_ERR_CONNECTOR_FAILED', { node: node.id, errorCode: res.errorCode }, res.message),
          );
        const vars = res.variables ?? {};
        this.writeResult(
          t,
          node.resultVariable === undefined ? vars : { [node.resultVariable]: (vars.result ?? vars) as Json },
        );
        this.schedule(t, 'leave');
        return;
      }
      case 'receiveTask':
        this.arm(t, node.id, node.event, 'catch');
        t.wait = 'event';
        this.attachBoundaries(t, node);
        return;
      case 'parallelGateway':
      case 'inclusiveGateway':
        if (node.incoming.length > 1) {
          t.wait = 'join';
          if (node.kind === 'parallelGateway') this.tryParallelJoin(node.id, t.scope);
        } else this.schedule(t, 'leave');
        return;
      case 'eventBasedGateway': {
        for (const fid of node.outgoing) {
          const target = this.node(this.flow(fid).target);
          const ev =
            target.kind === 'intermediateCatchEvent' || target.kind === 'receiveTask'
              ? target.event
              : undefined;
          if (ev === undefined)
            throw new IncidentSignal(
              engineError(
                'ENG_ERR_UNSUPPORTED_ELEMENT',
                { node: target.id },
                'event-based gateway target must be a catch event',
              ),
            );
          this.arm(t, target.id, ev, 'event-gateway');
        }
        t.wait = 'event-gateway';
        return;
      }
      case 'subProcess':
        this.enterSubProcess(t, node);
        return;
      case 'callActivity':
        this.enterCall(t, node);
        return;
      case 'intermediateCatchEvent':
        if (node.event.type === 'link' || node.event.type === 'none') {
          this.schedule(t, 'leave');
          return;
        }
        this.arm(t, node.id, node.event, 'catch');
        t.wait = 'event';
        return;
      case 'intermediateThrowEvent':
        this.enterThrow(t, node.id, node.event);
        return;
    }
  }

  private enterEnd(t: Token, ev: EventDefinition): void {
    switch (ev.type) {
      case 'terminate':
        this.terminateScope(t.scope);
        return;
      case 'error': {
        const code = this.errorCode(ev);
        if (!this.throwError(t, code))
          throw new IncidentSignal(engineError('ENG_ERR_UNHANDLED_ERROR', { errorCode: code ?? null }));
        return;
      }
      case 'escalation':
        this.throwEscalation(t, this.escalationCode(ev));
        break;
      case 'message':
        this.throwMessage(t, ev);
        break;
      case 'signal':
        this.throwSignal(this.signalName(ev), this.visible(t));
        break;
      default:
        break;
    }
    if (this.state.tokens[t.id] !== undefined) this.consume(t);
  }

  private enterThrow(t: Token, nodeId: string, ev: EventDefinition): void {
    switch (ev.type) {
      case 'message':
        this.throwMessage(t, ev);
        break;
      case 'signal':
        this.throwSignal(this.signalName(ev), this.visible(t));
        break;
      case 'escalation':
        this.throwEscalation(t, this.escalationCode(ev));
        break;
      case 'link': {
        const node = this.node(nodeId);
        const target = this.index.linkTarget(node.scope, ev.linkName);
        if (target === undefined)
          throw new IncidentSignal(
            engineError(
              'ENG_ERR_UNSUPPORTED_ELEMENT',
              { node: nodeId, link: ev.linkName },
              'no catching link event',
            ),
          );
        t.node = target;
        delete t.via;
        this.schedule(t, 'leave');
        return;
      }
      case 'none':
        break;
      default:
        throw new IncidentSignal(
          engineError('ENG_ERR_UNSUPPORTED_ELEMENT', { node: nodeId, event: ev.type }),
        );
    }
    if (this.state.tokens[t.id] !== undefined) this.schedule(t, 'leave');
  }

  private enterService(
    t: Token,
    kind: 'serviceTask' | 'sendTask',
    connectorName: string | undefined,
    ev: EventDefinition | undefined,
  ): void {
    const node = this.node(t.node);
    if (connectorName === undefined) {
      if (kind === 'sendTask' || ev?.type === 'message') this.throwMessage(t, ev ?? { type: 'message' });
      this.schedule(t, 'leave');
      return;
    }
    const connector = this.ctx.connectors?.[connectorName] ?? builtinConnectors[connectorName];
    if (connector === undefined && runDeadlineConnector(this, t, connectorName, this.visible(t))) {
      this.schedule(t, 'leave');
      return;
    }
    if (connector === undefined) {
      const jobId = this.nextId('j');
      this.state.jobs[jobId] = { id: jobId, node: node.id, token: t.id, connector: connectorName };
      t.wait = 'job';
      t.child = jobId;
      this.emit({
        type: 'job.requested',
        instanceId: this.iid,
        jobId,
        node: node.id,
        connector: connectorName,
        variables: this.visible(t),
      });
      this.attachBoundaries(t, node);
      return;
    }
    const res = connector({ instanceId: this.iid, node: node.id, now: this.now, variables: this.visible(t) });
    if (!res.ok) {
      if (this.throwError(t, res.errorCode)) return;
      throw new IncidentSignal(
        engineError(
          'ENG_ERR_CONNECTOR_FAILED',
          { connector: connectorName, errorCode: res.errorCode },
          res.message,
        ),
      );
    }
    if (res.variables !== undefined) this.writeResult(t, res.variables);
    for (const e of res.effects ?? []) this.emit({ ...e, instanceId: this.iid });
    this.schedule(t, 'leave');
  }

  private enterSubProcess(t: Token, node: GraphNode): void {
    const base = this.visibleInScope(t.scope);
    const vars: Variables = {};
    for (const m of node.inputs) vars[m.target] = evaluateExpr(m.source, { ...base, ...vars });
    if (node.deadline !== undefined) this.ensureBudget(t, node);
    const scope: ScopeInstance = {
      id: this.nextId('s'),
      node: node.id,
      kind: 'subProcess',
      parent: t.scope,
      token: t.id,
      variables: vars,
    };
    this.state.scopes[scope.id] = scope;
    t.wait = 'scope';
    t.child = scope.id;
    this.attachBoundaries(t, node);
    this.attachEventSubProcesses(scope);
    const starts = this.startsOf(node.id);
    for (const sid of starts) this.schedule(this.newToken(sid, scope.id), 'leave');
    if (starts.length === 0) this.checkScopeDone(scope.id);
  }

  startsOf(scopeNode: string): string[] {
    const gs = this.graph.scopes[scopeNode];
    if (gs === undefined) return [];
    const plain = gs.startEvents.filter((id) => {
      const n = this.graph.nodes[id];
      return n?.kind === 'startEvent' && n.event.type === 'none';
    });
    if (plain.length > 0) return plain;
    return gs.nodes.filter((id) => {
      const n = this.graph.nodes[id];
      return n?.kind === 'startEvent' && n.event.type === 'none';
    });
  }

  private enterCall(t: Token, node: GraphNode): void {
    if (node.kind !== 'callActivity') return;
    const ctx = this.visible(t);
    const called = node.calledElement === undefined ? null : evaluateExpr(node.calledElement, ctx);
    if (typeof called !== 'string' || called === '')
      throw new IncidentSignal(engineError('ENG_ERR_BAD_CALLED_ELEMENT', { node: node.id, value: called }));
    const vars: Variables = node.propagateAllParentVariables ? { ...ctx } : {};
    for (const m of node.inputs) vars[m.target] = evaluateExpr(m.source, { ...ctx, ...vars });
    if (node.deadline !== undefined) this.ensureBudget(t, node);
    const callId = this.nextId('c');
    this.state.calls[callId] = { id: callId, node: node.id, token: t.id };
    t.wait = 'call';
    t.child = callId;
    this.emit({
      type: 'call.requested',
      instanceId: this.iid,
      callId,
      node: node.id,
      calledElement: called,
      binding: node.binding,
      ...(node.version === undefined ? {} : { version: node.version }),
      variables: vars,
    });
    this.attachBoundaries(t, node);
  }

  // ---------------------------------------------------------------------------------------------
  // multi-instance

  private enterMiBody(t: Token, node: GraphNode): void {
    const mi = node.multiInstance;
    if (mi === undefined) return;
    const ctx = this.visible(t);
    let items: Json[];
    if (mi.collection !== undefined) {
      const v = evaluateExpr(mi.collection, ctx);
      if (!Array.isArray(v))
        throw new IncidentSignal(engineError('ENG_ERR_COLLECTION_NOT_LIST', { node: node.id, value: v }));
      items = [...(v as Json[])];
    } else if (mi.cardinality !== undefined) {
      const n = evaluateExpr(mi.cardinality, ctx);
      const count = typeof n === 'string' ? Number(n) : n;
      if (typeof count !== 'number' || !Number.isInteger(count) || count < 0)
        throw new IncidentSignal(engineError('ENG_ERR_BAD_CARDINALITY', { node: node.id, value: n }));
      items = new Array<Json>(count).fill(null);
    } else
      throw new IncidentSignal(
        engineError('ENG_ERR_COLLECTION_NOT_LIST', { node: node.id }, 'neither collection nor cardinality'),
      );
    t.mi = { items, next: 0, completed: 0, approved: 0, rejected: 0, active: [], results: [], removed: 0 };
    t.wait = 'mi';
    this.attachBoundaries(t, node);
    if (items.length === 0) {
      this.afterInner(t, node);
      return;
    }
    if (this.sequential(node)) this.spawnInner(t, node, 0);
    else for (let i = 0; i < items.length; i++) this.spawnInner(t, node, i);
  }

  sequential(node: GraphNode): boolean {
    return node.multiInstance?.sequential === true || node.multiInstance?.preset === 'sequential';
  }

  spawnInner(body: Token, node: GraphNode, index: number): void {
    const mi = body.mi;
    if (mi === undefined) return;
    const vars: Variables = { loopCounter: index + 1 };
    const el = node.multiInstance?.elementVariable;
    if (el !== undefined) vars[el] = mi.items[index] ?? null;
    const scope: ScopeInstance = {
      id: this.nextId('s'),
      node: node.id,
      kind: 'mi',
      parent: body.scope,
      token: body.id,
      variables: vars,
    };
    this.state.scopes[scope.id] = scope;
    const inner = this.newToken(node.id, scope.id);
    inner.body = body.id;
    inner.index = index;
    mi.active.push(inner.id);
    mi.next = Math.max(mi.next, index + 1);
    this.schedule(inner, 'enter');
  }

  private completeInner(inner: Token, writes: [string, Json][]): void {
    const s = this.state;
    const body = inner.body === undefined ? undefined : s.tokens[inner.body];
    if (body?.mi === undefined) {
      this.consume(inner);
      return;
    }
    const node = this.node(body.node);
    const mi = body.mi;
    const outEl = node.multiInstance?.outputElement;
    const result = outEl === undefined ? null : evaluateExpr(outEl, this.visible(inner));
    for (const [k, v] of writes) this.writeVar(body.scope, k, v);
    if (inner.index !== undefined) mi.results[inner.index] = result;
    mi.completed += 1;
    if (inner.outcome === 'approve') mi.approved += 1;
    if (inner.outcome === 'reject') mi.rejected += 1;
    this.releaseOwned(inner.id, 'completed');
    delete s.tokens[inner.id];
    mi.active = mi.active.filter((x) => x !== inner.id);
    delete s.scopes[inner.scope];
    this.afterInner(body, node);
  }

  /** Checks the completion of a multi-instance body (presets or completion condition). */
  afterInner(body: Token, node: GraphNode): void {
    const mi = body.mi;
    const spec = node.multiInstance;
    if (mi === undefined || spec === undefined) return;
    const total = mi.items.length - mi.removed;
    let done = false;
    let verdict: 'approved' | 'rejected' | undefined;
    switch (spec.preset) {
      case 'any':
        done = mi.completed >= 1;
        verdict = mi.rejected > 0 ? 'rejected' : 'approved';
        break;
      case 'veto':
        if (mi.rejected > 0) [done, verdict] = [true, 'rejected'];
        break;
      case 'ratio': {
        const r = spec.ratio ?? 1;
        if (total > 0 && mi.approved / total >= r - 1e-9) [done, verdict] = [true, 'approved'];
        else if (total > 0 && (total - mi.rejected) / total < r - 1e-9) [done, verdict] = [true, 'rejected'];
        break;
      }
      default:
        break;
    }
    if (!done && spec.completionCondition !== undefined) {
      const ctx = {
        ...this.visibleInScope(body.scope),
        nrOfInstances: total,
        nrOfCompletedInstances: mi.completed,
        nrOfActiveInstances: mi.active.length,
        nrOfApproved: mi.approved,
        nrOfRejected: mi.rejected,
      };
      done = evaluateCondition(spec.completionCondition, ctx);
    }
    if (!done && mi.active.length === 0) {
      if (this.sequential(node) && mi.next < mi.items.length) {
        this.spawnInner(body, node, mi.next);
        return;
      }
      done = true;
    }
    if (!done) return;
    for (const id of [...mi.active]) this.cancelToken(id, 'completion-condition');
    if (verdict === undefined) verdict = mi.rejected > 0 ? 'rejected' : 'approved';
    if (spec.outputCollection !== undefined)
      this.writeVar(
        body.scope,
        spec.outputCollection,
        mi.results.map((r) => r ?? null),
      );
    if (spec.preset !== undefined || mi.approved + mi.rejected > 0) {
      this.writeVar(body.scope, 'approvalResult', verdict);
      this.writeVar(body.scope, 'approvalCounts', {
        total,
        approved: mi.approved,
        rejected: mi.rejected,
        completed: mi.completed,
      });
    }
    this.schedule(body, 'leave');
  }

  // ---------------------------------------------------------------------------------------------
  // leaving nodes

  flow(id: string): SequenceFlow {
    const f = this.graph.flows[id];
    if (f === undefined) throw new IncidentSignal(engineError('ENG_ERR_GRAPH_MISMATCH', { flow: id }));
    return f;
  }

  leave(t: Token): void {
    const node = this.node(t.node);
    delete t.phase;
    const isBody = t.mi !== undefined;
    const writes: [string, Json][] = [];
    if (!isBody && node.outputs.length > 0) {
      const ctx =
        node.kind === 'subProcess' && t.child !== undefined && this.state.scopes[t.child] !== undefined
          ? this.visibleInScope(t.child)
          : this.visible(t);
      for (const m of node.outputs) writes.push([m.target, evaluateExpr(m.source, ctx)]);
    }
    if (t.body !== undefined) {
      this.completeInner(t, writes);
      return;
    }
    const targets =
      t.jumpBack !== undefined ? [{ node: t.jumpBack, flow: undefined }] : this.selectFlows(t, node);
    const returner = t.jumpBack === undefined ? undefined : t.returner;
    // commit
    for (const [k, v] of writes) this.writeVar(t.scope, k, v);
    if (node.kind === 'subProcess' && t.child !== undefined && this.state.scopes[t.child] !== undefined)
      this.cancelScope(t.child, 'completed');
    for (const template of node.notices) {
      this.emit({
        type: 'notice.requested',
        instanceId: this.iid,
        template,
        node: node.id,
        variables: this.visible(t),
      });
    }
    this.releaseOwned(t.id, 'completed');
    for (const k of [
      'locals',
      'mi',
      'jumpBack',
      'returner',
      'child',
      'outcome',
      'after',
      'reassign',
    ] as const)
      delete t[k];
    if (returner !== undefined) t.reassign = returner;
    if (targets.length === 0) {
      delete this.state.tokens[t.id];
      this.checkScopeDone(t.scope);
      return;
    }
    targets.forEach((target, i) => {
      const tok = i === 0 ? t : this.newToken(target.node, t.scope);
      tok.node = target.node;
      if (target.flow === undefined) delete tok.via;
      else tok.via = target.flow;
      tok.wait = 'incident';
      this.schedule(tok, 'enter');
    });
  }

  private selectFlows(t: Token, node: GraphNode): { node: string; flow: string | undefined }[] {
    const out = node.outgoing.map((id) => this.flow(id));
    if (out.length === 0) return [];
    if (node.kind === 'parallelGateway' || node.kind === 'eventBasedGateway')
      return out.map((f) => ({ node: f.target, flow: f.id }));
    const isDefault = (f: SequenceFlow): boolean => f.isDefault || node.defaultFlow === f.id;
    const ctx = out.some((f) => f.condition !== undefined) ? this.visible(t) : {};
    const chosen: SequenceFlow[] = [];
    for (const f of out) {
      if (isDefault(f)) continue;
      if (f.condition === undefined ? true : evaluateCondition(f.condition, ctx)) {
        chosen.push(f);
        if (node.kind === 'exclusiveGateway') break;
      }
    }
    if (chosen.length === 0) {
      const def = out.find(isDefault);
      if (def === undefined)
        throw new IncidentSignal(engineError('ENG_ERR_NO_OUTGOING_FLOW', { node: node.id }));
      chosen.push(def);
    }
    return chosen.map((f) => ({ node: f.target, flow: f.id }));
  }

  // ---------------------------------------------------------------------------------------------
  // joins

  tryParallelJoin(gateway: string, scope: string): void {
    const node = this.node(gateway);
    for (;;) {
      const waiting = Object.values(this.state.tokens).filter(
        (x) => x.node === gateway && x.scope === scope && x.wait === 'join',
      );
      const picked: Token[] = [];
      for (const fid of node.incoming) {
        const tok = waiting.find((x) => x.via === fid);
        if (tok === undefined) return;
        picked.push(tok);
      }
      const [keep, ...rest] = picked;
      if (keep === undefined) return;
      for (const r of rest) delete this.state.tokens[r.id];
      this.schedule(keep, 'leave');
      keep.wait = 'incident';
    }
  }

  /** Fires every inclusive join that no other token can still reach. Returns true if one fired. */
  private fireInclusiveJoins(): boolean {
    const s = this.state;
    const groups = new Map<string, Token[]>();
    for (const t of Object.values(s.tokens)) {
      if (t.wait !== 'join') continue;
      if (this.graph.nodes[t.node]?.kind !== 'inclusiveGateway') continue;
      const key = `${t.node}\u0000${t.scope}`;
      (groups.get(key) ?? groups.set(key, []).get(key))?.push(t);
    }
    let fired = false;
    for (const waiting of groups.values()) {
      const first = waiting[0];
      if (first === undefined) continue;
      const up = this.index.upstream(first.node);
      const blocked = Object.values(s.tokens).some(
        (x) => x.scope === first.scope && !(x.node === first.node && x.wait === 'join') && up.has(x.node),
      );
      if (blocked) continue;
      const seen = new Set<string | undefined>();
      const picked: Token[] = [];
      for (const t of waiting) {
        if (seen.has(t.via)) continue;
        seen.add(t.via);
        picked.push(t);
      }
      const [keep, ...rest] = picked;
      if (keep === undefined) continue;
      for (const r of rest) delete s.tokens[r.id];
      keep.wait = 'incident';
      this.schedule(keep, 'leave');
      fired = true;
    }
    return fired;
  }

  // ---------------------------------------------------------------------------------------------
  // events

  private messageName(ev: EventDefinition): string {
    if (ev.type !== 'message') return '';
    return (
      ev.messageName ??
      (ev.messageRef === undefined ? undefined : this.graph.messages[ev.messageRef]?.name) ??
      ev.messageRef ??
      ''
    );
  }

  private signalName(ev: EventDefinition): string {
    if (ev.type !== 'signal') return '';
    return (
      ev.signalName ??
      (ev.signalRef === undefined ? undefined : this.graph.signals[ev.signalRef]?.name) ??
      ev.signalRef ??
      ''
    );
  }

  private errorCode(ev: EventDefinition): string | undefined {
    if (ev.type !== 'error') return undefined;
    return (
      ev.errorCode ??
      (ev.errorRef === undefined ? undefined : (this.graph.errors[ev.errorRef]?.code ?? ev.errorRef))
    );
  }

  private escalationCode(ev: EventDefinition): string | undefined {
    if (ev.type !== 'escalation') return undefined;
    return (
      ev.escalationCode ??
      (ev.escalationRef === undefined
        ? undefined
        : (this.graph.escalations[ev.escalationRef]?.code ?? ev.escalationRef))
    );
  }

  private throwMessage(t: Token, ev: EventDefinition): void {
    const ctx = this.visible(t);
    const key =
      ev.type === 'message' && ev.correlationKey !== undefined ? evaluateExpr(ev.correlationKey, ctx) : null;
    this.emit({
      type: 'message.thrown',
      instanceId: this.iid,
      name: this.messageName(ev) || (this.node(t.node).name ?? t.node),
      ...(key === null ? {} : { correlationKey: String(key) }),
      variables: ctx,
    });
  }

  /** Emits the signal and delivers it to this instance's own subscriptions. */
  throwSignal(name: string, vars: Variables): void {
    this.emit({ type: 'signal.thrown', instanceId: this.iid, name, variables: vars });
    this.deliverSignal(name, {});
  }

  deliverSignal(name: string, vars: Variables): number {
    const subs = Object.values(this.state.subscriptions).filter(
      (x) => x.kind === 'signal' && x.name === name,
    );
    for (const sub of subs) if (this.state.subscriptions[sub.id] !== undefined) this.deliver(sub, vars);
    return subs.length;
  }

  /** Arms a timer or subscription for a catching event owned by token `t` (catch, boundary, gateway). */
  arm(t: Token, nodeId: string, ev: EventDefinition, purpose: TimerPurpose): void {
    if (ev.type === 'timer') this.armTimer(ev, purpose, nodeId, { token: t.id }, this.visible(t));
    else if (ev.type === 'message' || ev.type === 'signal')
      this.subscribe(ev, nodeId, { token: t.id }, this.visible(t));
    else if (ev.type !== 'error' && ev.type !== 'escalation' && ev.type !== 'none') {
      throw new IncidentSignal(engineError('ENG_ERR_UNSUPPORTED_ELEMENT', { node: nodeId, event: ev.type }));
    }
  }

  private subscribe(
    ev: EventDefinition,
    nodeId: string,
    owner: { token?: string; scope?: string },
    ctx: Variables,
  ): void {
    const id = this.nextId('m');
    if (ev.type === 'message') {
      const key = ev.correlationKey === undefined ? null : evaluateExpr(ev.correlationKey, ctx);
      const sub: Subscription = {
        id,
        kind: 'message',
        name: this.messageName(ev),
        node: nodeId,
        ...owner,
        ...(key === null ? {} : { correlationKey: String(key) }),
      };
      this.state.subscriptions[id] = sub;
    } else if (ev.type === 'signal') {
      this.state.subscriptions[id] = {
        id,
        kind: 'signal',
        name: this.signalName(ev),
        node: nodeId,
        ...owner,
      };
    }
  }

  armTimer(
    ev: EventDefinition,
    purpose: TimerPurpose,
    nodeId: string,
    owner: { token?: string; scope?: string },
    ctx: Variables,
  ): void {
    if (ev.type !== 'timer') return;
    const bad = (value: Json): never => {
      throw new IncidentSignal(engineError('ENG_ERR_BAD_TIMER', { node: nodeId, value }));
    };
    let due: string | undefined;
    let cycle: { repeat: number; duration: string } | undefined;
    let cron: string | undefined;
    if (ev.timeDate !== undefined) {
      const v = evaluateExpr(ev.timeDate, ctx);
      if (typeof v === 'string' && isInstant(v)) due = new Date(Date.parse(v)).toISOString();
      else if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v)) due = `${v}T00:00:00.000Z`;
      else bad(v);
    } else if (ev.timeDuration !== undefined) {
      const v = evaluateExpr(ev.timeDuration, ctx);
      due = typeof v === 'string' ? addDuration(this.now, v) : undefined;
      if (due === undefined) bad(v);
    } else if (ev.timeCycle !== undefined) {
      const v = evaluateExpr(ev.timeCycle, ctx);
      if (typeof v === 'string' && isCron(v)) {
        // cron: unbounded, first at the next matching instant after now (Asia/Shanghai fields)
        const c = cronCycle(v, this.graph.dialect);
        cron = c.ok ? c.pattern : undefined;
        due = cron === undefined ? undefined : nextCronTime(cron, this.now);
        if (due === undefined) bad(v);
      } else {
        cycle = typeof v === 'string' ? parseCycle(v) : undefined;
        due = cycle === undefined ? undefined : addDuration(this.now, cycle.duration);
        if (due === undefined || cycle === undefined || cycle.repeat === 0) bad(v);
      }
    } else bad(null);
    const id = this.nextId('m');
    const timer: TimerState = { id, purpose, node: nodeId, ...owner, due: due as string };
    if (cycle !== undefined) {
      timer.cycle = cycle.duration;
      timer.repeat = cycle.repeat === -1 ? -1 : cycle.repeat - 1;
    }
    if (cron !== undefined) timer.cron = cron;
    this.addTimer(timer);
  }

  addTimer(timer: TimerState): void {
    this.state.timers[timer.id] = timer;
    const provisional =
      timer.budget !== undefined && this.state.budgets[timer.budget]?.provisional === true
        ? { provisional: true }
        : {};
    this.emit({
      type: 'timer.scheduled',
      instanceId: this.iid,
      timerId: timer.id,
      due: timer.due,
      purpose: timer.purpose,
      node: timer.node,
      ...provisional,
    });
  }

  attachBoundaries(t: Token, node: GraphNode): void {
    if (t.body !== undefined) return;
    for (const bid of node.boundaryEvents) {
      const b = this.graph.nodes[bid];
      if (b?.kind !== 'boundaryEvent') continue;
      if (b.event.type === 'timer' || b.event.type === 'message' || b.event.type === 'signal')
        this.arm(t, b.id, b.event, 'boundary');
    }
  }

  attachEventSubProcesses(scope: ScopeInstance): void {
    const gs = this.graph.scopes[scope.kind === 'process' ? this.index.processScope : scope.node];
    if (gs === undefined) return;
    const ctx = this.visibleInScope(scope.id);
    for (const esp of gs.eventSubProcesses) {
      const start = this.index.espStart(esp);
      if (start?.kind !== 'startEvent') continue;
      if (start.event.type === 'timer')
        this.armTimer(start.event, 'event-subprocess', start.id, { scope: scope.id }, ctx);
      else if (start.event.type === 'message' || start.event.type === 'signal')
        this.subscribe(start.event, start.id, { scope: scope.id }, ctx);
    }
  }

  /** Delivers a message or signal to one subscription. */
  deliver(sub: Subscription, vars: Variables): void {
    const node = this.node(sub.node);
    if (node.kind === 'boundaryEvent') {
      const owner = sub.token === undefined ? undefined : this.state.tokens[sub.token];
      if (owner !== undefined) this.triggerBoundary(node, owner, vars);
      return;
    }
    if (node.kind === 'startEvent') {
      if (sub.scope !== undefined) this.triggerEsp(node, sub.scope, vars);
      return;
    }
    const t = sub.token === undefined ? undefined : this.state.tokens[sub.token];
    if (t === undefined) return;
    if (t.wait === 'event-gateway') this.chooseGatewayPath(t, node.id, vars);
    else {
      this.writeVars(t.scope, vars);
      t.wait = 'incident';
      this.releaseOwned(t.id, 'triggered');
      this.schedule(t, 'leave');
    }
  }

  chooseGatewayPath(t: Token, nodeId: string, vars: Variables): void {
    this.releaseOwned(t.id, 'triggered');
    const node = this.node(nodeId);
    const via = node.incoming.find((f) => this.graph.flows[f]?.source === t.node);
    this.writeVars(t.scope, vars);
    t.node = nodeId;
    if (via === undefined) delete t.via;
    else t.via = via;
    t.wait = 'incident';
    this.schedule(t, 'leave');
  }

  triggerBoundary(b: BoundaryEventNode, owner: Token, vars: Variables): void {
    const scope = owner.scope;
    if (b.cancelActivity) this.cancelToken(owner.id, 'interrupted');
    this.writeVars(scope, vars);
    const nt = this.newToken(b.id, scope);
    this.schedule(nt, 'leave');
    this.audit('boundary.triggered', {
      actor: SYSTEM_ACTOR.id,
      node: b.id,
      details: { interrupting: b.cancelActivity, activity: b.attachedTo },
    });
  }

  triggerEsp(start: StartEventNode, scopeId: string, vars: Variables): void {
    const espId = start.scope;
    const esp = this.graph.nodes[espId];
    if (esp === undefined || this.state.scopes[scopeId] === undefined) return;
    if (start.interrupting) this.cancelScope(scopeId, 'interrupted', true);
    this.writeVars(scopeId, vars);
    const scope: ScopeInstance = {
      id: this.nextId('s'),
      node: espId,
      kind: 'eventSubProcess',
      parent: scopeId,
      variables: {},
    };
    this.state.scopes[scope.id] = scope;
    this.attachEventSubProcesses(scope);
    this.schedule(this.newToken(start.id, scope.id), 'leave');
    this.audit('event-subprocess.triggered', {
      actor: SYSTEM_ACTOR.id,
      node: espId,
      details: { interrupting: start.interrupting },
    });
  }

  /** Throws a BPMN error from token `from`; returns false when nothing catches it. */
  throwError(from: Token, code: string | undefined): boolean {
    return this.throwUp(from, 'error', code);
  }

  throwEscalation(from: Token, code: string | undefined): boolean {
    return this.throwUp(from, 'escalation', code);
  }

  private matches(ev: EventDefinition, kind: 'error' | 'escalation', code: string | undefined): boolean {
    if (ev.type !== kind) return false;
    const catchCode = kind === 'error' ? this.errorCode(ev) : this.escalationCode(ev);
    return catchCode === undefined || catchCode === code;
  }

  private catchOnBoundary(owner: Token, kind: 'error' | 'escalation', code: string | undefined): boolean {
    for (const bid of this.node(owner.node).boundaryEvents) {
      const b = this.graph.nodes[bid];
      if (b?.kind === 'boundaryEvent' && this.matches(b.event, kind, code)) {
        this.triggerBoundary(b, owner, code === undefined ? {} : { [`${kind}Code`]: code });
        return true;
      }
    }
    return false;
  }

  private throwUp(from: Token, kind: 'error' | 'escalation', code: string | undefined): boolean {
    // an activity failing itself (job, call, connector): its own boundary events first
    if (isActivity(this.node(from.node)) && this.catchOnBoundary(this.activityToken(from), kind, code))
      return true;
    let scopeId: string = from.scope;
    for (;;) {
      const scope = this.state.scopes[scopeId];
      if (scope === undefined) return false;
      if (scope.kind !== 'mi') {
        const gs = this.graph.scopes[scope.kind === 'process' ? this.index.processScope : scope.node];
        for (const esp of gs?.eventSubProcesses ?? []) {
          const start = this.index.espStart(esp);
          if (start?.kind === 'startEvent' && this.matches(start.event, kind, code)) {
            this.triggerEsp(start, scope.id, code === undefined ? {} : { [`${kind}Code`]: code });
            return true;
          }
        }
      }
      const parent = scope.token === undefined ? undefined : this.state.tokens[scope.token];
      if (parent === undefined) return false;
      const owner = this.activityToken(parent);
      if (this.catchOnBoundary(owner, kind, code)) return true;
      scopeId = owner.scope;
    }
  }

  /** Terminate end event: ends every token of the scope; the scope then completes. */
  terminateScope(scopeId: string): void {
    if (scopeId === ROOT_SCOPE) {
      this.endInstance('terminated');
      return;
    }
    this.cancelScope(scopeId, 'terminated', true);
    this.checkScopeDone(scopeId);
  }

  // ---------------------------------------------------------------------------------------------
  // user tasks and deadlines

  /** Candidate lists of a user task, with expressions evaluated. */
  createTask(t: Token, node: UserTaskNode, role: TaskState['role'], assignee: string | undefined): TaskState {
    const a = node.assignment;
    const ctx = this.visible(t);
    const list = (literal: readonly string[], expr: Expr | undefined): string[] => {
      const out = [...literal];
      if (expr !== undefined) {
        const v = evaluateExpr(expr, ctx);
        if (Array.isArray(v)) for (const x of v as Json[]) out.push(String(x));
        else if (typeof v === 'string')
          out.push(
            ...v
              .split(',')
              .map((x) => x.trim())
              .filter((x) => x !== ''),
          );
      }
      return [...new Set(out)];
    };
    let who = assignee;
    if (who === undefined && role === 'main' && a.assignee !== undefined) {
      const v = evaluateExpr(a.assignee, ctx);
      if (typeof v === 'string' && v !== '') who = v;
    }
    const users = role === 'main' ? list(a.candidateUsers, a.candidateUsersExpr) : [];
    const groups = role === 'main' ? list(a.candidateGroups, a.candidateGroupsExpr) : [];
    const units =
      role === 'main'
        ? a.candidateUnits.map((u) => (u === '$case' && typeof ctx.caseUnit === 'string' ? ctx.caseUnit : u))
        : [];
    let due: string | undefined;
    if (a.dueDate !== undefined) {
      const v = evaluateExpr(a.dueDate, ctx);
      if (typeof v === 'string' && isInstant(v)) due = new Date(Date.parse(v)).toISOString();
      else if (typeof v === 'string') due = addDuration(this.now, v);
    }
    if (node.deadline !== undefined && t.budget === undefined) this.ensureBudget(t, node);
    const budget = this.budgetOf(t);
    const task: TaskState = {
      id: `${this.iid}.t${this.nextId('')}`,
      node: node.id,
      token: t.id,
      createdAt: this.now,
      role,
    };
    if (who !== undefined) task.assignee = who;
    if (users.length > 0) task.candidateUsers = users;
    if (groups.length > 0) task.candidateGroups = groups;
    if (units.length > 0) task.candidateUnits = units;
    if (budget !== undefined) {
      task.budget = budget.id;
      task.due = budget.due;
      // created on a budget that already ran out: escalated from the start
      if (budget.state === 'overdue' && budget.onTimeout === 'escalate' && budget.escalateTo !== undefined)
        if (!(task.candidateGroups ?? []).includes(budget.escalateTo))
          task.candidateGroups = [...(task.candidateGroups ?? []), budget.escalateTo];
    } else if (due !== undefined) task.due = due;
    if (this.currentStep !== undefined) task.origin = this.currentStep;
    this.state.tasks[task.id] = task;
    this.emit({ type: 'task.created', instanceId: this.iid, task: this.view(task) });
    return task;
  }

  /** A signer task added by 加签 (no candidates, a fixed assignee). */
  createSignerTask(t: Token, role: TaskState['role'], user: string): TaskState {
    const node = this.node(t.node);
    const task: TaskState = {
      id: `${this.iid}.t${this.nextId('')}`,
      node: node.id,
      token: t.id,
      createdAt: this.now,
      role,
      assignee: user,
    };
    const budget = this.budgetOf(t);
    if (budget !== undefined) {
      task.budget = budget.id;
      task.due = budget.due;
    }
    this.state.tasks[task.id] = task;
    this.emit({ type: 'task.created', instanceId: this.iid, task: this.view(task) });
    return task;
  }

  view(task: TaskState): TaskView {
    const node = this.graph.nodes[task.node];
    const ut = node?.kind === 'userTask' ? node : undefined;
    const v: Record<string, unknown> = { id: task.id, node: task.node };
    if (node?.name !== undefined) v.name = node.name;
    if (node?.stage !== undefined) v.stage = node.stage;
    v.role = task.role;
    if (task.assignee !== undefined) v.assignee = task.assignee;
    if (task.owner !== undefined) v.owner = task.owner;
    if (task.delegated === true) v.delegated = true;
    if (task.held === true) v.held = true;
    v.candidateUsers = task.candidateUsers ?? [];
    v.candidateGroups = task.candidateGroups ?? [];
    v.candidateUnits = task.candidateUnits ?? [];
    if (ut?.form !== undefined) v.form = ut.form;
    v.permissions = ut?.permissions ?? [];
    if (task.due !== undefined) v.due = task.due;
    if (task.budget !== undefined) v.budget = task.budget;
    const b = task.budget === undefined ? undefined : this.state.budgets[task.budget];
    if (b !== undefined) v.deadlineState = b.pausedAt !== undefined ? 'paused' : (b.state ?? 'normal');
    if (task.budget !== undefined && this.state.budgets[task.budget]?.provisional === true)
      v.provisional = true;
    v.createdAt = task.createdAt;
    return v as unknown as TaskView;
  }

  /**
   * The instant (or civil date) a budget counts from: `shidian:deadline from` evaluated in the token's
   * scope — an ISO instant or a `YYYY-MM-DD` civil date, `null` meaning "now" — else the moment the
   * element is entered. Anything else is an `ENG_ERR_BAD_DEADLINE` incident.
   */
  budgetAnchor(t: Token, node: GraphNode): string {
    const from = node.deadline?.from;
    if (from === undefined) return this.now;
    const v = evaluateExpr(from, this.visible(t));
    if (v === null) return this.now;
    if (isInstant(v)) return v;
    if (typeof v === 'string' && /^\d{4}-\d{2}-\d{2}$/.test(v) && !Number.isNaN(Date.parse(v))) return v;
    throw new IncidentSignal(
      engineError(
        'ENG_ERR_BAD_DEADLINE',
        { node: node.id, from: from.source, value: v },
        'bad deadline anchor',
      ),
    );
  }

  /** Creates (or joins, for a named budget) the deadline budget of an activity token. */
  ensureBudget(t: Token, node: GraphNode): void {
    const spec = node.deadline;
    if (spec === undefined) return;
    if (spec.budget !== undefined && this.namedBudget(spec.budget, t.scope) !== undefined) return;
    if (spec.budget !== undefined && this.reopenBudget(spec.budget, t.scope)) return;
    const calendar = this.ctx.calendar ?? approximateCalendar;
    const start = this.budgetAnchor(t, node);
    let due: string;
    let provisionalYears: readonly number[] | undefined;
    try {
      if (calendar.dueDetailed === undefined) due = calendar.due(start, spec.period, spec.kind);
      else {
        const detailed = calendar.dueDetailed(start, spec.period, spec.kind);
        due = detailed.due;
        if (detailed.provisional) provisionalYears = detailed.provisionalYears ?? [];
      }
    } catch (e) {
      throw new IncidentSignal(
        engineError(
          'ENG_ERR_BAD_DEADLINE',
          { node: node.id, period: spec.period },
          e instanceof Error ? e.message : undefined,
        ),
      );
    }
    const id = this.nextId('b');
    const budget: Budget = {
      id,
      node: node.id,
      period: spec.period,
      kind: spec.kind,
      start,
      due,
      onTimeout: spec.onTimeout,
    };
    if (spec.budget !== undefined)
      Object.assign(budget, { name: spec.budget, scope: this.budgetOwnerScope(spec.budget, t.scope) });
    if (spec.escalateTo !== undefined) Object.assign(budget, { escalateTo: spec.escalateTo });
    if (spec.basis !== undefined) Object.assign(budget, { basis: spec.basis });
    if (this.ctx.calendar === undefined) budget.approximate = true;
    if (provisionalYears !== undefined) {
      budget.provisional = true;
      budget.provisionalYears = [...provisionalYears];
    }
    const warnAt =
      spec.warning === undefined ? undefined : budgetWarning(start, due, spec.warning, this.ctx.calendar);
    if (warnAt !== undefined) budget.warnAt = warnAt;
    this.state.budgets[id] = budget;
    if (spec.budget === undefined) t.budget = id;
    this.emit({ type: 'budget.updated', instanceId: this.iid, budget: { ...budget }, change: 'started' });
    const owner = spec.budget === undefined ? { token: t.id } : {};
    this.addTimer({ id: this.nextId('m'), purpose: 'deadline', node: node.id, ...owner, due, budget: id });
    if (warnAt !== undefined)
      this.addTimer({
        id: this.nextId('m'),
        purpose: 'warning',
        node: node.id,
        ...owner,
        due: warnAt,
        budget: id,
      });
  }

  closeBudget(id: string): void {
    const b = this.state.budgets[id];
    if (b === undefined) return;
    for (const timer of Object.values(this.state.timers)) if (timer.budget === id) this.dropTimer(timer.id);
    if (this.state.pausedTimers !== undefined)
      for (const timer of Object.values(this.state.pausedTimers))
        if (timer.budget === id) delete this.state.pausedTimers[timer.id];
    delete this.state.budgets[id];
    this.emit({ type: 'budget.updated', instanceId: this.iid, budget: b, change: 'closed' });
  }

  /** The named budget visible from a scope instance (owned by it or by an enclosing one). */
  namedBudget(name: string, scopeId: string): Budget | undefined {
    const chain = this.scopeChain(scopeId).map((sc) => sc.id);
    return Object.values(this.state.budgets).find(
      (b) => b.name === name && chain.includes(b.scope ?? ROOT_SCOPE),
    );
  }

  /** The scope instance that owns a named budget started from `scopeId` (see `Budget.scope`). */
  budgetOwnerScope(name: string, scopeId: string): string {
    const owner = this.index.budgetNodes(name).scope;
    const hit = this.scopeChain(scopeId).find((sc) => sc.kind !== 'mi' && sc.node === owner);
    return hit?.id ?? scopeId;
  }

  /** The budget an activity token runs on: its own, or the named budget of its node. */
  budgetOf(t: Token): Budget | undefined {
    if (t.budget !== undefined) return this.state.budgets[t.budget];
    const name = this.graph.nodes[t.node]?.deadline?.budget;
    return name === undefined ? undefined : this.namedBudget(name, t.scope);
  }

  /**
   * The open tasks a budget's warning and timeout act on: tasks created on it, and the tasks inside
   * a sub-process (or below a multi-instance body) whose activity runs on it.
   */
  tasksOfBudget(b: Budget): TaskState[] {
    const s = this.state;
    const holders = new Set<string>(); // scope instances whose tasks belong to the budget
    const tokens = new Set<string>();
    for (const t of Object.values(s.tokens)) {
      if (this.budgetOf(t)?.id !== b.id) continue;
      tokens.add(t.id);
      if (t.child !== undefined && s.scopes[t.child] !== undefined) holders.add(t.child);
      for (const inner of t.mi?.active ?? []) tokens.add(inner);
    }
    return Object.values(s.tasks).filter((task) => {
      if (task.budget === b.id || tokens.has(task.token)) return true;
      if (holders.size === 0) return false;
      const tok = s.tokens[task.token];
      return tok !== undefined && this.scopeChain(tok.scope).some((sc) => holders.has(sc.id));
    });
  }

  /**
   * Closes the named budgets that are done: their owning scope instance ended, or none of its tokens
   * is at, or can still reach, an element bound to the name (run after every command).
   */
  sweepBudgets(): void {
    const s = this.state;
    if (s.status !== 'active') return;
    for (const b of Object.values(s.budgets)) {
      if (b.name === undefined) continue;
      const owner = b.scope ?? ROOT_SCOPE;
      if (s.scopes[owner] === undefined) {
        this.closeBudget(b.id);
        continue;
      }
      const bound = this.index.budgetNodes(b.name).nodes;
      let alive = false;
      for (const t of Object.values(s.tokens)) {
        const at = this.positionIn(t, owner);
        if (at === undefined) continue;
        if (bound.has(at)) alive = true;
        else for (const n of this.index.downstream(at)) if (bound.has(n)) alive = true;
        if (alive) break;
      }
      if (!alive) {
        this.closeBudget(b.id);
        (s.closedBudgets ??= {})[b.id] = b;
      }
    }
    if (s.closedBudgets !== undefined) {
      for (const b of Object.values(s.closedBudgets))
        if (s.scopes[b.scope ?? ROOT_SCOPE] === undefined) delete s.closedBudgets[b.id];
      if (Object.keys(s.closedBudgets).length === 0) delete s.closedBudgets;
    }
  }

  /** Reopens a named budget closed in a scope of the chain (see `EngineState.closedBudgets`). */
  private reopenBudget(name: string, scopeId: string): boolean {
    const closed = this.state.closedBudgets;
    if (closed === undefined) return false;
    const chain = this.scopeChain(scopeId).map((sc) => sc.id);
    const b = Object.values(closed).find((x) => x.name === name && chain.includes(x.scope ?? ROOT_SCOPE));
    if (b === undefined) return false;
    delete closed[b.id];
    if (Object.keys(closed).length === 0) delete this.state.closedBudgets;
    this.state.budgets[b.id] = b;
    this.emit({ type: 'budget.updated', instanceId: this.iid, budget: { ...b }, change: 'reopened' });
    scheduleBudgetTimers(this, b);
    return true;
  }

  /** The node where a token (or the activity enclosing it) stands in scope instance `scopeId`. */
  private positionIn(t: Token, scopeId: string): string | undefined {
    let tok: Token | undefined = t;
    for (let guard = 0; tok !== undefined && guard < 1000; guard++) {
      if (tok.scope === scopeId) return tok.node;
      const sc: ScopeInstance | undefined = this.state.scopes[tok.scope];
      tok = sc?.token === undefined ? undefined : this.state.tokens[sc.token];
    }
    return undefined;
  }

  /** The token that represents the whole activity of a task (the body for multi-instance). */
  activityToken(t: Token): Token {
    return t.body === undefined ? t : (this.state.tokens[t.body] ?? t);
  }

  /**
   * Moves the activity of `from` back to `target` (退回 / 驳回 / auto-return): cancels `from` and
   * every token between the target and it, and starts a token at the target.
   */
  moveBack(
    from: Token,
    target: string,
    assignee: string | undefined,
    jumpBack: { node: string; user: string } | undefined,
  ): Token {
    const outer = this.activityToken(from);
    const after = this.index.downstream(target);
    const before = this.index.upstream(outer.node);
    const walked = (node: string | undefined): boolean =>
      node !== undefined && (node === target || after.has(node));
    // everything after the target is walked again, except arrivals at a join from branches that are not
    for (const x of Object.values(this.state.tokens)) {
      if (x.id === outer.id || x.scope !== outer.scope || !after.has(x.node)) continue;
      if (x.wait === 'join' && x.via !== undefined && !walked(this.graph.flows[x.via]?.source)) continue;
      this.cancelToken(x.id, 'returned');
    }
    const scope = outer.scope;
    this.cancelToken(outer.id, 'returned');
    // a parallel join that already fired (it lies between the target and the returner) gets the
    // branches that are not walked again marked as arrived, or it would wait for them forever
    for (const id of after) {
      const j = this.graph.nodes[id];
      if (j?.kind !== 'parallelGateway' || j.incoming.length < 2 || !before.has(id)) continue;
      for (const fid of j.incoming) {
        if (walked(this.graph.flows[fid]?.source)) continue;
        const ghost = this.newToken(id, scope, fid);
        ghost.wait = 'join';
      }
    }
    const nt = this.newToken(target, scope);
    if (assignee !== undefined) nt.reassign = assignee;
    if (jumpBack !== undefined) {
      nt.jumpBack = jumpBack.node;
      nt.returner = jumpBack.user;
    }
    this.schedule(nt, 'enter');
    return nt;
  }
}

/** True for nodes that are activities (may be multi-instance and carry boundary events). */
export function isActivity(node: GraphNode): boolean {
  switch (node.kind) {
    case 'userTask':
    case 'serviceTask':
    case 'sendTask':
    case 'scriptTask':
    case 'businessRuleTask':
    case 'task':
    case 'manualTask':
    case 'receiveTask':
    case 'subProcess':
    case 'callActivity':
      return true;
    default:
      return false;
  }
}
