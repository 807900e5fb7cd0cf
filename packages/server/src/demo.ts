/**
 * The demo world `pnpm start` (`shidian serve --demo`) runs on: a province `demo` (示范省), one
 * county per example bundle under `examples/` (county id = pilot id) with the bundle's units, a
 * user per role, a province reader, the example pilots deployed, and (given the app) a few demo cases
 * registered through `POST /api/cases`. Seeding is
 * done once: a database that already has the `demo` province is left as it is.
 *
 * Demo accounts share {@link DEMO_PASSWORD}; never run `--demo` against a production database.
 *
 * @example
 * ```ts
 * const summary = await seedDemo(store);
 * console.log(summary.users.map((u) => u.username));
 * ```
 */
import { existsSync, readdirSync } from 'node:fs';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import type { Store } from '@shidian/store';
import { loadBundle, PLATFORM_ROOT, validateBundle, type PilotUnit } from '@shidian/pilot';
import { deployBundle } from './deployments.js';
import { hashPassword } from './password.js';
import { seedDemoCases } from './demo-cases.js';

/** Password of every demo account. */
export const DEMO_PASSWORD = 'shidian-demo-2026';
/** Id of the demo province. */
export const DEMO_PROVINCE = 'demo';

/** Staff roles every demo county gets a user for (`<county>.<role>`; `pilot-admin` → `<county>.admin`). */
const DEMO_ROLES = ['registrar', 'handler', 'reviewer', 'leader', 'supervisor', 'pilot-admin'] as const;

/** What {@link seedDemo} reports. */
export interface DemoSummary {
  readonly seeded: boolean;
  readonly users: ReadonlyArray<{
    readonly username: string;
    readonly countyId: string | null;
    readonly roles: readonly string[];
  }>;
  readonly pilots: ReadonlyArray<{
    readonly countyId: string;
    readonly pilotId: string;
    readonly version: number;
  }>;
  readonly cases: number;
}

function countyNames(pilotName: string, id: string): { name: string; short: string } {
  const m = /^(.+?)(县|区|市)/.exec(pilotName);
  if (m?.[1] !== undefined && m[2] !== undefined) return { name: m[1] + m[2], short: m[1] };
  const short = pilotName.slice(0, 2) || id;
  return { name: `${short}县`, short };
}

/** The example bundles under `examples/` that validate, by directory name. */
export function exampleDirs(root: string = join(PLATFORM_ROOT, 'examples')): string[] {
  if (!existsSync(root)) return [];
  return readdirSync(root, { withFileTypes: true })
    .filter((d) => d.isDirectory() && !d.name.startsWith('.'))
    .map((d) => d.name)
    .sort();
}

/** Seeds the demo world once (see the module docs). */
export async function seedDemo(
  store: Store,
  options: { log?: (message: string) => void; examplesRoot?: string; app?: FastifyInstance } = {},
): Promise<DemoSummary> {
  const log = options.log ?? (() => {});
  const already = await store.counties.find(DEMO_PROVINCE);
  if (already === undefined) {
    await seed(store, log, options.examplesRoot, options.app);
  } else {
    log('demo data already present; not seeding again');
  }
  return summarize(store, already === undefined);
}

async function seed(
  store: Store,
  log: (m: string) => void,
  examplesRoot: string | undefined,
  app: FastifyInstance | undefined,
): Promise<void> {
  await store.counties.create({
    countyId: DEMO_PROVINCE,
    name: '示范省',
    shortName: '示范',
    kind: 'province',
  });
  const hash = await hashPassword(DEMO_PASSWORD);
  const reader = await store.users.create({
    countyId: DEMO_PROVINCE,
    username: 'province.reader',
    displayName: '省信联办（只读）',
    passwordHash: hash,
  });
  await store.memberships.grant({ countyId: DEMO_PROVINCE, userId: reader.user_id, role: 'province_reader' });
  const root = examplesRoot ?? join(PLATFORM_ROOT, 'examples');
  for (const dir of exampleDirs(root)) {
    const bundle = loadBundle(join(root, dir));
    const report = await validateBundle(bundle);
    if (!report.ok || report.bundle === undefined) {
      log(
        `example ${dir} does not validate; skipped (${report.problems.filter((p) => p.severity === 'error').length} errors)`,
      );
      continue;
    }
    const manifest = report.bundle.manifest;
    const countyId = manifest.id;
    const names = countyNames(manifest.name.zh ?? countyId, countyId);
    await store.counties.create({
      countyId,
      name: names.name,
      shortName: names.short,
      parentId: DEMO_PROVINCE,
    });
    const addUnits = async (units: readonly PilotUnit[], parent: string | null): Promise<void> => {
      for (const u of units) {
        await store.units.create({
          countyId,
          unitId: u.id,
          name: u.name.zh ?? u.id,
          parentUnitId: parent,
          kind: u.kind,
        });
        if (u.children !== undefined) await addUnits(u.children, u.id);
      }
    };
    await addUnits(manifest.units, null);
    for (const role of DEMO_ROLES) {
      const username = `${countyId}.${role === 'pilot-admin' ? 'admin' : role}`;
      const u = await store.users.create({
        countyId,
        username,
        displayName: `${names.short}${roleLabel(role)}`,
        passwordHash: hash,
      });
      await store.memberships.grant({ countyId, userId: u.user_id, role });
    }
    // One account holding every role the pilot defines, to walk a case through all its steps.
    const staff = await store.users.create({
      countyId,
      username: `${countyId}.staff`,
      displayName: `${names.short}全岗位演示账号`,
      passwordHash: hash,
    });
    for (const r of manifest.roles)
      await store.memberships.grant({ countyId, userId: staff.user_id, role: r.id });
    const deployed = await deployBundle(store.db, {
      countyId,
      pilotId: manifest.id,
      files: Object.fromEntries(bundle.files),
      userId: null,
      now: new Date(),
    });
    if (!deployed.ok) {
      log(`example ${dir} failed to deploy`);
      continue;
    }
    const cases =
      app === undefined
        ? 0
        : await seedDemoCases(app, {
            countyId,
            pilotId: manifest.id,
            division: manifest.division,
            password: DEMO_PASSWORD,
          });
    log(`demo county ${countyId}: pilot ${manifest.id} v${deployed.version}, ${cases} demo cases`);
  }
}

function roleLabel(role: string): string {
  const labels: Record<string, string> = {
    registrar: '登记员',
    handler: '承办人',
    reviewer: '审核人',
    leader: '分管领导',
    supervisor: '督查员',
    'pilot-admin': '试点管理员',
  };
  return labels[role] ?? role;
}

async function summarize(store: Store, seeded: boolean): Promise<DemoSummary> {
  const counties = await store.counties.list({ parentId: DEMO_PROVINCE });
  const ids = counties.map((c) => c.county_id);
  const users: Array<{ username: string; countyId: string | null; roles: string[] }> = [
    { username: 'province.reader', countyId: DEMO_PROVINCE, roles: ['province_reader'] },
  ];
  if (ids.length > 0) {
    const rows = await store.db
      .selectFrom('users as u')
      .innerJoin('memberships as m', 'm.user_id', 'u.user_id')
      .select(['u.username', 'm.county_id', 'm.role'])
      .where('u.county_id', 'in', ids)
      .orderBy('m.county_id')
      .orderBy('u.username')
      .orderBy('m.role')
      .execute();
    const byUser = new Map<string, { username: string; countyId: string; roles: string[] }>();
    for (const r of rows) {
      const u = byUser.get(r.username) ?? { username: r.username, countyId: r.county_id, roles: [] };
      u.roles.push(r.role);
      byUser.set(r.username, u);
    }
    users.push(...byUser.values());
  }
  const pilots =
    ids.length === 0
      ? []
      : await store.db
          .selectFrom('pilots as p')
          .innerJoin('deployments as d', (j) =>
            j
              .onRef('d.county_id', '=', 'p.county_id')
              .onRef('d.deployment_id', '=', 'p.active_deployment_id'),
          )
          .select(['p.county_id', 'p.pilot_id', 'd.version'])
          .where('p.county_id', 'in', ids)
          .orderBy('p.county_id')
          .execute();
  const cases =
    ids.length === 0
      ? { n: 0 }
      : await store.db
          .selectFrom('cases')
          .select((eb) => eb.fn.countAll<string>().as('n'))
          .where('county_id', 'in', ids)
          .executeTakeFirstOrThrow();
  return {
    seeded,
    users,
    pilots: pilots.map((p) => ({ countyId: p.county_id, pilotId: p.pilot_id, version: p.version })),
    cases: Number(cases.n),
  };
}
