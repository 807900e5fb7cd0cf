/**
 * Derived, cached facts about a compiled graph (computed once per graph object): reachability for
 * inclusive joins and for 退回, link targets, event sub-process start events.
 */
import type { GraphNode, ProcessGraph } from '@shidian/bpmn';

/** Analysis of one graph. */
export interface GraphIndex {
  /** Nodes from which `target` can be reached inside its scope without passing through `target`. */
  upstream(target: string): ReadonlySet<string>;
  /** Nodes reachable from `source` inside its scope (not including `source` unless on a loop). */
  downstream(source: string): ReadonlySet<string>;
  /** The catching link event for a throwing link event, by scope and link name. */
  linkTarget(scope: string, linkName: string): string | undefined;
  /** The start event of an event sub-process. */
  espStart(esp: string): GraphNode | undefined;
  /** Id of the process scope. */
  readonly processScope: string;
  /**
   * The elements bound to a named budget (`shidian:deadline budget="…"`) and the sub-processes that
   * contain them, and `scope`: the innermost graph scope holding all of them (the budget's owner).
   */
  budgetNodes(name: string): { readonly nodes: ReadonlySet<string>; readonly scope: string };
}

const indexes = new WeakMap<ProcessGraph, GraphIndex>();

/** The cached index of a graph. */
export function indexOf(graph: ProcessGraph): GraphIndex {
  let idx = indexes.get(graph);
  if (idx === undefined) {
    idx = buildIndex(graph);
    indexes.set(graph, idx);
  }
  return idx;
}

function buildIndex(graph: ProcessGraph): GraphIndex {
  // Successor lists: sequence flows, boundary events of an activity, link throw → link catch.
  const links = new Map<string, string>();
  for (const node of Object.values(graph.nodes)) {
    if (node.kind === 'intermediateCatchEvent' && node.event.type === 'link')
      links.set(`${node.scope}\u0000${node.event.linkName}`, node.id);
  }
  const succ = new Map<string, string[]>();
  const pred = new Map<string, string[]>();
  const add = (from: string, to: string): void => {
    (succ.get(from) ?? succ.set(from, []).get(from))?.push(to);
    (pred.get(to) ?? pred.set(to, []).get(to))?.push(from);
  };
  for (const flow of Object.values(graph.flows)) add(flow.source, flow.target);
  for (const node of Object.values(graph.nodes)) {
    for (const b of node.boundaryEvents) add(node.id, b);
    if (node.kind === 'intermediateThrowEvent' && node.event.type === 'link') {
      const target = links.get(`${node.scope}\u0000${node.event.linkName}`);
      if (target !== undefined) add(node.id, target);
    }
  }
  const walk = (start: string, edges: Map<string, string[]>, stopAt?: string): Set<string> => {
    const seen = new Set<string>();
    const stack = [...(edges.get(start) ?? [])];
    while (stack.length > 0) {
      const n = stack.pop() as string;
      if (seen.has(n) || n === stopAt) continue;
      seen.add(n);
      for (const m of edges.get(n) ?? []) stack.push(m);
    }
    return seen;
  };
  const named = new Map<string, { nodes: Set<string>; scope: string }>();
  const scopeChain = (scope: string | undefined): string[] => {
    const out: string[] = [];
    for (let s = scope; s !== undefined; s = graph.scopes[s]?.parent) out.push(s);
    return out;
  };
  const up = new Map<string, Set<string>>();
  const down = new Map<string, Set<string>>();
  const processScope = Object.values(graph.scopes).find((s) => s.kind === 'process')?.id ?? graph.id;
  return {
    processScope,
    upstream(target) {
      let s = up.get(target);
      if (s === undefined) {
        s = walk(target, pred, target);
        up.set(target, s);
      }
      return s;
    },
    downstream(source) {
      let s = down.get(source);
      if (s === undefined) {
        s = walk(source, succ);
        down.set(source, s);
      }
      return s;
    },
    budgetNodes(name) {
      let b = named.get(name);
      if (b === undefined) {
        const nodes = new Set<string>();
        let common: string[] | undefined;
        for (const node of Object.values(graph.nodes)) {
          if (node.deadline?.budget !== name) continue;
          nodes.add(node.id);
          const chain = scopeChain(node.scope);
          // the sub-processes around the element lead to it too
          for (const sc of chain) if (graph.nodes[sc] !== undefined) nodes.add(sc);
          common = common === undefined ? chain : common.filter((x) => chain.includes(x));
        }
        b = { nodes, scope: common?.[0] ?? processScope };
        named.set(name, b);
      }
      return b;
    },
    linkTarget(scope, linkName) {
      return links.get(`${scope}\u0000${linkName}`);
    },
    espStart(esp) {
      const scope = graph.scopes[esp];
      if (scope === undefined) return undefined;
      for (const id of [...scope.startEvents, ...scope.nodes]) {
        const n = graph.nodes[id];
        if (n?.kind === 'startEvent') return n;
      }
      return undefined;
    },
  };
}
