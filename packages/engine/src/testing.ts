/**
 * Test support (used by the engine's own tests, not part of the public API): compile a `.bpmn`
 * fixture beside the tests, drive an instance command by command with a clock, and check the
 * invariants after every step.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { compileBpmn, type ProcessGraph } from '@shidian/bpmn';
import { checkInvariants } from './invariants.js';
import { step } from './step.js';
import type {
  Actor,
  Command,
  Effect,
  EngineState,
  StepContext,
  StepResult,
  TaskState,
  Variables,
} from './types.js';

const here = dirname(fileURLToPath(import.meta.url));
const compiled = new Map<string, readonly ProcessGraph[]>();

/** Compiles `src/fixtures/<file>` once; returns the process with `id` (or the first). */
export async function fixture(file: string, id?: string): Promise<ProcessGraph> {
  let graphs = compiled.get(file);
  if (graphs === undefined) {
    const result = await compileBpmn(readFileSync(join(here, 'fixtures', file), 'utf8'));
    const errors = result.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0)
      throw new Error(
        `${file}: ${errors.map((p) => `${p.code} ${p.elementId ?? ''} ${p.message}`).join('; ')}`,
      );
    graphs = result.processes;
    compiled.set(file, graphs);
  }
  const g = id === undefined ? graphs[0] : graphs.find((x) => x.id === id);
  if (g === undefined) throw new Error(`${file}: no process ${id ?? ''}`);
  return g;
}

/** A user with the given groups. */
export const user = (id: string, ...groups: string[]): Actor => ({ id, groups });

/** Drives one instance; every accepted step is checked against the invariants. */
export class Driver {
  state: EngineState | null = null;
  effects: Effect[] = [];
  readonly history: { command: Command; now: string }[] = [];
  private clock: number;

  constructor(
    readonly graph: ProcessGraph,
    readonly ctx: StepContext = {},
    start = '2026-03-02T01:00:00.000Z',
  ) {
    this.clock = Date.parse(start);
  }

  /** The current instant; each step advances the clock by one minute unless `at` is given. */
  get now(): string {
    return new Date(this.clock).toISOString();
  }

  advance(ms: number): this {
    this.clock += ms;
    return this;
  }

  at(instant: string): this {
    this.clock = Date.parse(instant);
    return this;
  }

  /** Runs a command; returns the result without asserting success. */
  try(command: Command): StepResult {
    this.clock += 60_000;
    const before = this.state;
    const beforeJson = JSON.stringify(before);
    const r = step(this.graph, before, command, this.now, this.ctx);
    if (JSON.stringify(before) !== beforeJson) throw new Error('step mutated its input state');
    if (r.ok) {
      const problems = checkInvariants(this.graph, r.state, before, r.effects);
      if (problems.length > 0)
        throw new Error(`invariants broken after ${command.type}: ${problems.join('; ')}`);
      this.state = r.state;
      this.effects = [...r.effects];
      this.history.push({ command, now: this.now });
    }
    return r;
  }

  /** Runs a command that must be accepted. */
  do(command: Command): this {
    const r = this.try(command);
    if (!r.ok) throw new Error(`${command.type} refused: ${r.error.code} ${r.error.message}`);
    return this;
  }

  start(variables: Variables = {}, extra: Partial<Command & { type: 'start' }> = {}): this {
    return this.do({ type: 'start', instanceId: 'case-1', variables, ...extra } as Command);
  }

  get s(): EngineState {
    if (this.state === null) throw new Error('not started');
    return this.state;
  }

  /** Open tasks, optionally at one node. */
  tasks(node?: string): TaskState[] {
    return Object.values(this.s.tasks).filter((t) => node === undefined || t.node === node);
  }

  /** The one open task at a node. */
  task(node: string): TaskState {
    const list = this.tasks(node);
    if (list.length !== 1) throw new Error(`expected one open task at ${node}, found ${list.length}`);
    return list[0] as TaskState;
  }

  complete(node: string, actor: Actor, variables: Variables = {}, outcome?: 'approve' | 'reject'): this {
    return this.do({
      type: 'complete',
      taskId: this.task(node).id,
      actor,
      variables,
      ...(outcome === undefined ? {} : { outcome }),
    });
  }

  /** Nodes where tokens currently are, sorted. */
  positions(): string[] {
    return Object.values(this.s.tokens)
      .map((t) => t.node)
      .sort();
  }

  vars(): Variables {
    return this.s.scopes.s0?.variables ?? {};
  }

  effectTypes(): string[] {
    return this.effects.map((e) => e.type);
  }
}
