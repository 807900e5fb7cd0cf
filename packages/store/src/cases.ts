/**
 * Read helpers for cases, and `storeFor`, which bundles a store with its runtime.
 */
import type { Kysely } from 'kysely';
import { StoreError } from './errors.js';
import { isUuid } from './repositories/users.js';
import { CommandRuntime, type RuntimeOptions } from './runtime.js';
import type { CaseStatus, Database } from './schema.js';
import type { Store } from './store.js';

/** A case as the API shows it, with its open tasks and audit trail length. */
export interface CaseView {
  readonly caseId: string;
  readonly countyId: string;
  readonly number: string;
  readonly pilotId: string;
  readonly deploymentId: string;
  readonly processId: string;
  readonly stage: string | null;
  readonly status: CaseStatus;
  readonly version: number;
  readonly title: string;
  readonly petitionerName: string | null;
  readonly responsibleUnitId: string | null;
  readonly createdAt: Date;
  readonly updatedAt: Date;
  readonly endedAt: Date | null;
  /** The engine state (plain JSON). */
  readonly state: unknown;
  readonly openTaskIds: readonly string[];
  readonly auditEvents: number;
}

/**
 * One case of a county, or `STORE_ERR_CASE_NOT_FOUND` (also for a case of another county).
 *
 * @example
 * ```ts
 * const c = await caseView(store.db, 'huian', caseId);
 * ```
 */
export async function caseView(db: Kysely<Database>, countyId: string, caseId: string): Promise<CaseView> {
  if (!isUuid(caseId)) throw new StoreError('STORE_ERR_CASE_NOT_FOUND', { countyId, caseId });
  const c = await db
    .selectFrom('cases')
    .selectAll()
    .where('county_id', '=', countyId)
    .where('case_id', '=', caseId)
    .executeTakeFirst();
  if (c === undefined) throw new StoreError('STORE_ERR_CASE_NOT_FOUND', { countyId, caseId });
  const tasks = await db
    .selectFrom('tasks')
    .select('task_id')
    .where('county_id', '=', countyId)
    .where('case_id', '=', caseId)
    .where('status', '=', 'open')
    .orderBy('created_at')
    .execute();
  return {
    caseId: c.case_id,
    countyId: c.county_id,
    number: c.number,
    pilotId: c.pilot_id,
    deploymentId: c.deployment_id,
    processId: c.process_id,
    stage: c.stage,
    status: c.status,
    version: c.version,
    title: c.title,
    petitionerName: c.petitioner_name,
    responsibleUnitId: c.responsible_unit_id,
    createdAt: c.created_at,
    updatedAt: c.updated_at,
    endedAt: c.ended_at,
    state: c.state,
    openTaskIds: tasks.map((t) => t.task_id),
    auditEvents: c.audit_seq,
  };
}

/** A store's runtime with the given options (convenience for servers and the CLI). */
export function storeFor(
  store: Store,
  options: RuntimeOptions = {},
): { store: Store; runtime: CommandRuntime } {
  return { store, runtime: new CommandRuntime(store.db, options) };
}
