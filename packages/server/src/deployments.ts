/**
 * Deploying a pilot bundle: validate it with `@shidian/pilot` (any error-severity problem blocks
 * the deploy), complete it with the platform files it names (`@shidian/schemas/…`,
 * `@shidian/processes/…`) so the stored deployment never changes when the platform does, address it
 * by content (sha256 of the canonical file list), and store it with its compiled process graphs and
 * form schemas as the pilot's next version, in one transaction. Deploying identical content again
 * returns the existing deployment (`created: false`).
 *
 * Written in the server against the store's `Database` types rather than with the store's
 * `deploy()`: that one recompiles the BPMN files on their own, without the manifest's stage map and
 * platform files that `validateBundle` applies, so the graphs stored here are the ones validation
 * approved. Like `deploy()`, it appends `deployment.created` to the county's audit chain.
 *
 * @example
 * ```ts
 * const r = await deployBundle(store.db, { countyId: 'huian', pilotId: 'qingshan', files, userId, now: new Date() });
 * if (!r.ok) console.log(r.problems); else console.log(r.deploymentId, r.version);
 * ```
 */
import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { appendCountyAudit, json, type Database } from '@shidian/store';
import { bundleFromFiles, readPlatformFile, validateBundle, type Problem } from '@shidian/pilot';

/** Input of {@link deployBundle}. */
export interface DeployInput {
  readonly countyId: string;
  readonly pilotId: string;
  /** path → content, as sent by the client. */
  readonly files: Readonly<Record<string, string>>;
  readonly userId: string | null;
  readonly now: Date;
}

/** Result of {@link deployBundle}. */
export type DeployResult =
  | {
      readonly ok: true;
      readonly deploymentId: string;
      readonly version: number;
      readonly created: boolean;
      readonly problems: readonly Problem[];
    }
  | { readonly ok: false; readonly problems: readonly Problem[] };

/** What a deployment row's `bundle` column holds. */
export interface StoredBundle {
  readonly files: Readonly<Record<string, string>>;
  readonly manifest: unknown;
}

const PLATFORM_REF = /@shidian\/(?:schemas|processes)\/[A-Za-z0-9_./-]+/g;

/** Adds the platform files a bundle names but does not carry (transitively through JSON `$ref`s is left to the validator). */
export function withPlatformFiles(files: Readonly<Record<string, string>>): Record<string, string> {
  const out: Record<string, string> = Object.create(null) as Record<string, string>;
  for (const [k, v] of Object.entries(files)) out[k] = v;
  const manifest = ['pilot.yaml', 'pilot.yml', 'pilot.json'].map((m) => out[m]).find((t) => t !== undefined);
  if (manifest === undefined) return out;
  for (const ref of new Set(manifest.match(PLATFORM_REF) ?? [])) {
    if (out[ref] !== undefined) continue;
    const text = readPlatformFile(ref);
    if (text !== undefined) out[ref] = text;
  }
  return out;
}

/** sha256 of the canonical form of a file map (paths sorted, JSON-encoded pairs). */
export function contentAddress(files: Readonly<Record<string, string>>): string {
  const pairs = Object.keys(files)
    .sort()
    .map((k) => [k, files[k]]);
  return createHash('sha256').update(JSON.stringify(pairs)).digest('hex');
}

/** Validates and stores a bundle (see the module docs). */
export async function deployBundle(db: Kysely<Database>, input: DeployInput): Promise<DeployResult> {
  const files = withPlatformFiles(input.files);
  const report = await validateBundle(bundleFromFiles(files));
  const problems = report.problems;
  if (!report.ok || report.bundle === undefined) return { ok: false, problems };
  const validated = report.bundle;
  if (validated.manifest.id !== input.pilotId) {
    return {
      ok: false,
      problems: [
        ...problems,
        {
          code: 'PILOT_ERR_MANIFEST_SCHEMA',
          severity: 'error',
          file: report.manifestFile ?? 'pilot.yaml',
          element: '/id',
          message: {
            zh: `清单中的试点标识 ${validated.manifest.id} 与地址中的 ${input.pilotId} 不一致`,
            en: `The manifest id ${validated.manifest.id} differs from the pilot id ${input.pilotId} in the URL`,
          },
        } as Problem,
      ],
    };
  }
  const deploymentId = contentAddress(files);
  const forms: Array<{ id: string; schema: unknown }> = [];
  for (const f of validated.manifest.forms) {
    const text = files[f.file];
    if (text !== undefined) forms.push({ id: f.id, schema: JSON.parse(text) as unknown });
  }
  const name = validated.manifest.name.zh ?? validated.manifest.id;
  const description = validated.manifest.description?.zh ?? '';
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('pilots')
      .values({
        county_id: input.countyId,
        pilot_id: input.pilotId,
        name,
        description,
        created_at: input.now,
      })
      .onConflict((oc) => oc.columns(['county_id', 'pilot_id']).doUpdateSet({ name, description }))
      .execute();
    // Serialise deployments of one pilot: lock its row.
    await sql`SELECT 1 FROM pilots WHERE county_id = ${input.countyId} AND pilot_id = ${input.pilotId} FOR UPDATE`.execute(
      trx,
    );
    const existing = await trx
      .selectFrom('deployments')
      .select(['deployment_id', 'version', 'pilot_id'])
      .where('county_id', '=', input.countyId)
      .where('deployment_id', '=', deploymentId)
      .executeTakeFirst();
    if (existing !== undefined && existing.pilot_id === input.pilotId) {
      return { ok: true as const, deploymentId, version: existing.version, created: false, problems };
    }
    const last = await trx
      .selectFrom('deployments')
      .select((eb) => eb.fn.max('version').as('v'))
      .where('county_id', '=', input.countyId)
      .where('pilot_id', '=', input.pilotId)
      .executeTakeFirst();
    const version = Number(last?.v ?? 0) + 1;
    const stored: StoredBundle = { files, manifest: validated.manifest };
    await trx
      .insertInto('deployments')
      .values({
        county_id: input.countyId,
        deployment_id: deploymentId,
        pilot_id: input.pilotId,
        version,
        bundle: json(stored),
        created_by: input.userId,
        created_at: input.now,
      })
      .execute();
    const graphs = [...validated.graphs];
    if (graphs.length > 0) {
      await trx
        .insertInto('deployment_processes')
        .values(
          graphs.map(([processId, graph]) => ({
            county_id: input.countyId,
            deployment_id: deploymentId,
            process_id: processId,
            graph: json(graph),
          })),
        )
        .execute();
    }
    if (forms.length > 0) {
      await trx
        .insertInto('deployment_forms')
        .values(
          forms.map((f) => ({
            county_id: input.countyId,
            deployment_id: deploymentId,
            form_id: f.id,
            schema: json(f.schema),
          })),
        )
        .execute();
    }
    await trx
      .updateTable('pilots')
      .set({ active_deployment_id: deploymentId })
      .where('county_id', '=', input.countyId)
      .where('pilot_id', '=', input.pilotId)
      .execute();
    // The county's audit chain records every deployment (as the store's own `deploy` does).
    await appendCountyAudit(trx, input.countyId, {
      at: input.now,
      actorId: input.userId,
      actorKind: input.userId === null ? 'system' : 'user',
      stage: null,
      kind: 'deployment.created',
      payload: {
        deploymentId,
        pilotId: input.pilotId,
        version,
        processIds: graphs.map(([id]) => id).sort(),
        warnings: problems.length,
      },
    });
    return { ok: true as const, deploymentId, version, created: true, problems };
  });
}
