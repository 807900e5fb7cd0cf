/**
 * The bridge from HTTP to the store's command runtime (one command = one transaction): builds the
 * engine actor from the caller's grants in the case's county, counts commands in the metrics, and
 * reads back what a command created (tasks with their deadlines) for the response.
 *
 * @example
 * ```ts
 * const key = idempotencyKeyOf(req);
 * const summary = await executeOnCase(ctx, 'complete', { countyId, caseId, command, idempotencyKey: key });
 * ```
 */
import type { FastifyRequest } from 'fastify';
import type { Actor, Command, StartCommand, Variables } from '@shidian/engine';
import type { CaseRow } from '@shidian/store';
import { unitsIn, rolesIn, type Principal } from './access.js';
import type { AppContext } from './context.js';
import { apiError, toApiError } from './errors.js';

/** What the runtime reports after a command (a subset of the store's `CommandOutcome`). */
export interface RuntimeOutcome {
  readonly caseId: string;
  readonly caseNumber: string;
  readonly version: number;
  readonly status: string;
  readonly stage: string | null;
  readonly tasksCreated: readonly string[];
  readonly tasksClosed: readonly string[];
  readonly replayed: boolean;
}

/** Starting a case (the store's `StartCaseInput`). */
export interface StartCaseRequest {
  readonly countyId: string;
  readonly pilotId: string;
  readonly processId: string;
  readonly actor: Actor;
  readonly variables?: Variables;
  readonly title?: string;
  readonly petitionerName?: string | null;
  readonly responsibleUnitId?: string | null;
  readonly idempotencyKey?: string;
}

/** A command on an existing case (the store's `CaseCommandInput`). */
export interface CaseCommandRequest {
  readonly countyId: string;
  readonly caseId?: string;
  readonly command: Exclude<Command, StartCommand>;
  readonly idempotencyKey?: string;
  /** The case row the route has just read (the runtime then skips its own read; see the store's `CaseCommandInput`). */
  readonly caseRow?: CaseRow;
}

/** The part of the store's `CommandRuntime` the server uses. */
export interface CaseRuntime {
  startCase(input: StartCaseRequest): Promise<RuntimeOutcome>;
  execute(input: CaseCommandRequest): Promise<RuntimeOutcome>;
}

/**
 * The engine actor of a caller in a county: their id, the roles they hold there (BPMN candidate
 * groups), their units there, and whether they supervise (督查员 and 分管领导 may act on any task).
 */
export function actorFor(p: Principal, countyId: string): Actor {
  const roles = rolesIn(p, countyId);
  const units = unitsIn(p, countyId).filter((u): u is string => u !== null);
  return {
    id: p.userId,
    groups: [...roles].sort(),
    units: [...new Set(units)].sort(),
    supervisor: roles.has('supervisor') || roles.has('leader'),
  };
}

/** Runs one command, counting it by outcome; errors are rethrown as API errors. */
export async function runCommand<T>(ctx: AppContext, command: string, fn: () => Promise<T>): Promise<T> {
  try {
    const r = await fn();
    ctx.metrics.commands.inc({ command, outcome: 'ok' });
    return r;
  } catch (e) {
    const apiErr = toApiError(e);
    const outcome = apiErr.statusCode === 409 ? 'conflict' : apiErr.statusCode >= 500 ? 'error' : 'rejected';
    ctx.metrics.commands.inc({ command, outcome });
    throw e;
  }
}

const IDEMPOTENCY_KEY = /^[\x21-\x7e]{1,200}$/;

/** The request's `Idempotency-Key` header (1–200 printable ASCII), or `API_ERR_BAD_IDEMPOTENCY_KEY`. */
export function idempotencyKeyOf(req: FastifyRequest): string | undefined {
  const key = req.headers['idempotency-key'];
  if (key === undefined) return undefined;
  if (typeof key !== 'string' || !IDEMPOTENCY_KEY.test(key)) throw apiError('API_ERR_BAD_IDEMPOTENCY_KEY');
  return key;
}

/** What a move on a case answers (`POST /api/tasks/{id}/{move}`, and the base of `POST /api/cases/{id}/{action}`). */
export interface MoveSummary {
  readonly caseId: string;
  readonly caseNumber: string;
  readonly version: number;
  readonly status: string;
  readonly stage: string | null;
  readonly replayed: boolean;
  readonly tasksCreated: readonly string[];
  readonly tasksClosed: readonly string[];
}

/** Runs one command on an existing case through the runtime (counted as `action`) and summarises the outcome. */
export async function executeOnCase(
  ctx: AppContext,
  action: string,
  input: CaseCommandRequest,
): Promise<MoveSummary> {
  const o = await runCommand(ctx, action, () => ctx.runtime.execute(input));
  return {
    caseId: o.caseId,
    caseNumber: o.caseNumber,
    version: o.version,
    status: o.status,
    stage: o.stage,
    replayed: o.replayed,
    tasksCreated: o.tasksCreated,
    tasksClosed: o.tasksClosed,
  };
}
