/**
 * Lint rules that look at a compiled {@link ProcessGraph} as a whole: expressions, gateways,
 * reachability, dead ends, links, assignments, forms and reject targets. Each rule reports stable
 * codes of the catalogue; none of them recurses.
 */
import { evaluate as feelEvaluate } from 'feelin';
import type { EventDefinition, Expr, GraphNode, ProcessGraph } from './graph.js';
import { feelSyntaxError } from './expr.js';
import { checkCron, isCron } from './cron.js';
import type { Dialect } from './moddle.js';
import { TIMER_LITERAL, type RawProblem } from './read-process.js';

/** Options of the lint rules (also accepted by `compileBpmn`). */
export interface LintOptions {
  /** Report every user task without a form binding (`BPMN_ERR_FORM_REQUIRED`). Default false. */
  readonly requireForms?: boolean;
}

/**
 * Runs every graph-level rule on one process.
 *
 * @example
 * ```ts
 * const problems = lintGraph(graph, { requireForms: true });
 * ```
 */
export function lintGraph(graph: ProcessGraph, options: LintOptions = {}): RawProblem[] {
  const out: RawProblem[] = [];
  const nodes = Object.values(graph.nodes);
  expressions(graph, out);
  for (const n of nodes) {
    if (n.kind === 'startEvent' && n.incoming.length > 0)
      out.push({ code: 'BPMN_ERR_START_EVENT_INCOMING', elementId: n.id });
    // A timer start of the process itself is started by the store's scheduler, which has no instance and so no
    // variables: its expressions are evaluated against an empty context.
    if (n.kind === 'startEvent' && n.event.type === 'timer' && n.scope === graph.id)
      timerStart(n.id, n.event, graph.dialect, out);
    if (n.kind === 'endEvent' && n.outgoing.length > 0)
      out.push({ code: 'BPMN_ERR_END_EVENT_OUTGOING', elementId: n.id });
    if ((n.kind === 'exclusiveGateway' || n.kind === 'inclusiveGateway') && n.outgoing.length > 1) {
      for (const fid of n.outgoing) {
        const f = graph.flows[fid];
        if (f !== undefined && f.condition === undefined && !f.isDefault)
          out.push({
            code: 'BPMN_ERR_GATEWAY_NO_CONDITION',
            elementId: fid,
            params: { gateway: n.id, flow: fid },
          });
      }
    }
    if (n.defaultFlow !== undefined && graph.flows[n.defaultFlow]?.condition !== undefined)
      out.push({ code: 'BPMN_WARN_DEFAULT_FLOW_CONDITION', elementId: n.defaultFlow });
    if (n.kind === 'userTask') {
      const a = n.assignment;
      const assigned =
        a.assignee !== undefined ||
        a.candidateUsers.length > 0 ||
        a.candidateUsersExpr !== undefined ||
        a.candidateGroups.length > 0 ||
        a.candidateGroupsExpr !== undefined ||
        a.candidateUnits.length > 0;
      if (!assigned) out.push({ code: 'BPMN_ERR_USER_TASK_UNASSIGNED', elementId: n.id });
      if (options.requireForms === true && n.form === undefined)
        out.push({ code: 'BPMN_ERR_FORM_REQUIRED', elementId: n.id });
      if (
        n.rejectTarget !== undefined &&
        n.rejectTarget !== 'end' &&
        graph.nodes[n.rejectTarget] === undefined
      )
        out.push({
          code: 'BPMN_ERR_REJECT_TARGET_MISSING',
          elementId: n.id,
          params: { target: n.rejectTarget },
        });
    }
  }
  scopes(graph, out);
  links(graph, out);
  if (!out.some((p) => p.code === 'BPMN_ERR_NO_START_EVENT')) reachability(graph, out);
  deadEnds(graph, out);
  return out;
}

/** FEEL syntax and JUEL/JavaScript expressions anywhere in nodes and flows. */
function expressions(graph: ProcessGraph, out: RawProblem[]): void {
  const check = (elementId: string, value: unknown): void => {
    const stack: unknown[] = [value];
    while (stack.length > 0) {
      const v = stack.pop();
      if (typeof v !== 'object' || v === null) continue;
      if (isExpr(v)) {
        if (v.kind === 'juel')
          out.push({ code: 'BPMN_ERR_JUEL_EXPRESSION', elementId, params: { source: v.source } });
        else if (v.kind === 'feel') {
          const err = feelSyntaxError(v.source);
          if (err !== null)
            out.push({ code: 'BPMN_ERR_FEEL_SYNTAX', elementId, params: { source: v.source, detail: err } });
        }
        continue;
      }
      if (Array.isArray(v)) {
        for (let i = 0; i < v.length; i++) {
          const x: unknown = v[i];
          if (typeof x === 'object' && x !== null) stack.push(x);
        }
        continue;
      }
      for (const k in v) {
        const x = (v as Record<string, unknown>)[k];
        if (typeof x === 'object' && x !== null) stack.push(x);
      }
    }
  };
  for (const n of Object.values(graph.nodes)) check(n.id, n);
  for (const f of Object.values(graph.flows)) if (f.condition !== undefined) check(f.id, f.condition);
}

/**
 * Process timer start events, which the store's scheduler plans without an instance:
 * - a FEEL value that gives no text without variables: `BPMN_WARN_TIMER_START_NEEDS_VARIABLES`
 *   (syntax errors are reported by {@link expressions});
 * - a value (literal, or FEEL evaluated without variables) that the scheduler cannot plan although it is
 *   ISO 8601 (a date-time without offset, a zone suffix, `R0/…`, an end date, a zero duration):
 *   `BPMN_ERR_TIMER_INVALID`. Malformed literals and cron were reported by the reader already;
 *   a cron value from FEEL goes through the same `checkCron` as a literal.
 *
 * The grammar is the engine's `planStartTimer` (`packages/engine/src/start-timer.ts`); a test there
 * checks that both agree.
 */
function timerStart(
  id: string,
  ev: Extract<EventDefinition, { type: 'timer' }>,
  dialect: Dialect,
  out: RawProblem[],
): void {
  for (const kind of ['timeDate', 'timeDuration', 'timeCycle'] as const) {
    const e = ev[kind];
    if (e === undefined) continue;
    let text: string;
    if (e.kind === 'literal') {
      if (!TIMER_LITERAL[kind](e.source) || isCron(e.source)) continue;
      text = e.source;
    } else if (e.kind === 'feel') {
      const source = e.source.trim().replace(/^=/, '');
      if (feelSyntaxError(source) !== null) continue;
      let value: unknown;
      try {
        value = feelEvaluate(source, {}).value;
      } catch {
        value = undefined;
      }
      // feelin gives temporal values as objects whose text is ISO 8601
      text =
        typeof value === 'string' ? value : typeof value === 'object' && value !== null ? String(value) : '';
      if (text.trim() === '' || text === '[object Object]') {
        out.push({ code: 'BPMN_WARN_TIMER_START_NEEDS_VARIABLES', elementId: id, params: { kind, source } });
        continue;
      }
    } else continue; // JUEL: BPMN_ERR_JUEL_EXPRESSION
    if (kind === 'timeCycle' && isCron(text)) {
      // the same gate as the engine's planner and the reader's check of literals
      const c = checkCron(text, dialect);
      if (!c.ok) out.push({ code: c.code, elementId: id, params: { kind, value: text, reason: c.reason } });
    } else if (!plannable(kind, text.trim()))
      out.push({ code: 'BPMN_ERR_TIMER_INVALID', elementId: id, params: { kind, value: text } });
  }
}

const INSTANT = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d+)?)?(Z|[+-]\d{2}:\d{2})$/;
const START_DURATION =
  /^P(?!$)(?:(\d+)Y)?(?:(\d+)M)?(?:(\d+)W)?(?:(\d+)D)?(?:T(?=\d)(?:(\d+)H)?(?:(\d+)M)?(?:(\d+(?:\.\d+)?)S)?)?$/;

/** What the engine's `planStartTimer` accepts (an instant with an offset or a plain date; a positive duration; `R[n]/[start/]duration`). */
function plannable(kind: 'timeDate' | 'timeDuration' | 'timeCycle', v: string): boolean {
  const instant = (x: string): boolean =>
    (INSTANT.test(x) && !Number.isNaN(Date.parse(x))) ||
    (/^\d{4}-\d{2}-\d{2}$/.test(x) && !Number.isNaN(Date.parse(`${x}T00:00:00Z`)));
  const duration = (x: string): boolean => {
    const m = START_DURATION.exec(x);
    return m !== null && m.slice(1).some((p) => p !== undefined && Number(p) > 0);
  };
  if (kind === 'timeDate') return instant(v);
  if (kind === 'timeDuration') return duration(v);
  const m = /^R(\d*)\/([^/]+)(?:\/([^/]+))?$/.exec(v);
  if (m === null || (m[1] !== '' && !(Number(m[1]) >= 1))) return false;
  return m[3] === undefined ? duration(m[2]!) : instant(m[2]!) && duration(m[3]);
}

function isExpr(v: object): v is Expr {
  const k = (v as { kind?: unknown }).kind;
  return (
    (k === 'feel' || k === 'juel' || k === 'literal') &&
    typeof (v as { source?: unknown }).source === 'string'
  );
}

function scopes(graph: ProcessGraph, out: RawProblem[]): void {
  for (const s of Object.values(graph.scopes)) {
    if (s.nodes.length === 0) continue;
    if (s.kind === 'eventSubProcess') {
      const starts = s.nodes.filter((id) => graph.nodes[id]?.kind === 'startEvent');
      if (starts.length === 0)
        out.push({ code: 'BPMN_ERR_NO_START_EVENT', elementId: s.id, params: { scope: s.id } });
      continue;
    }
    if (s.kind === 'subProcess' && s.startEvents.length === 0)
      out.push({ code: 'BPMN_ERR_NO_START_EVENT', elementId: s.id, params: { scope: s.id } });
    if (s.kind === 'process' && !s.nodes.some((id) => graph.nodes[id]?.kind === 'startEvent'))
      out.push({ code: 'BPMN_ERR_NO_START_EVENT', elementId: s.id, params: { scope: s.id } });
    if (s.startEvents.length > 1)
      out.push({ code: 'BPMN_WARN_MULTIPLE_START_EVENTS', elementId: s.id, params: { scope: s.id } });
  }
}

/** Link throw events need a catch event of the same name in the same scope. */
function links(graph: ProcessGraph, out: RawProblem[]): void {
  for (const n of Object.values(graph.nodes)) {
    if (n.kind !== 'intermediateThrowEvent' || n.event.type !== 'link') continue;
    if (linkTargets(graph, n).length === 0)
      out.push({ code: 'BPMN_ERR_LINK_UNMATCHED', elementId: n.id, params: { name: n.event.linkName } });
  }
}

function linkTargets(graph: ProcessGraph, n: GraphNode): string[] {
  if (n.kind !== 'intermediateThrowEvent' || n.event.type !== 'link') return [];
  const name = n.event.linkName;
  return (graph.scopes[n.scope]?.nodes ?? []).filter((id) => {
    const c = graph.nodes[id];
    return c?.kind === 'intermediateCatchEvent' && c.event.type === 'link' && c.event.linkName === name;
  });
}

/** Successors of a node when a token moves on (flows, links, boundary events, inner start events). */
function successors(graph: ProcessGraph, n: GraphNode): string[] {
  const next: string[] = [];
  for (const fid of n.outgoing) {
    const t = graph.flows[fid]?.target;
    if (t !== undefined) next.push(t);
  }
  next.push(...n.boundaryEvents, ...linkTargets(graph, n));
  if (n.kind === 'subProcess') {
    const s = graph.scopes[n.id];
    if (s !== undefined) next.push(...s.nodes.filter((id) => graph.nodes[id]?.kind === 'startEvent'));
  }
  return next;
}

function reachability(graph: ProcessGraph, out: RawProblem[]): void {
  const root = graph.scopes[graph.id];
  if (root === undefined) return;
  const seen = new Set<string>();
  const activeScopes = new Set<string>();
  const queue = root.nodes.filter((id) => graph.nodes[id]?.kind === 'startEvent');
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (seen.has(id)) continue;
    const n = graph.nodes[id];
    if (n === undefined) continue;
    seen.add(id);
    if (!activeScopes.has(n.scope)) {
      activeScopes.add(n.scope);
      queue.push(...(graph.scopes[n.scope]?.eventSubProcesses ?? []));
    }
    queue.push(...successors(graph, n));
  }
  for (const s of Object.values(graph.scopes)) {
    for (const id of s.nodes) if (!seen.has(id)) out.push({ code: 'BPMN_WARN_UNREACHABLE', elementId: id });
  }
}

/** Nodes from which no end event of their scope can be reached. */
function deadEnds(graph: ProcessGraph, out: RawProblem[]): void {
  const preds = new Map<string, string[]>();
  for (const n of Object.values(graph.nodes)) {
    for (const s of successors(graph, n)) {
      const t = graph.nodes[s];
      // Only moves within one scope count (inner start events belong to the sub-process scope).
      if (t === undefined || t.scope !== n.scope) continue;
      // A boundary event reaching an end does not make its activity reach one.
      if (t.kind === 'boundaryEvent' && t.attachedTo === n.id) continue;
      const list = preds.get(s);
      if (list === undefined) preds.set(s, [n.id]);
      else list.push(n.id);
    }
  }
  const ok = new Set<string>();
  const queue = Object.values(graph.nodes)
    .filter((n) => n.kind === 'endEvent')
    .map((n) => n.id);
  while (queue.length > 0) {
    const id = queue.pop()!;
    if (ok.has(id)) continue;
    ok.add(id);
    queue.push(...(preds.get(id) ?? []));
  }
  for (const s of Object.values(graph.scopes)) {
    for (const id of s.nodes) {
      const n = graph.nodes[id];
      if (n === undefined || ok.has(id)) continue;
      if (n.kind === 'subProcess' && n.triggeredByEvent) continue;
      out.push({ code: 'BPMN_ERR_DEAD_END', elementId: id });
    }
  }
}
