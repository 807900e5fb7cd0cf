/**
 * Deploying a pilot bundle from the API: validate it with `@shidian/pilot` (any error-severity
 * problem blocks the deploy), complete it with the platform files it names (`@shidian/schemas/…`,
 * `@shidian/processes/…`) so the stored deployment never changes when the platform does, check that
 * the manifest names the pilot of the URL, and hand the files with the graphs and forms validation
 * approved (stage map applied) to the store's `deploy()`, which addresses them by content, stores
 * them as the pilot's next version and appends `deployment.created` to the county's audit chain.
 * Deploying identical content again returns the existing deployment (`created: false`).
 *
 * @example
 * ```ts
 * const r = await deployBundle(store.db, { countyId: 'huian', pilotId: 'qingshan', files, userId, now: new Date() });
 * if (!r.ok) console.log(r.problems); else console.log(r.deploymentId, r.version);
 * ```
 */
import type { Kysely } from 'kysely';
import { deploy, syncStartTimers, type Database } from '@shidian/store';
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
  const forms: Record<string, unknown> = {};
  for (const f of validated.manifest.forms) {
    const text = files[f.file];
    if (text !== undefined) forms[f.id] = JSON.parse(text) as unknown;
  }
  const r = await deploy(db, {
    countyId: input.countyId,
    pilotId: input.pilotId,
    pilot: {
      name: validated.manifest.name.zh ?? validated.manifest.id,
      description: validated.manifest.description?.zh ?? '',
    },
    bundle: { files, manifest: validated.manifest, graphs: [...validated.graphs.values()], forms },
    createdBy: input.userId,
    now: input.now,
    warnings: problems.length,
  });
  // arm the new deployment's timer start events now rather than at the timer worker's next poll;
  // the deploy itself has committed, so a failure here is left to that poll to retry
  await syncStartTimers(db, input.now).catch(() => undefined);
  return { ok: true, deploymentId: r.deploymentId, version: r.version, created: r.created, problems };
}
