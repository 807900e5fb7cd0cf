/**
 * Deployments: a pilot bundle (BPMN processes, JSON Schema forms, calendar, notice templates)
 * compiled and stored as an immutable, content-addressed version. Deploying the same content twice
 * returns the existing version.
 *
 * Two inputs, one stored shape. A deployment row's `bundle` always holds a {@link StoredBundle}
 * (`{ files: { path: text }, manifest? }`, the bundle's files as deployed):
 * - a {@link CompiledBundle}: files that the caller has validated and compiled itself (the server
 *   runs `@shidian/pilot`'s `validateBundle`, which applies the manifest's stage map); its graphs
 *   are stored exactly as given and its id is {@link deploymentIdOfFiles};
 * - a {@link DeploymentBundle} (processes and forms by name, for tests, tools and scripts without a
 *   manifest): compiled here, stored as files (see {@link storedBundleOf}); its id stays
 *   {@link deploymentIdOf}, the sha256 of its canonical JSON.
 *
 * Rows written before the shapes converged may hold a `DeploymentBundle` itself; {@link storedBundleOf}
 * (used by {@link getDeployment} and the deployment calendar) reads both, so no migration is needed.
 */
import { createHash } from 'node:crypto';
import { compileBpmn, executableProcesses, type ProcessGraph } from '@shidian/bpmn';
import type { Kysely } from 'kysely';
import { appendCountyAudit } from './audit.js';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { isUniqueViolation, sqlState, StoreError } from './errors.js';
import { json, type Database, type Deployment, type Pilot } from './schema.js';

/** What a county deploys without a manifest (compiled by {@link deploy}). */
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

/** What a deployment row's `bundle` holds: every file as deployed, by bundle path, and the parsed manifest. */
export interface StoredBundle {
  readonly files: Readonly<Record<string, string>>;
  /** The manifest as its validator parsed it (absent for bundles deployed without one). */
  readonly manifest?: unknown;
}

/**
 * A bundle its caller has already validated and compiled (e.g. `@shidian/pilot`'s `validateBundle`,
 * which applies the manifest's stage map): stored with exactly these graphs and forms.
 */
export interface CompiledBundle extends StoredBundle {
  /** The compiled, executable processes (process ids unique). */
  readonly graphs: readonly ProcessGraph[];
  /** JSON Schemas by form id. */
  readonly forms?: Readonly<Record<string, unknown>>;
}

/** Input of {@link deploy}. */
export interface DeployInput {
  readonly countyId: string;
  readonly pilotId: string;
  readonly bundle: DeploymentBundle | CompiledBundle;
  readonly createdBy?: string | null;
  /** Make it the version new cases start on (default true; also when the content was deployed before). */
  readonly activate?: boolean;
  readonly now?: Date;
  /**
   * Create the pilot when it does not exist yet, or update its name and description (default: the
   * pilot must exist, else `STORE_ERR_PILOT_NOT_FOUND`).
   */
  readonly pilot?: { readonly name: string; readonly description?: string };
  /** Number of validation warnings, recorded in the audit event. */
  readonly warnings?: number;
}

/** Result of {@link deploy}. */
export interface DeployResult {
  readonly deploymentId: string;
  readonly version: number;
  /** False when the identical bundle was already deployed (nothing written). */
  readonly created: boolean;
  readonly processIds: readonly string[];
}

/** The content address of a {@link DeploymentBundle}: sha256 of its canonical JSON. */
export function deploymentIdOf(bundle: DeploymentBundle): string {
  return sha256Hex(canonicalJson(bundle));
}

/** The content address of a file map: sha256 of the JSON of its `[path, text]` pairs sorted by path. */
export function deploymentIdOfFiles(files: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(files)
    .sort()
    .map((k) => [k, files[k]]);
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex');
}

function isCompiled(bundle: DeploymentBundle | CompiledBundle): bundle is CompiledBundle {
  return typeof bundle === 'object' && bundle !== null && 'graphs' in bundle;
}

function isRecord(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * A stored bundle in the current shape, from a row written in either shape: `{ files, manifest? }`
 * as is (non-text entries dropped), or a {@link DeploymentBundle} as files — processes under their
 * names, forms as `forms/<id>.schema.json`, the calendar as `calendar.json`, notices as
 * `notices/<id>.json`, extras as `extra/<key>.json`. Anything else reads as no files.
 *
 * @example
 * ```ts
 * storedBundleOf({ processes: { 'p.bpmn': xml }, calendar: { restDays: [] } }).files;
 * // { 'p.bpmn': xml, 'calendar.json': '{"restDays":[]}' }
 * ```
 */
export function storedBundleOf(bundle: unknown): StoredBundle {
  const files: Record<string, string> = Object.create(null) as Record<string, string>;
  if (!isRecord(bundle)) return { files };
  if (isRecord(bundle['files'])) {
    for (const [path, text] of Object.entries(bundle['files']))
      if (typeof text === 'string') files[path] = text;
    return bundle['manifest'] === undefined ? { files } : { files, manifest: bundle['manifest'] };
  }
  const section = (name: string, file: (key: string) => string) => {
    const v = bundle[name];
    if (isRecord(v)) for (const [k, x] of Object.entries(v)) files[file(k)] = JSON.stringify(x);
  };
  if (isRecord(bundle['processes']))
    for (const [name, xml] of Object.entries(bundle['processes']))
      if (typeof xml === 'string') files[name] = xml;
  section('forms', (id) => `forms/${id}.schema.json`);
  if (bundle['calendar'] !== undefined && bundle['calendar'] !== null)
    files['calendar.json'] = JSON.stringify(bundle['calendar']);
  section('notices', (id) => `notices/${id}.json`);
  section('extra', (key) => `extra/${key}.json`);
  return { files };
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
 * Stores a bundle as a new immutable version of a pilot (one transaction), compiling it first when
 * it is a {@link DeploymentBundle}; appends `deployment.created` to the county's audit chain.
 * Identical content returns the existing version (`created: false`) and, unless `activate: false`,
 * makes it the active one again. Coded errors: `STORE_ERR_DEPLOYMENT_INVALID`,
 * `STORE_ERR_DEPLOYMENT_MISSING_FORM`, `STORE_ERR_PILOT_NOT_FOUND`, `STORE_ERR_COUNTY_NOT_FOUND`.
 *
 * @example
 * ```ts
 * const d = await deploy(store.db, { countyId: 'huian', pilotId: 'main', bundle: { processes: { 'p.bpmn': xml }, forms } });
 * // d.deploymentId = sha256 of the canonical bundle; d.version = 1, 2, …
 * const v = await validateBundle(bundleFromFiles(files)); // @shidian/pilot
 * await deploy(store.db, { countyId, pilotId, pilot: { name }, bundle: { files, manifest: v.bundle.manifest, graphs: [...v.bundle.graphs.values()], forms } });
 * ```
 */
export async function deploy(db: Kysely<Database>, input: DeployInput): Promise<DeployResult> {
  const source = input.bundle;
  let graphs: readonly ProcessGraph[];
  let forms: Readonly<Record<string, unknown>>;
  let deploymentId: string;
  let stored: StoredBundle;
  if (isCompiled(source)) {
    graphs = checkGraphs(source.graphs);
    forms = source.forms ?? {};
    stored = storedBundleOf({ files: source.files, manifest: source.manifest });
    deploymentId = deploymentIdOfFiles(stored.files);
  } else {
    graphs = await compileBundle(source);
    forms = source.forms ?? {};
    stored = storedBundleOf(source);
    deploymentId = deploymentIdOf(source);
  }
  const processIds = graphs.map((g) => g.id).sort();
  const now = input.now ?? new Date();
  return db.transaction().execute(async (trx) => {
    if (input.pilot !== undefined) await upsertPilot(trx, input.countyId, input.pilotId, input.pilot, now);
    const pilot = await trx
      .selectFrom('pilots')
      .select('pilot_id')
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
    const version = Number(max?.v ?? 0) + 1;
    await trx
      .insertInto('deployments')
      .values({
        county_id: input.countyId,
        deployment_id: deploymentId,
        pilot_id: input.pilotId,
        version,
        bundle: json(stored),
        created_by: input.createdBy ?? null,
        created_at: now,
      })
      .execute();
    if (graphs.length > 0) {
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
    }
    const formRows = Object.entries(forms);
    if (formRows.length > 0) {
      await trx
        .insertInto('deployment_forms')
        .values(
          formRows.map(([formId, schema]) => ({
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
      payload: {
        deploymentId,
        pilotId: input.pilotId,
        version,
        processIds,
        ...(input.warnings === undefined ? {} : { warnings: input.warnings }),
      },
    });
    return { deploymentId, version, created: true, processIds };
  });
}

/** Graphs compiled by the caller: an array of graphs with unique ids. */
function checkGraphs(graphs: readonly ProcessGraph[]): readonly ProcessGraph[] {
  if (!Array.isArray(graphs))
    throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', { reason: 'graphs is not a list' });
  const seen = new Set<string>();
  for (const g of graphs) {
    if (typeof g !== 'object' || g === null || typeof g.id !== 'string' || typeof g.nodes !== 'object')
      throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', { reason: 'not a compiled process graph' });
    if (seen.has(g.id))
      throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', {
        reason: 'duplicate process id',
        processId: g.id,
      });
    seen.add(g.id);
  }
  return graphs;
}

async function upsertPilot(
  db: Kysely<Database>,
  countyId: string,
  pilotId: string,
  pilot: { readonly name: string; readonly description?: string },
  now: Date,
): Promise<void> {
  const description = pilot.description ?? '';
  try {
    await db
      .insertInto('pilots')
      .values({ county_id: countyId, pilot_id: pilotId, name: pilot.name, description, created_at: now })
      .onConflict((oc) =>
        oc.columns(['county_id', 'pilot_id']).doUpdateSet({ name: pilot.name, description }),
      )
      .execute();
  } catch (e) {
    if (sqlState(e) === '23503')
      throw new StoreError('STORE_ERR_COUNTY_NOT_FOUND', { countyId }, { cause: e });
    throw e;
  }
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

/**
 * A deployment row with its bundle read as a {@link StoredBundle} (whichever shape the row was
 * written in), or `STORE_ERR_DEPLOYMENT_NOT_FOUND` (also for another county's).
 */
export async function getDeployment(
  db: Kysely<Database>,
  countyId: string,
  deploymentId: string,
): Promise<Deployment & { readonly bundle: StoredBundle }> {
  const d = await db
    .selectFrom('deployments')
    .selectAll()
    .where('county_id', '=', countyId)
    .where('deployment_id', '=', deploymentId)
    .executeTakeFirst();
  if (d === undefined) throw new StoreError('STORE_ERR_DEPLOYMENT_NOT_FOUND', { countyId, deploymentId });
  return { ...d, bundle: storedBundleOf(d.bundle) };
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
