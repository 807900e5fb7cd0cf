/**
 * `StoreDriver`: drives cases of a deployed pilot through the database — the store's
 * `CommandRuntime` (one transaction per command, tasks, timers, notices, audit chain) and its
 * `TimerWorker` — on a clock the caller moves. It runs the reference processes' external jobs like
 * the in-memory runner does. Used by `shidian seed` and the demo data.
 *
 * @example
 * ```ts
 * const driver = new StoreDriver(store, { countyId: 'qingshan', pilotId: 'qingshan', bundle, start: c.receivedAt });
 * await driveCase(driver, c);
 * ```
 */
import type { Actor, Command, EngineState, TaskState, Variables } from '@shidian/engine';
import { CommandRuntime, TimerWorker, type Store } from '@shidian/store';
import { pilotDeadlineCalendar, type UncoveredYearsPolicy } from './uncovered-years.js';
import type { CaseDriver } from './drive-case.js';
import { PilotError } from './errors.js';
import type { PilotManifest } from './manifest.js';
import { OVERDUE_MESSAGE } from './pilot-runner.js';
import { referenceJobCommands } from './reference-jobs.js';
import type { ValidatedBundle } from './validate-bundle.js';

/** Options of a {@link StoreDriver}. */
export interface StoreDriverOptions {
  readonly countyId: string;
  readonly pilotId: string;
  /** The validated bundle of the pilot's active deployment (its calendar and manifest). */
  readonly bundle: ValidatedBundle;
  /** Initial clock. */
  readonly start: string;
  /**
   * Deadlines reaching a year past the holiday data: `provisional` (flagged dates) or `refuse`
   * (incidents). Default: `SHIDIAN_UNCOVERED_YEARS`, itself `provisional` by default, as the server.
   */
  readonly uncoveredYears?: UncoveredYearsPolicy;
}

/** See the module documentation. */
export class StoreDriver implements CaseDriver {
  readonly runtime: CommandRuntime;
  /** Business id (the synthetic case id) → case id (UUID) in the store. */
  readonly caseIds = new Map<string, string>();
  #clock: number;
  readonly #store: Store;
  readonly #options: StoreDriverOptions;

  constructor(store: Store, options: StoreDriverOptions) {
    this.#store = store;
    this.#options = options;
    this.#clock = Date.parse(options.start);
    this.runtime = new CommandRuntime(store.db, {
      calendar: pilotDeadlineCalendar(options.bundle, options.uncoveredYears),
      clock: () => new Date(this.#clock),
    });
  }

  get manifest(): PilotManifest {
    return this.#options.bundle.manifest;
  }

  get now(): string {
    return new Date(this.#clock).toISOString();
  }

  at(instant: string): void {
    this.#clock = Math.max(this.#clock, Date.parse(instant));
  }

  #caseId(id: string): string {
    const c = this.caseIds.get(id);
    if (c === undefined) throw new PilotError('PILOT_ERR_NO_OPEN_TASK', [id]);
    return c;
  }

  /** The engine state of a case, as stored. */
  async state(id: string): Promise<EngineState> {
    const row = await this.#store.db
      .selectFrom('cases')
      .select(['state'])
      .where('county_id', '=', this.#options.countyId)
      .where('case_id', '=', this.#caseId(id))
      .executeTakeFirstOrThrow();
    return (typeof row.state === 'string' ? JSON.parse(row.state) : row.state) as EngineState;
  }

  async start(
    processId: string,
    id: string,
    variables: Variables,
    options: { readonly message?: string } = {},
  ): Promise<void> {
    let startEvent: string | undefined;
    if (options.message !== undefined) {
      const graph = this.#options.bundle.graphs.get(processId);
      startEvent = Object.values(graph?.nodes ?? {}).find(
        (n) =>
          n.kind === 'startEvent' &&
          n.event.type === 'message' &&
          (n.event.messageName === options.message ||
            (n.event.messageRef !== undefined &&
              graph?.messages[n.event.messageRef]?.name === options.message)),
      )?.id;
      if (startEvent === undefined)
        throw new PilotError('PILOT_ERR_UNKNOWN_ELEMENT', [`${processId} message ${options.message}`]);
    }
    const petitioners = variables.petitioners;
    const first = Array.isArray(petitioners) ? (petitioners[0] as { name?: unknown } | undefined) : undefined;
    const out = await this.runtime.startCase({
      countyId: this.#options.countyId,
      pilotId: this.#options.pilotId,
      processId,
      actor: { id: 'seed' },
      variables,
      businessKey: id,
      title: id,
      petitionerName: typeof first?.name === 'string' ? first.name : null,
      responsibleUnitId: typeof variables.caseUnit === 'string' ? variables.caseUnit : null,
      ...(startEvent !== undefined ? { startEvent } : {}),
    });
    this.caseIds.set(id, out.caseId);
    await this.#runJobs(id);
  }

  async openTasks(id: string): Promise<TaskState[]> {
    return Object.values((await this.state(id)).tasks);
  }

  async complete(
    id: string,
    node: string,
    actor: Actor,
    variables: Variables = {},
    outcome?: 'approve' | 'reject',
  ): Promise<void> {
    const task = (await this.openTasks(id)).find((t) => t.node === node);
    if (task === undefined) throw new PilotError('PILOT_ERR_NO_OPEN_TASK', [`${id} ${node}`]);
    await this.send(id, {
      type: 'complete',
      taskId: task.id,
      actor,
      variables,
      ...(outcome !== undefined ? { outcome } : {}),
    });
  }

  async send(id: string, command: Command): Promise<void> {
    if (command.type === 'start')
      throw new PilotError('PILOT_ERR_ENGINE_REFUSED', ['start is not a case command']);
    await this.runtime.execute({ countyId: this.#options.countyId, caseId: this.#caseId(id), command });
    await this.#runJobs(id);
  }

  async due(id: string, node: string): Promise<string | undefined> {
    const state = await this.state(id);
    const task = Object.values(state.tasks).find((t) => t.node === node);
    if (task?.due !== undefined) return task.due;
    const name = this.#options.bundle.graphs.get(state.processId)?.nodes[node]?.deadline?.budget;
    return name === undefined ? undefined : Object.values(state.budgets).find((b) => b.name === name)?.due;
  }

  /**
   * Fires every timer due up to `until` with the store's timer worker, then applies the overdue rule:
   * a budget with `onTimeout="escalate"` that ran out starts the `supervision` process through the
   * message `shidian.deadline.overdue` (once per budget).
   */
  async fireDue(until: string): Promise<void> {
    this.at(until);
    const worker = new TimerWorker(this.#store.db, this.runtime, {
      clock: () => new Date(this.#clock),
      onError: () => {},
    });
    await worker.drain();
    if (!this.#options.bundle.graphs.has('supervision')) return;
    for (const id of [...this.caseIds.keys()]) {
      const state = await this.state(id);
      if (state.processId === 'supervision') continue;
      for (const b of Object.values(state.budgets)) {
        const key = `${id}#${b.id}`;
        if (b.onTimeout !== 'escalate' || Date.parse(b.due) > this.#clock || this.#supervised.has(key))
          continue;
        this.#supervised.add(key);
        const caseUnit = state.scopes.s0?.variables.caseUnit ?? null;
        await this.start(
          'supervision',
          `${id}.sv${this.#supervised.size}`,
          {
            caseId: id,
            processId: state.processId,
            element: b.node,
            budget: b.name ?? b.id,
            due: b.due,
            caseUnit,
          },
          { message: OVERDUE_MESSAGE },
        );
      }
    }
  }

  readonly #supervised = new Set<string>();

  /** Template ids of the notices requested for this driver's cases, oldest first. */
  async notices(): Promise<string[]> {
    const ids = [...this.caseIds.values()];
    if (ids.length === 0) return [];
    const rows = await this.#store.db
      .selectFrom('notices')
      .select(['template_id', 'created_at'])
      .where('county_id', '=', this.#options.countyId)
      .where('case_id', 'in', ids)
      .orderBy('created_at')
      .execute();
    return rows.map((r) => r.template_id);
  }

  /** Completes the external jobs a command left waiting. */
  async #runJobs(id: string): Promise<void> {
    for (let guard = 0; guard < 20; guard++) {
      const state = await this.state(id);
      const job = Object.values(state.jobs)[0];
      if (job === undefined) return;
      const scope = state.scopes.s0?.variables ?? {};
      for (const command of referenceJobCommands(
        { jobId: job.id, connector: job.connector, variables: scope },
        state,
      )) {
        if (command.type === 'start') continue;
        await this.runtime.execute({ countyId: this.#options.countyId, caseId: this.#caseId(id), command });
      }
    }
  }
}
