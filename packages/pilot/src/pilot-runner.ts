/**
 * `PilotRunner`: an in-memory shell around the pure engine for one validated pilot bundle. It does
 * what the server's runtime does around `step()` — with the pilot's calendar, running the reference
 * processes' connectors (`case.checkDuplicate`, `case.extendDeadline`, `case.resumeDeadline`,
 * `case.markFinal`), firing due timers, collecting notice requests, and starting the `supervision`
 * process when a budget goes overdue — but keeps everything in memory. Used by the walkthrough
 * tests and by `shidian seed` to produce realistic case histories.
 *
 * @example
 * ```ts
 * const { bundle } = await validateBundle(loadBundle('examples/qingshan'));
 * const run = new PilotRunner(bundle!, '2026-09-21T01:00:00.000Z');
 * run.start('acceptance', 'QS-1', { ... });
 * run.complete('QS-1', 'Task_Register', { id: 'u1', groups: ['registrar'] }, intake);
 * ```
 */
import {
  step,
  type Actor,
  type Command,
  type Effect,
  type EngineState,
  type TaskState,
  type Variables,
} from '@shidian/engine';
import type { ProcessGraph } from '@shidian/bpmn';
import { PilotError } from './errors.js';
import { caseKey, referenceJobCommands } from './reference-jobs.js';
import { pilotDeadlineCalendar, type UncoveredYearsPolicy } from './uncovered-years.js';
import type { ValidatedBundle } from './validate-bundle.js';

/** Name of the message that starts the supervision process when a deadline passes. */
export const OVERDUE_MESSAGE = 'shidian.deadline.overdue';

/** A notice the engine asked for. */
export interface NoticeRequest {
  readonly instanceId: string;
  readonly processId: string;
  readonly template: string;
  readonly node: string;
  readonly at: string;
  readonly variables: Variables;
}

/** One running or finished instance. */
export interface RunnerInstance {
  readonly instanceId: string;
  readonly processId: string;
  state: EngineState;
}

const SYSTEM: Actor = { id: 'system', supervisor: true };

/** See the module documentation. */
export class PilotRunner {
  readonly instances = new Map<string, RunnerInstance>();
  readonly notices: NoticeRequest[] = [];
  /** Every effect, in order, with the instant it happened. */
  readonly effects: { readonly at: string; readonly effect: Effect }[] = [];
  /** Claims concluded by 复核 (`case.markFinal`): petitioner id number + claim summary. */
  readonly finalClaims = new Set<string>();
  private clock: string;
  private readonly calendar;
  private readonly pending: { instanceId: string; command: Command }[] = [];
  private draining = false;

  /**
   * @param options.uncoveredYears deadlines reaching a year past the holiday data: `provisional`
   *   (flagged dates) or `refuse` (incidents); default `SHIDIAN_UNCOVERED_YEARS` (itself `provisional`).
   */
  constructor(
    readonly bundle: ValidatedBundle,
    start: string,
    options: { readonly uncoveredYears?: UncoveredYearsPolicy } = {},
  ) {
    this.clock = new Date(start).toISOString();
    this.calendar = pilotDeadlineCalendar(bundle, options.uncoveredYears);
  }

  /** The current instant (ISO 8601 UTC). */
  get now(): string {
    return this.clock;
  }

  /** Moves the clock to `instant` (never backwards) without firing timers. */
  at(instant: string): this {
    const t = new Date(instant).toISOString();
    if (t > this.clock) this.clock = t;
    return this;
  }

  graph(processId: string): ProcessGraph {
    const g = this.bundle.graphs.get(processId);
    if (g === undefined) throw new PilotError('PILOT_ERR_UNKNOWN_ELEMENT', [processId]);
    return g;
  }

  instance(instanceId: string): RunnerInstance {
    const i = this.instances.get(instanceId);
    if (i === undefined) throw new PilotError('PILOT_ERR_NO_OPEN_TASK', [instanceId]);
    return i;
  }

  /** Starts an instance (through its none start event, or the message start event `message`). */
  start(
    processId: string,
    instanceId: string,
    variables: Variables = {},
    options: { message?: string; actor?: Actor } = {},
  ): RunnerInstance {
    const graph = this.graph(processId);
    const command: Command = {
      type: 'start',
      instanceId,
      variables,
      businessKey: instanceId,
      ...(options.message !== undefined ? { message: options.message } : {}),
      ...(options.actor !== undefined ? { actor: options.actor } : {}),
    };
    const r = step(graph, null, command, this.clock, { calendar: this.calendar });
    if (!r.ok)
      throw new PilotError('PILOT_ERR_ENGINE_REFUSED', [`${r.error.code} start ${processId}`], {
        cause: r.error,
      });
    const inst: RunnerInstance = { instanceId, processId, state: r.state };
    this.instances.set(instanceId, inst);
    this.absorb(inst, r.effects);
    this.drain();
    return inst;
  }

  /** Open tasks of an instance. */
  openTasks(instanceId: string): TaskState[] {
    return Object.values(this.instance(instanceId).state.tasks);
  }

  /** The open task at `node` (throws `PILOT_ERR_NO_OPEN_TASK` when there is none). */
  task(instanceId: string, node: string): TaskState {
    const t = this.openTasks(instanceId).find((x) => x.node === node);
    if (t === undefined)
      throw new PilotError('PILOT_ERR_NO_OPEN_TASK', [
        `${instanceId} ${node} (open: ${this.openTasks(instanceId)
          .map((x) => x.node)
          .join(', ')})`,
      ]);
    return t;
  }

  /** Completes the open task at `node` as `actor` with form data. */
  complete(
    instanceId: string,
    node: string,
    actor: Actor,
    variables: Variables = {},
    outcome?: 'approve' | 'reject',
  ): void {
    const task = this.task(instanceId, node);
    this.send(instanceId, {
      type: 'complete',
      taskId: task.id,
      actor,
      variables,
      ...(outcome !== undefined ? { outcome } : {}),
    });
  }

  /** Sends one command to an instance, then runs what it caused (jobs, overdue supervision). */
  send(instanceId: string, command: Command): void {
    this.pending.push({ instanceId, command });
    this.drain();
  }

  /**
   * Fires every timer due up to `until`, in due order across instances, moving the clock to each
   * timer's due instant (the timer worker's job). Returns the number fired.
   */
  fireDue(until: string): number {
    const limit = new Date(until).toISOString();
    let fired = 0;
    for (;;) {
      let next: { inst: RunnerInstance; id: string; due: string } | undefined;
      for (const inst of this.instances.values()) {
        if (inst.state.status !== 'active') continue;
        for (const t of Object.values(inst.state.timers)) {
          if (t.due <= limit && (next === undefined || t.due < next.due))
            next = { inst, id: t.id, due: t.due };
        }
      }
      if (next === undefined) break;
      this.at(next.due);
      this.send(next.inst.instanceId, { type: 'fire-timer', timerId: next.id, actor: SYSTEM });
      fired++;
    }
    this.at(limit);
    return fired;
  }

  /**
   * The due instant of the open task at `node`: the task's own due date, or that of the named budget
   * its deadline belongs to (what an inbox shows).
   */
  due(instanceId: string, node: string): string | undefined {
    const task = this.task(instanceId, node);
    if (task.due !== undefined) return task.due;
    const n = this.graph(this.instance(instanceId).processId).nodes[node];
    const name = n?.deadline?.budget;
    return name === undefined ? undefined : this.budget(instanceId, name)?.due;
  }

  /** The budget of an instance by its name (`handling`) or id. */
  budget(instanceId: string, name: string) {
    return Object.values(this.instance(instanceId).state.budgets).find(
      (b) => b.name === name || b.id === name,
    );
  }

  private drain(): void {
    if (this.draining) return;
    this.draining = true;
    try {
      for (let job = this.pending.shift(); job !== undefined; job = this.pending.shift()) {
        const inst = this.instance(job.instanceId);
        const r = step(this.graph(inst.processId), inst.state, job.command, this.clock, {
          calendar: this.calendar,
        });
        if (!r.ok) {
          this.pending.length = 0;
          throw new PilotError(
            'PILOT_ERR_ENGINE_REFUSED',
            [`${r.error.code} ${job.command.type} ${job.instanceId}`],
            { cause: r.error },
          );
        }
        inst.state = r.state;
        this.absorb(inst, r.effects);
      }
    } finally {
      this.draining = false;
    }
    for (let f = this.deferred.shift(); f !== undefined; f = this.deferred.shift()) f();
  }

  private absorb(inst: RunnerInstance, effects: readonly Effect[]): void {
    for (const effect of effects) {
      this.effects.push({ at: this.clock, effect });
      switch (effect.type) {
        case 'notice.requested':
          this.notices.push({
            instanceId: inst.instanceId,
            processId: inst.processId,
            template: effect.template,
            node: effect.node,
            at: this.clock,
            variables: effect.variables,
          });
          break;
        case 'job.requested':
          this.runJob(inst, effect.jobId, effect.connector, effect.variables);
          break;
        case 'budget.updated':
          if (
            effect.change === 'overdue' &&
            effect.budget.onTimeout === 'escalate' &&
            this.bundle.graphs.has('supervision') &&
            inst.processId !== 'supervision'
          ) {
            const id = `${inst.instanceId}.sv${Object.keys(inst.state.budgets).length}-${this.instances.size}`;
            // Started once the current command has been applied (a new instance, not a command to this one).
            this.deferred.push(() => {
              this.start(
                'supervision',
                id,
                {
                  caseId: inst.instanceId,
                  processId: inst.processId,
                  element: effect.budget.node,
                  budget: effect.budget.name ?? effect.budget.id,
                  due: effect.budget.due,
                  caseUnit: inst.state.scopes.s0?.variables.caseUnit ?? null,
                },
                { message: OVERDUE_MESSAGE, actor: SYSTEM },
              );
            });
          }
          break;
        default:
          break;
      }
    }
  }

  private readonly deferred: (() => void)[] = [];

  /** The reference connectors, run as external jobs (what the store's job worker does). */
  private runJob(inst: RunnerInstance, jobId: string, connector: string, variables: Variables): void {
    let duplicateOf: string | null = null;
    const key = caseKey(variables);
    if (connector === 'case.checkDuplicate' && key !== undefined) {
      for (const other of this.instances.values()) {
        if (other === inst || other.processId !== inst.processId) continue;
        if (caseKey(other.state.scopes.s0?.variables ?? {}) === key) {
          duplicateOf = other.instanceId;
          break;
        }
      }
    }
    if (connector === 'case.markFinal' && key !== undefined) this.finalClaims.add(key);
    for (const command of referenceJobCommands({ jobId, connector, variables }, inst.state, { duplicateOf }))
      this.pending.push({ instanceId: inst.instanceId, command });
  }
}
