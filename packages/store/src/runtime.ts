/**
 * The command runtime: one command = one transaction. It reads the case (`execute`: without a
 * lock, the write checks the version; the timer worker and starts: with a row lock), runs the
 * pure `engine.step`, applies every effect in batched statements (tasks and their candidates,
 * timers, notices, case state and the audit hash chain), records the idempotency key, and
 * commits — or rolls everything back with a coded `StoreError`.
 */
import { randomUUID } from 'node:crypto';
import type { ProcessGraph } from '@shidian/bpmn';
import {
  step,
  type Actor,
  type Command,
  type DeadlineCalendar,
  type Connector,
  type Effect,
  type EngineState,
  type StartCommand,
  type TaskView,
  type Variables,
} from '@shidian/engine';
import type { CompiledQuery, Kysely, Transaction } from 'kysely';
import {
  AUDIT_COLUMNS,
  insertSql,
  Params,
  preparedStatement,
  readCaseSql,
  statement,
  TASK_COLUMNS,
} from './hot-sql.js';
import { auditRows, type AuditInput } from './audit.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import type { CalendarPolicy } from '@shidian/calendar';
import { deploymentCalendar } from './deployment-calendar.js';
import { loadGraph } from './deployments.js';
import { isUniqueViolation, isVersionConflict, StoreError } from './errors.js';
import { isUuid } from './repositories/users.js';
import { json, type CaseRow, type CaseStatus, type Database } from './schema.js';

/** Options of a {@link CommandRuntime}. */
export interface RuntimeOptions {
  /**
   * Statutory calendar adapter handed to the engine for every deployment — unless
   * `deploymentCalendars` is given, which wins.
   */
  readonly calendar?: DeadlineCalendar;
  /**
   * Resolve the calendar of each deployment from its bundle (the national calendar plus the pilot's
   * local rest days, workdays and years; see `deployment-calendar.ts`), cached per deployment id, with
   * this policy for years the holiday data does not cover, e.g. `{ uncoveredYears: 'provisional' }`.
   */
  readonly deploymentCalendars?: CalendarPolicy;
  /** Pure connectors handed to the engine. */
  readonly connectors?: Readonly<Record<string, Connector>>;
  /** The clock (tests pin it). */
  readonly clock?: () => Date;
  /**
   * How many active cases to remember after writing them (default 2,000; 0 turns it off). A
   * command on a remembered case skips the read: the engine steps the remembered state and the
   * write, guarded by the remembered version as always, fails as a whole if the case moved on
   * meanwhile (another process, the timer worker), and the command then takes the read path. So
   * the cache changes no result, only saves a round trip.
   */
  readonly caseCache?: number;
}

/** Starting a case. */
export interface StartCaseInput {
  readonly countyId: string;
  /** The pilot whose active deployment to use … */
  readonly pilotId?: string;
  /** … or an explicit deployment. */
  readonly deploymentId?: string;
  readonly processId: string;
  readonly actor: Actor;
  readonly variables?: Variables;
  readonly title?: string;
  /** Denormalised for inbox filters. */
  readonly petitionerName?: string | null;
  /** Unit responsible for the case: `$case` in candidate units (passed to the engine as the variable `caseUnit`). */
  readonly responsibleUnitId?: string | null;
  readonly businessKey?: string;
  readonly startEvent?: string;
  readonly comment?: string;
  readonly idempotencyKey?: string;
}

/** A command on an existing case. `caseId` may be omitted when the command names a `taskId`. */
export interface CaseCommandInput {
  readonly countyId: string;
  readonly caseId?: string;
  /** Any command but `start` (refused with `STORE_ERR_INVALID_INPUT`: use {@link CommandRuntime.startCase}). */
  readonly command: Command;
  readonly idempotencyKey?: string;
  /** Optimistic check: refuse with `STORE_ERR_STALE_VERSION` unless the case is at this version. */
  readonly expectedVersion?: number;
  /**
   * The case row as the caller has just read it (the server reads it with the task anyway): the
   * command then skips its own read and runs like one on a remembered case — stepped on this row,
   * written only if the case is still at its version, else re-read. A row of another county or
   * case is ignored.
   */
  readonly caseRow?: CaseRow;
}

/** What a command did (stored as the first result of its idempotency key). */
export interface CommandOutcome {
  readonly caseId: string;
  readonly caseNumber: string;
  readonly version: number;
  readonly status: CaseStatus;
  readonly stage: string | null;
  readonly tasksCreated: readonly string[];
  readonly tasksClosed: readonly string[];
  readonly timersScheduled: number;
  readonly noticesRequested: number;
  /** True when this is the stored result of an earlier command with the same idempotency key. */
  readonly replayed: boolean;
}

type Db = Kysely<Database>;

const caseKey = (countyId: string, id: string): string => `${countyId}\u0000${id}`;

/**
 * How the case row is read: locked `FOR UPDATE` (wait, or fail at once: the timer worker skips
 * busy cases), or not locked at all (`'version'`: the write statement checks the version instead).
 */
type LockMode = 'wait' | 'nowait' | 'version';

/** Attempts of an unlocked command whose case moved on meanwhile (re-read, re-step, re-write). */
const VERSION_ATTEMPTS = 4;

/**
 * Runs commands against the store.
 *
 * @example
 * ```ts
 * const runtime = new CommandRuntime(store.db, { calendar });
 * const started = await runtime.startCase({ countyId: 'huian', pilotId: 'main', processId: 'petition', actor });
 * await runtime.execute({ countyId: 'huian', command: { type: 'complete', taskId, actor, variables } , idempotencyKey });
 * ```
 */
export class CommandRuntime {
  readonly #db: Db;
  readonly #options: RuntimeOptions;
  readonly #graphs = new Map<string, ProcessGraph>();
  readonly #calendars = new Map<string, DeadlineCalendar>();
  /** Case rows this runtime wrote last, most recent last (see {@link RuntimeOptions.caseCache}). */
  readonly #cases = new Map<string, CaseRow>();
  /** Which case a task opened by this runtime belongs to. */
  readonly #taskCases = new Map<string, string>();
  readonly #cacheSize: number;
  readonly #cacheStats = { hits: 0, stale: 0 };

  constructor(db: Db, options: RuntimeOptions = {}) {
    this.#db = db;
    this.#options = options;
    this.#cacheSize = Math.max(0, Math.floor(options.caseCache ?? 2000));
  }

  #now(): Date {
    return this.#options.clock?.() ?? new Date();
  }

  /** The compiled graph (cached: deployments are immutable). */
  async graph(db: Db, countyId: string, deploymentId: string, processId: string): Promise<ProcessGraph> {
    const key = `${countyId}\u0000${deploymentId}\u0000${processId}`;
    let g = this.#graphs.get(key);
    if (g === undefined) {
      g = await loadGraph(db, countyId, deploymentId, processId);
      this.#graphs.set(key, g);
    }
    return g;
  }

  /**
   * The deadline calendar of a deployment: with `deploymentCalendars`, the pilot's own (cached:
   * deployments are immutable), else the runtime's `calendar` (or none).
   */
  async calendar(db: Db, countyId: string, deploymentId: string): Promise<DeadlineCalendar | undefined> {
    const policy = this.#options.deploymentCalendars;
    if (policy === undefined) return this.#options.calendar;
    const key = `${countyId}\u0000${deploymentId}`;
    let c = this.#calendars.get(key);
    if (c === undefined) {
      c = await deploymentCalendar(db, countyId, deploymentId, policy);
      this.#calendars.set(key, c);
    }
    return c;
  }

  /** Starts a case: creates the case row with its number, runs the start command, applies its effects. */
  async startCase(input: StartCaseInput): Promise<CommandOutcome> {
    const requestHash = sha256Hex(canonicalJson({ op: 'start', ...input, idempotencyKey: undefined }));
    try {
      const applied = await this.#db.transaction().execute(async (trx) => {
        if (input.idempotencyKey !== undefined) {
          const prior = await readKey(trx, input.countyId, input.idempotencyKey, requestHash);
          if (prior !== undefined) return prior;
        }
        const now = this.#now();
        const deploymentId = await resolveDeployment(trx, input);
        const graph = await this.graph(trx, input.countyId, deploymentId, input.processId);
        const caseId = randomUUID();
        const command: StartCommand = {
          type: 'start',
          instanceId: caseId,
          actor: input.actor,
          ...startVariables(input),
          ...(input.businessKey === undefined ? {} : { businessKey: input.businessKey }),
          ...(input.startEvent === undefined ? {} : { startEvent: input.startEvent }),
          ...(input.comment === undefined ? {} : { comment: input.comment }),
        };
        const calendar = await this.calendar(trx, input.countyId, deploymentId);
        const result = step(graph, null, command, now.toISOString(), this.#ctx(calendar));
        if (!result.ok) throw engineRejected(result.error);
        const number = await nextCaseNumber(trx, input.countyId, now);
        const row = await trx
          .insertInto('cases')
          .values({
            county_id: input.countyId,
            case_id: caseId,
            number,
            pilot_id: (await pilotOf(trx, input.countyId, deploymentId)) ?? '',
            deployment_id: deploymentId,
            process_id: input.processId,
            state: json(result.state),
            version: 0,
            title: input.title ?? '',
            petitioner_name: input.petitionerName ?? null,
            responsible_unit_id: input.responsibleUnitId ?? null,
            created_by: input.actor.id,
            created_at: now,
            updated_at: now,
          })
          .returningAll()
          .executeTakeFirstOrThrow();
        return applyStep(
          trx,
          true,
          row,
          result.state,
          result.effects,
          command,
          now,
          input.idempotencyKey === undefined ? undefined : { key: input.idempotencyKey, requestHash },
        );
      });
      // committed: remember the case for the commands that follow
      if ('outcome' in applied) {
        this.#remember(applied);
        return applied.outcome;
      }
      return applied;
    } catch (e) {
      return this.#afterKeyRace(e, input.countyId, input.idempotencyKey, requestHash);
    }
  }

  /**
   * Runs a command on a case. Unknown cases and tasks (or those of another county) give
   * `STORE_ERR_CASE_NOT_FOUND` / `STORE_ERR_TASK_NOT_FOUND`; a task completed meanwhile by a
   * concurrent command gives `STORE_ERR_CONFLICT`; an engine refusal `STORE_ERR_ENGINE_REJECTED`.
   */
  async execute(input: CaseCommandInput): Promise<CommandOutcome> {
    return this.#execute(input);
  }

  /** Used by the timer worker: the case is locked NOWAIT, inside the worker's transaction. */
  async executeIn(
    trx: Transaction<Database>,
    input: CaseCommandInput,
    lock: 'wait' | 'nowait',
  ): Promise<CommandOutcome> {
    const requestHash = sha256Hex(
      canonicalJson({
        op: 'command',
        countyId: input.countyId,
        caseId: input.caseId ?? null,
        command: input.command,
      }),
    );
    const applied = await this.#run(trx, input, lock, requestHash, this.#now());
    if ('outcome' in applied) {
      // the caller's transaction may still roll back: forget the case rather than cache it
      this.#cases.delete(caseKey(applied.row.county_id, applied.row.case_id));
      return applied.outcome;
    }
    return applied;
  }

  async #execute(input: CaseCommandInput): Promise<CommandOutcome> {
    if (input.command.type === 'start')
      throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'command.type', reason: 'use startCase' });
    const requestHash = sha256Hex(
      canonicalJson({
        op: 'command',
        countyId: input.countyId,
        caseId: input.caseId ?? null,
        command: input.command,
      }),
    );
    // Optimistic: read without a lock and outside any transaction, step, then write everything in
    // ONE statement (its own transaction) guarded by the version read. If the case moved on
    // meanwhile the whole statement fails (SD409, or a unique key taken by the concurrent
    // command) and nothing of it is written: re-read and re-step.
    const given = input.caseRow;
    const cached =
      given !== undefined &&
      given.county_id === input.countyId &&
      (input.caseId === undefined || given.case_id === input.caseId) &&
      (input.expectedVersion === undefined || given.version === input.expectedVersion)
        ? given
        : this.#cached(input);
    if (cached !== undefined) {
      const fast = await this.#runCached(cached, input, requestHash);
      if (fast !== undefined) return fast;
    }
    const seen: { taskStatus?: string | null } = {};
    for (let attempt = 1; ; attempt++) {
      try {
        const applied = await this.#run(this.#db, input, 'version', requestHash, this.#now(), seen);
        if (!('outcome' in applied)) return applied;
        this.#remember(applied);
        return applied.outcome;
      } catch (e) {
        const raced =
          isVersionConflict(e) || (isUniqueViolation(e) && !isUniqueViolation(e, 'idempotency_keys_pkey'));
        if (!raced) return this.#afterKeyRace(e, input.countyId, input.idempotencyKey, requestHash);
        if (attempt >= VERSION_ATTEMPTS)
          throw new StoreError('STORE_ERR_CONFLICT', {
            countyId: input.countyId,
            ...(input.caseId === undefined ? {} : { caseId: input.caseId }),
            attempts: attempt,
          });
      }
    }
  }

  async #run(
    db: Db,
    input: CaseCommandInput,
    lock: LockMode,
    requestHash: string,
    now: Date,
    seen: { taskStatus?: string | null } = {},
  ): Promise<Applied | CommandOutcome> {
    if (input.command.type === 'start')
      throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'command.type', reason: 'use startCase' });
    const countyId = input.countyId;
    const taskId = 'taskId' in input.command ? input.command.taskId : undefined;
    const caseId = input.caseId;
    if (caseId !== undefined && !isUuid(caseId))
      throw new StoreError('STORE_ERR_CASE_NOT_FOUND', { countyId, caseId });
    if (caseId === undefined && taskId === undefined)
      throw new StoreError('STORE_ERR_CASE_NOT_FOUND', { countyId });
    const key = input.idempotencyKey;
    if (key !== undefined && (key.length === 0 || key.length > 200))
      throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'idempotencyKey' });
    // One round trip: find the case (through its task), lock it (unless the version is checked
    // at write time), read the idempotency key's first result and the task's status as of the
    // start of the statement (before any lock wait).
    const rp = new Params();
    const readText = readCaseSql(rp, countyId, caseId, taskId, key ?? '', lock);
    const [found] = (
      await db.executeQuery(
        preparedStatement<
          CaseRow & { idem_hash: string | null; idem_result: unknown; task_status: string | null }
        >(readText, rp),
      )
    ).rows;
    if (found === undefined) {
      throw taskId !== undefined
        ? new StoreError('STORE_ERR_TASK_NOT_FOUND', { countyId, taskId })
        : new StoreError('STORE_ERR_CASE_NOT_FOUND', { countyId, caseId });
    }
    const { idem_hash, idem_result, task_status, ...row } = found;
    // the task's status when the command first arrived (an unlocked command may be re-run)
    if (!('taskStatus' in seen)) seen.taskStatus = task_status;
    if (key !== undefined && idem_hash !== null) {
      if (idem_hash !== requestHash) throw new StoreError('STORE_ERR_IDEMPOTENCY_MISMATCH', { key });
      return { ...(idem_result as CommandOutcome), replayed: true };
    }
    if (input.expectedVersion !== undefined && input.expectedVersion !== row.version) {
      throw new StoreError('STORE_ERR_STALE_VERSION', {
        caseId: row.case_id,
        expected: input.expectedVersion,
        actual: row.version,
      });
    }
    const result = await this.#step(db, row, input.command, now);
    if (!result.ok) {
      // the case row was read after its lock was granted (or is re-read after a version
      // conflict): a task that was open when the command arrived and is not open now was
      // closed by a concurrent command
      if (taskId !== undefined && result.error.code === 'ENG_ERR_TASK_NOT_OPEN') {
        throw new StoreError(seen.taskStatus === 'open' ? 'STORE_ERR_CONFLICT' : 'STORE_ERR_TASK_CLOSED', {
          caseId: row.case_id,
          taskId,
        });
      }
      throw engineRejected(result.error);
    }
    return applyStep(
      db,
      lock !== 'version',
      row,
      result.state,
      result.effects,
      input.command,
      now,
      key === undefined ? undefined : { key, requestHash },
    );
  }

  /**
   * Commands that ran on a remembered case without reading it (`hits`), and those that found
   * their remembered copy stale or refused and took the read path (`stale`).
   */
  cacheStats(): { readonly hits: number; readonly stale: number; readonly cases: number } {
    return { ...this.#cacheStats, cases: this.#cases.size };
  }

  /**
   * The case a command is for, if this runtime wrote it last and still remembers it (no
   * expected version, or the one remembered).
   */
  #cached(input: CaseCommandInput): CaseRow | undefined {
    const taskId = 'taskId' in input.command ? input.command.taskId : undefined;
    const caseId =
      input.caseId ??
      (taskId === undefined ? undefined : this.#taskCases.get(caseKey(input.countyId, taskId)));
    if (caseId === undefined) return undefined;
    const row = this.#cases.get(caseKey(input.countyId, caseId));
    if (row === undefined) return undefined;
    if (input.expectedVersion !== undefined && input.expectedVersion !== row.version) return undefined;
    return row;
  }

  /**
   * The fast path of an unlocked command: step the remembered state and write, guarded by its
   * version, without reading the case first. `undefined` when the read path must decide instead:
   * the case moved on (version conflict, or a task id taken by a concurrent command), or the
   * engine refused (the read path gives the precise error — a concurrent close, a replay whose
   * first result is stored under the idempotency key, a real refusal).
   */
  async #runCached(
    row: CaseRow,
    input: CaseCommandInput,
    requestHash: string,
  ): Promise<CommandOutcome | undefined> {
    const key = input.idempotencyKey;
    if (key !== undefined && (key.length === 0 || key.length > 200)) return undefined;
    const ck = caseKey(row.county_id, row.case_id);
    try {
      const now = this.#now();
      const result = await this.#step(this.#db, row, input.command, now);
      if (!result.ok) {
        this.#cases.delete(ck);
        this.#cacheStats.stale += 1;
        return undefined;
      }
      const applied = await applyStep(
        this.#db,
        false,
        row,
        result.state,
        result.effects,
        input.command,
        now,
        key === undefined ? undefined : { key, requestHash },
      );
      this.#remember(applied);
      this.#cacheStats.hits += 1;
      return applied.outcome;
    } catch (e) {
      this.#cases.delete(ck);
      this.#cacheStats.stale += 1;
      // an idempotency key already used: its first result (or a mismatch) — as on the read path
      if (key !== undefined && isUniqueViolation(e, 'idempotency_keys_pkey'))
        return this.#afterKeyRace(e, input.countyId, key, requestHash);
      if (isVersionConflict(e) || isUniqueViolation(e)) return undefined;
      throw e;
    }
  }

  /** Remembers the case row a committed command left (and which case its new tasks belong to). */
  #remember(applied: Applied): void {
    const { row } = applied;
    const ck = caseKey(row.county_id, row.case_id);
    this.#cases.delete(ck);
    if (row.status !== 'active') return;
    this.#cases.set(ck, row);
    if (this.#cases.size > this.#cacheSize) {
      const oldest = this.#cases.keys().next();
      if (oldest.done !== true) this.#cases.delete(oldest.value);
    }
    for (const t of applied.tasks) {
      this.#taskCases.set(caseKey(row.county_id, t), row.case_id);
      if (this.#taskCases.size > this.#cacheSize * 4) {
        const oldest = this.#taskCases.keys().next();
        if (oldest.done !== true) this.#taskCases.delete(oldest.value);
      }
    }
  }

  /** `engine.step` on the case's state with its deployment's graph and calendar (both cached). */
  async #step(db: Db, row: CaseRow, command: Command, now: Date): Promise<ReturnType<typeof step>> {
    const graph = await this.graph(db, row.county_id, row.deployment_id, row.process_id);
    const calendar = await this.calendar(db, row.county_id, row.deployment_id);
    return step(graph, row.state as EngineState, command, now.toISOString(), this.#ctx(calendar));
  }

  #ctx(calendar: DeadlineCalendar | undefined) {
    return {
      ...(calendar === undefined ? {} : { calendar }),
      ...(this.#options.connectors === undefined ? {} : { connectors: this.#options.connectors }),
    };
  }

  /** A concurrent command with the same idempotency key won: return its result. */
  async #afterKeyRace(
    e: unknown,
    countyId: string,
    key: string | undefined,
    requestHash: string,
  ): Promise<CommandOutcome> {
    if (key !== undefined && isUniqueViolation(e, 'idempotency_keys_pkey')) {
      const prior = await readKey(this.#db, countyId, key, requestHash);
      if (prior !== undefined) return prior;
    }
    throw e;
  }
}

/** Start variables; the responsible unit is exposed to the model as `caseUnit` (what `$case` candidate units resolve to). */
function startVariables(input: StartCaseInput): { variables?: Variables } {
  if (input.responsibleUnitId === undefined || input.responsibleUnitId === null)
    return input.variables === undefined ? {} : { variables: input.variables };
  return { variables: { caseUnit: input.responsibleUnitId, ...input.variables } };
}

function engineRejected(error: { code: string; message: string; details?: unknown }): StoreError {
  return new StoreError('STORE_ERR_ENGINE_REJECTED', {
    engineCode: error.code,
    engineMessage: error.message,
    engineDetails: error.details,
  });
}

async function resolveDeployment(db: Db, input: StartCaseInput): Promise<string> {
  if (input.deploymentId !== undefined) return input.deploymentId;
  if (input.pilotId === undefined)
    throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'pilotId|deploymentId' });
  const pilot = await db
    .selectFrom('pilots')
    .select('active_deployment_id')
    .where('county_id', '=', input.countyId)
    .where('pilot_id', '=', input.pilotId)
    .executeTakeFirst();
  if (pilot === undefined)
    throw new StoreError('STORE_ERR_PILOT_NOT_FOUND', { countyId: input.countyId, pilotId: input.pilotId });
  if (pilot.active_deployment_id === null)
    throw new StoreError('STORE_ERR_DEPLOYMENT_NOT_FOUND', {
      countyId: input.countyId,
      pilotId: input.pilotId,
    });
  return pilot.active_deployment_id;
}

async function pilotOf(db: Db, countyId: string, deploymentId: string): Promise<string | undefined> {
  const d = await db
    .selectFrom('deployments')
    .select('pilot_id')
    .where('county_id', '=', countyId)
    .where('deployment_id', '=', deploymentId)
    .executeTakeFirst();
  return d?.pilot_id;
}

/**
 * The next case number of a county, formatted by its `case_number_format`
 * (`{year}` in China Standard Time, `{short}`, `{county}`, `{seq}` / `{seq:N}`).
 */
export async function nextCaseNumber(db: Db, countyId: string, now: Date): Promise<string> {
  const county = await db
    .selectFrom('counties')
    .select(['short_name', 'case_number_format'])
    .where('county_id', '=', countyId)
    .executeTakeFirst();
  if (county === undefined) throw new StoreError('STORE_ERR_COUNTY_NOT_FOUND', { countyId });
  const year = new Date(now.getTime() + 8 * 3600_000).getUTCFullYear();
  const r = await db
    .insertInto('case_number_counters')
    .values({ county_id: countyId, year, last: 1 })
    .onConflict((oc) =>
      oc
        .columns(['county_id', 'year'])
        .doUpdateSet((eb) => ({ last: eb('case_number_counters.last', '+', 1) })),
    )
    .returning('last')
    .executeTakeFirstOrThrow();
  return formatCaseNumber(county.case_number_format, {
    year,
    short: county.short_name,
    county: countyId,
    seq: r.last,
  });
}

/** Formats a case number pattern. `formatCaseNumber('{year}-{short}-{seq:6}', …)` → `2025-惠安-000123`. */
export function formatCaseNumber(
  format: string,
  v: { year: number; short: string; county: string; seq: number },
): string {
  return format.replace(/\{(year|short|county|seq)(?::(\d{1,2}))?\}/g, (_m, k: string, width?: string) => {
    if (k === 'year') return String(v.year);
    if (k === 'short') return v.short;
    if (k === 'county') return v.county;
    return width === undefined ? String(v.seq) : String(v.seq).padStart(Number(width), '0');
  });
}

async function readKey(
  db: Db,
  countyId: string,
  key: string,
  requestHash: string,
): Promise<CommandOutcome | undefined> {
  if (key.length === 0 || key.length > 200)
    throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'idempotencyKey' });
  const row = await db
    .selectFrom('idempotency_keys')
    .select(['request_hash', 'result'])
    .where('county_id', '=', countyId)
    .where('key', '=', key)
    .executeTakeFirst();
  if (row === undefined) return undefined;
  if (row.request_hash !== requestHash) throw new StoreError('STORE_ERR_IDEMPOTENCY_MISMATCH', { key });
  return { ...(row.result as CommandOutcome), replayed: true };
}

interface TaskClose {
  readonly status: 'completed' | 'cancelled';
  readonly by: string | null;
}

function actorKind(id: string | undefined): 'user' | 'system' {
  return id === undefined || id === 'system' ? 'system' : 'user';
}

/**
 * Applies the effects of one successful step to the database, in batched statements, and
 * advances the case row (state, version, stage, status, audit head). The last statement carries
 * every common write and fails as a whole (SD409) unless the case is still at `row.version`.
 * `inTransaction` false (an unlocked command): when the step needs statements of its own before
 * that one, they all run in a transaction; otherwise the single statement is its own transaction.
 */
async function applyStep(
  trx: Db,
  inTransaction: boolean,
  row: CaseRow,
  state: EngineState,
  effects: readonly Effect[],
  command: Command,
  now: Date,
  idempotency: { readonly key: string; readonly requestHash: string } | undefined,
): Promise<Applied> {
  const countyId = row.county_id;
  const caseId = row.case_id;
  const actorId = command.actor?.id ?? 'system';
  const created = new Map<string, TaskView>();
  const updated = new Map<string, TaskView>();
  const closed = new Map<string, TaskClose>();
  const scheduled = new Map<string, { due: string; purpose: string; node: string }>();
  const cancelledTimers = new Set<string>();
  const notices: { template: string; node: string; variables: Variables }[] = [];
  const budgets = new Map<string, { due: string; warnAt?: string }>();
  const audit: AuditInput[] = [];
  const applied: unknown[] = [];
  let stage = row.stage;
  let status: CaseStatus = row.status;
  let endedAt: Date | null = row.ended_at;
  let engineAudited = false;

  for (const e of effects) {
    switch (e.type) {
      case 'task.created':
        created.set(e.task.id, e.task);
        if (e.task.stage !== undefined) stage = e.task.stage;
        break;
      case 'task.updated':
        if (created.has(e.task.id)) created.set(e.task.id, e.task);
        else updated.set(e.task.id, e.task);
        break;
      case 'task.completed':
        closed.set(e.taskId, { status: 'completed', by: e.actor });
        break;
      case 'task.cancelled':
        closed.set(e.taskId, { status: 'cancelled', by: null });
        break;
      case 'timer.scheduled':
        scheduled.set(e.timerId, { due: e.due, purpose: e.purpose, node: e.node });
        break;
      case 'timer.cancelled':
        if (scheduled.has(e.timerId)) scheduled.delete(e.timerId);
        else cancelledTimers.add(e.timerId);
        break;
      case 'notice.requested':
        notices.push({ template: e.template, node: e.node, variables: e.variables });
        break;
      case 'budget.updated':
        // only these move a deadline; started / warning / overdue / closed leave the tasks' dates as they are
        if (
          e.change === 'paused' ||
          e.change === 'resumed' ||
          e.change === 'extended' ||
          e.change === 'recomputed'
        ) {
          budgets.set(e.budget.id, {
            due: e.budget.due,
            ...(e.budget.warnAt === undefined ? {} : { warnAt: e.budget.warnAt }),
          });
        }
        break;
      case 'instance.ended':
        status = e.status;
        endedAt = now;
        break;
      case 'audit':
        engineAudited = true;
        if (e.event.stage !== undefined) stage = e.event.stage;
        audit.push({
          at: new Date(e.event.at),
          actorId: e.event.actor,
          actorKind: actorKind(e.event.actor),
          stage: e.event.stage ?? stage,
          kind: e.event.type,
          payload: e.event,
        });
        continue;
      default:
        break;
    }
    const { instanceId: _i, ...payload } = e as Effect & { instanceId?: string };
    applied.push(payload);
  }
  // every effect is recorded, in order, in one event after the engine's own events
  if (applied.length > 0)
    audit.push({
      at: now,
      actorId,
      actorKind: actorKind(actorId),
      stage,
      kind: 'effects',
      payload: { command: command.type, effects: applied },
    });
  if (!engineAudited) {
    audit.unshift({
      at: now,
      actorId,
      actorKind: actorKind(actorId),
      stage,
      kind: `command.${command.type}`,
      payload: { command: { ...command, actor: undefined } },
    });
  }

  const warnOf = (view: TaskView): string | null => {
    const b =
      view.budget === undefined ? undefined : (budgets.get(view.budget) ?? state.budgets[view.budget]);
    return b?.warnAt ?? null;
  };
  const unitOf = (view: TaskView): string | null => {
    const u = view.candidateUnits[0];
    if (u === undefined) return null;
    return u === '$case' ? row.responsible_unit_id : u;
  };

  // timestamps go in as ISO 8601 text (one conversion, not one per parameter in the driver)
  const nowIso = now.toISOString();
  // Rare changes that may touch the same rows as the batch below run first, on their own:
  // tasks changed in this step (assignee, due date, candidates) …
  const before: CompiledQuery[] = [];
  for (const v of updated.values()) {
    const p = new Params();
    before.push(
      statement(
        `UPDATE tasks SET assignee_id = ${p.add(v.assignee ?? null)}, due_at = ${p.add(v.due ?? null)}, ` +
          `warn_at = ${p.add(warnOf(v))}, budget_id = ${p.add(v.budget ?? null)}, unit_id = ${p.add(unitOf(v))} ` +
          `WHERE county_id = ${p.add(countyId)} AND task_id = ${p.add(v.id)}`,
        p,
      ),
    );
  }
  if (updated.size > 0) {
    const p = new Params();
    before.push(
      statement(
        `DELETE FROM task_candidates WHERE county_id = ${p.add(countyId)} AND task_id IN (${p.list([...updated.keys()])})`,
        p,
      ),
    );
  }
  // … deadlines moved (pause, extension) …
  for (const [budgetId, b] of budgets) {
    const p = new Params();
    before.push(
      statement(
        `UPDATE tasks SET due_at = ${p.add(b.due)}, warn_at = ${p.add(b.warnAt ?? null)} ` +
          `WHERE county_id = ${p.add(countyId)} AND case_id = ${p.add(caseId)} AND budget_id = ${p.add(budgetId)} ` +
          `AND status = 'open'`,
        p,
      ),
    );
  }
  // … and, when timers are scheduled, the pending ones they replace (the engine keeps a timer's
  // id when its deadline moves), so the new rows never meet the old ones in one statement.
  const cancelIds = [...cancelledTimers, ...scheduled.keys()];
  // literally `NOT fired` (a bound `fired = $n` would keep a prepared statement's generic plan
  // from proving the predicate of the partial index `timers_pending_engine`: it then scanned
  // every timer of the county)
  const cancelTimers = (p: Params): string =>
    `UPDATE timers SET cancelled_at = ${p.add(nowIso)} WHERE county_id = ${p.add(countyId)} ` +
    `AND case_id = ${p.add(caseId)} AND engine_timer_id IN (${p.list(cancelIds)}) ` +
    `AND NOT fired AND cancelled_at IS NULL`;
  if (scheduled.size > 0) {
    const p = new Params();
    before.push(statement(cancelTimers(p), p));
  }

  // Everything else goes in ONE statement: independent data-modifying CTEs on distinct rows.
  const p = new Params();
  const writes: string[] = [];
  if (scheduled.size === 0 && cancelIds.length > 0) writes.push(cancelTimers(p));
  if (created.size > 0) {
    const rows: unknown[][] = [];
    for (const v of created.values()) {
      const c = closed.get(v.id);
      rows.push([
        countyId,
        v.id,
        caseId,
        v.node,
        v.name ?? '',
        row.process_id,
        row.number,
        row.petitioner_name,
        v.stage ?? null,
        c?.status ?? 'open',
        v.assignee ?? null,
        unitOf(v),
        v.due ?? null,
        warnOf(v),
        v.budget ?? null,
        v.form?.ref ?? null,
        v.createdAt,
        c === undefined ? null : nowIso,
        c?.by ?? null,
      ]);
    }
    writes.push(insertSql(p, 'tasks', TASK_COLUMNS, rows));
  }
  const candidates: unknown[][] = [];
  for (const v of [...created.values(), ...updated.values()]) {
    if (closed.has(v.id)) continue;
    for (const u of new Set(v.candidateUsers)) candidates.push([countyId, v.id, 'user', u]);
    for (const g of new Set(v.candidateGroups)) candidates.push([countyId, v.id, 'group', g]);
  }
  if (candidates.length > 0)
    writes.push(insertSql(p, 'task_candidates', ['county_id', 'task_id', 'kind', 'value'], candidates));
  // tasks closed in this step (that existed before it); their candidates are dropped: the join
  // table only serves inboxes of open tasks
  const closeGroups = new Map<string, { status: TaskClose['status']; by: string | null; ids: string[] }>();
  for (const [id, c] of closed) {
    if (created.has(id)) continue;
    const k = `${c.status}\u0000${c.by ?? ''}`;
    const g = closeGroups.get(k) ?? { status: c.status, by: c.by, ids: [] };
    g.ids.push(id);
    closeGroups.set(k, g);
  }
  for (const { status: kind, by, ids } of closeGroups.values()) {
    // By primary key only: the step ran on the state at `row.version` and the statement is
    // guarded by that version, so these tasks are open. (A `status = 'open'` filter here let
    // the planner pick a partial inbox index led by `county_id` alone — every open task of the
    // county scanned — whenever the tables had no statistics yet, e.g. in a new database.)
    writes.push(
      `UPDATE tasks SET status = ${p.add(kind)}, completed_at = ${p.add(nowIso)}, completed_by = ${p.add(by)} ` +
        `WHERE county_id = ${p.add(countyId)} AND task_id IN (${p.list(ids)})`,
    );
  }
  // (the candidates of updated tasks were deleted above)
  const closedIds = [...closed.keys()].filter((id) => !created.has(id) && !updated.has(id));
  if (closedIds.length > 0)
    writes.push(
      `DELETE FROM task_candidates WHERE county_id = ${p.add(countyId)} AND task_id IN (${p.list(closedIds)})`,
    );
  if (scheduled.size > 0) {
    const rows: unknown[][] = [];
    for (const [id, t] of scheduled) rows.push([countyId, caseId, id, t.node, t.purpose, t.due, t.due]);
    writes.push(
      insertSql(
        p,
        'timers',
        ['county_id', 'case_id', 'engine_timer_id', 'element_id', 'kind', 'due_at', 'available_at'],
        rows,
      ),
    );
  }
  if (notices.length > 0) {
    writes.push(
      insertSql(
        p,
        'notices',
        ['county_id', 'case_id', 'template_id', 'element_id', 'payload'],
        notices.map((n) => [countyId, caseId, n.template, n.node, json(n.variables)]),
      ),
    );
  }
  const chain = auditRows(
    { countyId, chain: caseId, caseId },
    { seq: row.audit_seq, hash: row.audit_hash },
    audit,
  );
  if (chain.rows.length > 0)
    writes.push(
      insertSql(
        p,
        'audit_events',
        AUDIT_COLUMNS,
        chain.rows.map((r) => AUDIT_COLUMNS.map((c) => (c === 'at' ? new Date(r.at).toISOString() : r[c]))),
      ),
    );
  const version = row.version + 1;
  const outcome: CommandOutcome = {
    caseId,
    caseNumber: row.number,
    version,
    status,
    stage,
    tasksCreated: [...created.keys()].filter((id) => !closed.has(id)),
    tasksClosed: [...closed.keys()],
    timersScheduled: scheduled.size,
    noticesRequested: notices.length,
    replayed: false,
  };
  if (idempotency !== undefined) {
    writes.push(
      insertSql(
        p,
        'idempotency_keys',
        ['county_id', 'key', 'request_hash', 'case_id', 'result'],
        [[countyId, idempotency.key, idempotency.requestHash, caseId, json(outcome)]],
      ),
    );
  }
  // the case row as this step leaves it (written below; remembered by the runtime after commit)
  const next = {
    version,
    stage,
    status,
    ended_at: endedAt,
    updated_at: now,
    audit_seq: chain.head.seq,
    audit_hash: chain.head.hash,
  };
  const caseUpdate =
    `UPDATE cases SET version = ${p.add(version)}, stage = ${p.add(stage)}, status = ${p.add(status)}, ` +
    `ended_at = ${p.add(endedAt === null ? null : endedAt.toISOString())}, updated_at = ${p.add(nowIso)}, audit_seq = ${p.add(next.audit_seq)}, ` +
    `audit_hash = ${p.add(next.audit_hash)}, state = ${p.add(json(state))} ` +
    `WHERE county_id = ${p.add(countyId)} AND case_id = ${p.add(caseId)} AND version = ${p.add(row.version)} ` +
    `RETURNING version`;
  // The version guard: unless the case row was updated, the statement raises SD409 and none of
  // its CTEs is written (the result of a data-modifying CTE is visible to the main query).
  let text = 'WITH ';
  for (let i = 0; i < writes.length; i++) text += `w${i} AS (${writes[i]}), `;
  text += `wc AS (${caseUpdate}) SELECT CASE WHEN count(*) = 1 THEN max(version) ELSE shidian_version_conflict() END AS version FROM wc`;
  const main = preparedStatement<{ version: number }>(text, p);
  if (inTransaction || before.length === 0) {
    for (const b of before) await trx.executeQuery(b);
    await trx.executeQuery(main);
  } else {
    await trx.transaction().execute(async (t) => {
      for (const b of before) await t.executeQuery(b);
      await t.executeQuery(main);
    });
  }
  return { outcome, row: { ...row, ...next, state }, tasks: outcome.tasksCreated };
}

/** What {@link applyStep} wrote: the outcome, the case row as it now is, the tasks it opened. */
interface Applied {
  readonly outcome: CommandOutcome;
  readonly row: CaseRow;
  readonly tasks: readonly string[];
}
