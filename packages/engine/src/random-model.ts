/**
 * Random well-formed models for the property tests: block-structured processes built from user
 * tasks, sequences, parallel / exclusive / inclusive blocks, embedded sub-processes, multi-instance
 * tasks, tasks with a non-interrupting timer boundary, and branches that end in a terminate event.
 */
import type { GraphNode, ProcessGraph, Scope, SequenceFlow } from '@shidian/bpmn';

/** A block of a structured model. */
export type Block =
  | { readonly t: 'task' }
  | { readonly t: 'seq'; readonly a: Block; readonly b: Block }
  | { readonly t: 'par' | 'xor' | 'or'; readonly branches: readonly Block[] }
  | { readonly t: 'sub'; readonly body: Block }
  | { readonly t: 'mi'; readonly n: number; readonly sequential: boolean }
  | { readonly t: 'timer' }
  | { readonly t: 'term'; readonly other: Block };

interface Builder {
  nodes: Record<string, GraphNode>;
  flows: Record<string, SequenceFlow>;
  scopes: Record<
    string,
    {
      id: string;
      kind: Scope['kind'];
      parent?: string;
      nodes: string[];
      startEvents: string[];
      eventSubProcesses: string[];
    }
  >;
  n: number;
}

const base = (id: string, scope: string) => ({
  id,
  scope,
  incoming: [] as string[],
  outgoing: [] as string[],
  inputs: [],
  outputs: [],
  boundaryEvents: [] as string[],
  notices: [],
});

function add(b: Builder, node: Record<string, unknown> & { id: string; scope: string }): string {
  b.nodes[node.id] = node as unknown as GraphNode;
  b.scopes[node.scope]?.nodes.push(node.id);
  return node.id;
}

function flow(b: Builder, source: string, target: string, condition?: string, isDefault = false): string {
  const id = `f${++b.n}`;
  const f: SequenceFlow =
    condition === undefined
      ? { id, source, target, isDefault }
      : { id, source, target, isDefault, condition: { kind: 'feel', source: condition } };
  b.flows[id] = f;
  (b.nodes[source]?.outgoing as string[]).push(id);
  (b.nodes[target]?.incoming as string[]).push(id);
  if (isDefault) (b.nodes[source] as { defaultFlow?: string }).defaultFlow = id;
  return id;
}

function userTask(b: Builder, scope: string, extra: Record<string, unknown> = {}): string {
  const id = `task${++b.n}`;
  return add(b, {
    ...base(id, scope),
    kind: 'userTask',
    name: id,
    assignment: { candidateUsers: [], candidateGroups: ['g'], candidateUnits: [] },
    permissions: [],
    returnMode: b.n % 2 === 0 ? 're-walk' : 'jump-back',
    ...extra,
  });
}

function emit(b: Builder, block: Block, scope: string): { entry: string; exit: string } {
  switch (block.t) {
    case 'task': {
      const id = userTask(b, scope);
      return { entry: id, exit: id };
    }
    case 'seq': {
      const a = emit(b, block.a, scope);
      const c = emit(b, block.b, scope);
      flow(b, a.exit, c.entry);
      return { entry: a.entry, exit: c.exit };
    }
    case 'par':
    case 'xor':
    case 'or': {
      const kind =
        block.t === 'par' ? 'parallelGateway' : block.t === 'xor' ? 'exclusiveGateway' : 'inclusiveGateway';
      const split = add(b, { ...base(`split${++b.n}`, scope), kind });
      const join = add(b, { ...base(`join${++b.n}`, scope), kind });
      const k = block.branches.length;
      block.branches.forEach((br, i) => {
        const inner = emit(b, br, scope);
        const last = i === k - 1;
        if (block.t === 'par') flow(b, split, inner.entry);
        else if (last) flow(b, split, inner.entry, undefined, true);
        else
          flow(
            b,
            split,
            inner.entry,
            block.t === 'xor' ? `modulo(x, ${k}) = ${i}` : `modulo(x + ${i}, 3) != 0`,
          );
        flow(b, inner.exit, join);
      });
      return { entry: split, exit: join };
    }
    case 'sub': {
      const id = `sub${++b.n}`;
      add(b, { ...base(id, scope), kind: 'subProcess', triggeredByEvent: false });
      b.scopes[id] = {
        id,
        kind: 'subProcess',
        parent: scope,
        nodes: [],
        startEvents: [],
        eventSubProcesses: [],
      };
      const start = add(b, {
        ...base(`start${++b.n}`, id),
        kind: 'startEvent',
        event: { type: 'none' },
        interrupting: true,
      });
      b.scopes[id]?.startEvents.push(start);
      const inner = emit(b, block.body, id);
      const end = add(b, { ...base(`end${++b.n}`, id), kind: 'endEvent', event: { type: 'none' } });
      flow(b, start, inner.entry);
      flow(b, inner.exit, end);
      return { entry: id, exit: id };
    }
    case 'mi': {
      const id = userTask(b, scope, {
        multiInstance: {
          sequential: block.sequential,
          cardinality: { kind: 'feel', source: String(block.n) },
        },
      });
      return { entry: id, exit: id };
    }
    case 'timer': {
      const id = userTask(b, scope);
      const bid = add(b, {
        ...base(`timer${++b.n}`, scope),
        kind: 'boundaryEvent',
        attachedTo: id,
        cancelActivity: false,
        event: { type: 'timer', timeDuration: { kind: 'literal', source: 'PT1H' } },
      });
      (b.nodes[id]?.boundaryEvents as string[]).push(bid);
      const note = userTask(b, scope);
      const end = add(b, { ...base(`end${++b.n}`, scope), kind: 'endEvent', event: { type: 'none' } });
      flow(b, bid, note);
      flow(b, note, end);
      return { entry: id, exit: id };
    }
    case 'term': {
      const split = add(b, { ...base(`split${++b.n}`, scope), kind: 'parallelGateway' });
      const inner = emit(b, block.other, scope);
      const killer = userTask(b, scope);
      const end = add(b, { ...base(`kill${++b.n}`, scope), kind: 'endEvent', event: { type: 'terminate' } });
      flow(b, split, inner.entry);
      flow(b, split, killer);
      flow(b, killer, end);
      return { entry: split, exit: inner.exit };
    }
  }
}

/** Builds an executable graph from a block tree: start → block → end. */
export function buildModel(block: Block): ProcessGraph {
  const b: Builder = {
    nodes: {},
    flows: {},
    scopes: { p: { id: 'p', kind: 'process', nodes: [], startEvents: [], eventSubProcesses: [] } },
    n: 0,
  };
  const start = add(b, {
    ...base('start', 'p'),
    kind: 'startEvent',
    event: { type: 'none' },
    interrupting: true,
  });
  b.scopes.p?.startEvents.push(start);
  const inner = emit(b, block, 'p');
  const end = add(b, { ...base('end', 'p'), kind: 'endEvent', event: { type: 'none' } });
  flow(b, start, inner.entry);
  flow(b, inner.exit, end);
  return {
    formatVersion: 1,
    id: 'p',
    dialect: 'bpmn',
    nodes: b.nodes,
    flows: b.flows,
    scopes: b.scopes,
    messages: {},
    signals: {},
    errors: {},
    escalations: {},
  };
}
