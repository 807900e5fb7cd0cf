/**
 * Deployments: a pilot bundle (BPMN processes, JSON Schema forms, calendar, notice templates)
 * compiled and stored as an immutable, content-addressed version: its id is the sha256 of the
 * canonical JSON of the bundle. Deploying the same bundle twice returns the existing version.
 */
import { compileBpmn, executableProcesses, type ProcessGraph } from '@shidian/bpmn';
import type { Kysely } from 'kysely';
import { appendCountyAudit } from './audit.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { isUniqueViolation, sqlState, StoreError } from './errors.js';
import { json, type Database, type Deployment, type Pilot } from './schema.js';

/** What a county deploys. */
export interface DeploymentBundle {
  /** BPMN 2.0 XML files by name. */
  readonly processes: Readonly<Record<string, string>>;
  /** JSON Schemas by form id (the ids `formKey` / `formId` / `shidian:form` refer to). */
  readonly forms?: Readonly<Record<string, unknown>>;
  /** Calendar additions of the pilot (holidays, make-up days). */
  readonly calendar?: unknown;
  /** Notice templates by id. */
  readonly notices?: Readonly<Record<string, unknown>>;
  /** Anything else of the bundle (roles, units, stage map …), stored verbatim. */
  readonly extra?: Readonly<Record<string, unknown>>;
}

/** Input of {@link deploy}. */
export interface DeployInput {
  readonly countyId: string;
  readonly pilotId: string;
  readonly bundle: DeploymentBundle;
  readonly createdBy?: string | null;
  /** Make it the version new cases start on (default true). */
  readonly activate?: boolean;
  readonly now?: Date;
}

/** Result of {@link deploy}. */
export interface DeployResult {
  readonly deploymentId: string;
  readonly version: number;
  /** False when the identical bundle was already deployed (nothing written). */
  readonly created: boolean;
  readonly processIds: readonly string[];
}

/** The content address of a bundle: sha256 of its canonical JSON. */
export function deploymentIdOf(bundle: DeploymentBundle): string {
  return sha256Hex(canonicalJson(bundle));
}

/** Compiles every process of a bundle and checks its form references; throws coded errors. */
export async function compileBundle(bundle: DeploymentBundle): Promise<ProcessGraph[]> {
  if (
    typeof bundle !== 'object' ||
    bundle === null ||
    typeof bundle.processes !== 'object' ||
    bundle.processes === null
  ) {
    throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', { reason: 'processes missing' });
  }
  const files = Object.entries(bundle.processes);
  if (files.length === 0) throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', { reason: 'no process' });
  const forms = bundle.forms ?? {};
  const graphs: ProcessGraph[] = [];
  for (const [file, xml] of files) {
    if (typeof xml !== 'string')
      throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', { file, reason: 'not BPMN XML text' });
    const result = await compileBpmn(xml);
    const errors = result.problems.filter((p) => p.severity === 'error');
    if (errors.length > 0) {
      throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', {
        file,
        problems: errors.map((p) => ({
          code: p.code,
          elementId: p.elementId,
          processId: p.processId,
          line: p.line,
        })),
      });
    }
    graphs.push(...executableProcesses(result));
  }
  const seen = new Set<string>();
  for (const g of graphs) {
    if (seen.has(g.id))
      throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', {
        reason: 'duplicate process id',
        processId: g.id,
      });
    seen.add(g.id);
    for (const node of Object.values(g.nodes)) {
      const form = 'form' in node ? node.form : undefined;
      if (form !== undefined && !Object.hasOwn(forms, form.ref)) {
        throw new StoreError('STORE_ERR_DEPLOYMENT_MISSING_FORM', {
          processId: g.id,
          elementId: node.id,
          form: form.ref,
        });
      }
    }
  }
  if (graphs.length === 0)
    throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', { reason: 'no executable process' });
  return graphs;
}

/**
 * Creates a pilot (a county's configuration programme). `STORE_ERR_COUNTY_NOT_FOUND`, or
 * `STORE_ERR_INVALID_INPUT` when it exists already.
 */
export async function createPilot(
  db: Kysely<Database>,
  input: {
    readonly countyId: string;
    readonly pilotId: string;
    readonly name: string;
    readonly description?: string;
  },
): Promise<Pilot> {
  try {
    return await db
      .insertInto('pilots')
      .values({
        county_id: input.countyId,
        pilot_id: input.pilotId,
        name: input.name,
        description: input.description ?? '',
      })
      .returningAll()
      .executeTakeFirstOrThrow();
  } catch (e) {
    if (sqlState(e) === '23503')
      throw new StoreError('STORE_ERR_COUNTY_NOT_FOUND', { countyId: input.countyId }, { cause: e });
    if (isUniqueViolation(e))
      throw new StoreError(
        'STORE_ERR_INVALID_INPUT',
        { reason: 'pilot exists', pilotId: input.pilotId },
        { cause: e },
      );
    throw e;
  }
}

/**
 * Compiles and stores a bundle as a new immutable version of a pilot (one transaction).
 *
 * @example
 * ```ts
 * const d = await deploy(store.db, { countyId: 'huian', pilotId: 'main', bundle: { processes: { 'p.bpmn': xml }, forms } });
 * // d.deploymentId = sha256 of the canonical bundle; d.version = 1, 2, …
 * ```
 */
export async function deploy(db: Kysely<Database>, input: DeployInput): Promise<DeployResult> {
  const graphs = await compileBundle(input.bundle);
  const deploymentId = deploymentIdOf(input.bundle);
  const processIds = graphs.map((g) => g.id).sort();
  return db.transaction().execute(async (trx) => {
    const pilot = await trx
      .selectFrom('pilots')
      .selectAll()
      .where('county_id', '=', input.countyId)
      .where('pilot_id', '=', input.pilotId)
      .forUpdate()
      .executeTakeFirst();
    if (pilot === undefined)
      throw new StoreError('STORE_ERR_PILOT_NOT_FOUND', { countyId: input.countyId, pilotId: input.pilotId });
    const existing = await trx
      .selectFrom('deployments')
      .select(['version', 'pilot_id'])
      .where('county_id', '=', input.countyId)
      .where('deployment_id', '=', deploymentId)
      .executeTakeFirst();
    if (existing !== undefined) {
      if (existing.pilot_id !== input.pilotId) {
        throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', {
          reason: 'bundle already deployed by another pilot',
          pilotId: existing.pilot_id,
        });
      }
      if (input.activate ?? true) await activate(trx, input.countyId, input.pilotId, deploymentId);
      return { deploymentId, version: existing.version, created: false, processIds };
    }
    const max = await trx
      .selectFrom('deployments')
      .select((eb) => eb.fn.max<number>('version').as('v'))
      .where('county_id', '=', input.countyId)
      .where('pilot_id', '=', input.pilotId)
      .executeTakeFirst();
    const version = (max?.v ?? 0) + 1;
    const now = input.now ?? new Date();
    await trx
      .insertInto('deployments')
      .values({
        county_id: input.countyId,
        deployment_id: deploymentId,
        pilot_id: input.pilotId,
        version,
        bundle: json(input.bundle),
        created_by: input.createdBy ?? null,
        created_at: now,
      })
      .execute();
    await trx
      .insertInto('deployment_processes')
      .values(
        graphs.map((g) => ({
          county_id: input.countyId,
          deployment_id: deploymentId,
          process_id: g.id,
          graph: json(g),
        })),
      )
      .execute();
    const forms = Object.entries(input.bundle.forms ?? {});
    if (forms.length > 0) {
      await trx
        .insertInto('deployment_forms')
        .values(
          forms.map(([formId, schema]) => ({
            county_id: input.countyId,
            deployment_id: deploymentId,
            form_id: formId,
            schema: json(schema),
          })),
        )
        .execute();
    }
    if (input.activate ?? true) await activate(trx, input.countyId, input.pilotId, deploymentId);
    await appendCountyAudit(trx, input.countyId, {
      at: now,
      actorId: input.createdBy ?? null,
      actorKind: input.createdBy ? 'user' : 'system',
      stage: null,
      kind: 'deployment.created',
      payload: { deploymentId, pilotId: input.pilotId, version, processIds },
    });
    return { deploymentId, version, created: true, processIds };
  });
}

async function activate(
  db: Kysely<Database>,
  countyId: string,
  pilotId: string,
  deploymentId: string,
): Promise<void> {
  await db
    .updateTable('pilots')
    .set({ active_deployment_id: deploymentId })
    .where('county_id', '=', countyId)
    .where('pilot_id', '=', pilotId)
    .execute();
}

/** A deployment row, or `STORE_ERR_DEPLOYMENT_NOT_FOUND` (also for another county's). */
export async function getDeployment(
  db: Kysely<Database>,
  countyId: string,
  deploymentId: string,
): Promise<Deployment> {
  const d = await db
    .selectFrom('deployments')
    .selectAll()
    .where('county_id', '=', countyId)
    .where('deployment_id', '=', deploymentId)
    .executeTakeFirst();
  if (d === undefined) throw new StoreError('STORE_ERR_DEPLOYMENT_NOT_FOUND', { countyId, deploymentId });
  return d;
}

/** The compiled graph of a process in a deployment, or `STORE_ERR_PROCESS_NOT_FOUND`. */
export async function loadGraph(
  db: Kysely<Database>,
  countyId: string,
  deploymentId: string,
  processId: string,
): Promise<ProcessGraph> {
  const row = await db
    .selectFrom('deployment_processes')
    .select('graph')
    .where('county_id', '=', countyId)
    .where('deployment_id', '=', deploymentId)
    .where('process_id', '=', processId)
    .executeTakeFirst();
  if (row === undefined)
    throw new StoreError('STORE_ERR_PROCESS_NOT_FOUND', { countyId, deploymentId, processId });
  return row.graph as ProcessGraph;
}

/** The form schema of a deployment, or `undefined`. */
export async function loadForm(
  db: Kysely<Database>,
  countyId: string,
  deploymentId: string,
  formId: string,
): Promise<unknown> {
  const row = await db
    .selectFrom('deployment_forms')
    .select('schema')
    .where('county_id', '=', countyId)
    .where('deployment_id', '=', deploymentId)
    .where('form_id', '=', formId)
    .executeTakeFirst();
  return row?.schema;
}
