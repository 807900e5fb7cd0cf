/**
 * Test fixtures for the server's own tests (not exported from the package): a fresh migrated store
 * (`createTestStore()`: PGlite, or PostgreSQL in a schema of its own when `DATABASE_URL` is set), the app on
 * top of it, and a small world of two counties of one province, a county of another province, and
 * users for every role.
 *
 * @example
 * ```ts
 * const t = await startTestApp();
 * const res = await t.app.inject({ method: 'GET', url: '/api/me', headers: t.auth('huian.registrar') });
 * await t.close();
 * ```
 */
import type { FastifyInstance, InjectOptions, LightMyRequestResponse } from 'fastify';
import type { Store } from '@shidian/store';
import { createTestStore } from '@shidian/store/testing';
import { buildApp, type BuildAppOptions } from './app.js';
import { hashPassword, type ScryptCost } from './password.js';
import type { Role } from './access.js';

/** Cheap scrypt cost for fixtures only. */
export const TEST_COST: ScryptCost = { log2N: 10, r: 8, p: 1 };
/** Password of every fixture user. */
export const TEST_PASSWORD = 'Test-Passw0rd!';

/** Fixture users: username → grants (county, unit, role). */
export const TEST_USERS: Readonly<Record<string, readonly { county: string; unit?: string; role: Role }[]>> =
  {
    'huian.registrar': [{ county: 'huian', unit: 'xfj', role: 'registrar' }],
    'huian.handler': [{ county: 'huian', unit: 'xfj', role: 'handler' }],
    'huian.reviewer': [{ county: 'huian', unit: 'xfj', role: 'reviewer' }],
    'huian.leader': [{ county: 'huian', role: 'leader' }],
    'huian.supervisor': [{ county: 'huian', role: 'supervisor' }],
    'huian.admin': [{ county: 'huian', role: 'pilot-admin' }],
    'anxi.registrar': [{ county: 'anxi', unit: 'xfj', role: 'registrar' }],
    'anxi.admin': [{ county: 'anxi', role: 'pilot-admin' }],
    'fj.reader': [{ county: 'fj', role: 'province_reader' }],
    'zj.reader': [{ county: 'zj', role: 'province_reader' }],
    lonely: [],
  };

/** A running test app with helpers. */
export interface TestApp {
  readonly app: FastifyInstance;
  readonly store: Store;
  /** Bearer token per fixture username (logged in lazily). */
  token(username: string): Promise<string>;
  /** Headers with a bearer token for `username`. */
  auth(username: string): Promise<Record<string, string>>;
  /** Shorthand for `app.inject` as `username` (or anonymous when null). */
  as(username: string | null, opts: InjectOptions): Promise<LightMyRequestResponse>;
  /** User id of a fixture user. */
  userId(username: string): string;
  close(): Promise<void>;
}

async function openTestStore(): Promise<{ store: Store; drop: () => Promise<void> }> {
  // The store's harness: PGlite from a cached migrated template, or a fresh schema on DATABASE_URL.
  const store = await createTestStore();
  return { store, drop: async () => {} };
}

/** Seeds the fixture world into a store. */
export async function seedWorld(store: Store): Promise<Map<string, string>> {
  await store.counties.create({ countyId: 'fj', name: '福建省', shortName: '闽', kind: 'province' });
  await store.counties.create({ countyId: 'zj', name: '浙江省', shortName: '浙', kind: 'province' });
  await store.counties.create({ countyId: 'huian', name: '惠安县', shortName: '惠安', parentId: 'fj' });
  await store.counties.create({ countyId: 'anxi', name: '安溪县', shortName: '安溪', parentId: 'fj' });
  await store.counties.create({ countyId: 'yiwu', name: '义乌市', shortName: '义乌', parentId: 'zj' });
  for (const c of ['huian', 'anxi', 'yiwu'])
    await store.units.create({ countyId: c, unitId: 'xfj', name: '信访局', kind: 'petition-bureau' });
  const hash = await hashPassword(TEST_PASSWORD, TEST_COST);
  const ids = new Map<string, string>();
  for (const [username, grants] of Object.entries(TEST_USERS)) {
    const home = grants[0]?.county ?? 'huian';
    const u = await store.users.create({
      countyId: home,
      username,
      displayName: username,
      passwordHash: hash,
    });
    ids.set(username, u.user_id);
    for (const g of grants)
      await store.memberships.grant({
        countyId: g.county,
        userId: u.user_id,
        unitId: g.unit ?? null,
        role: g.role,
      });
  }
  const d = await store.users.create({
    countyId: 'huian',
    username: 'huian.gone',
    displayName: 'gone',
    passwordHash: hash,
  });
  await store.memberships.grant({ countyId: 'huian', userId: d.user_id, role: 'registrar' });
  await store.users.disable(d.user_id);
  ids.set('huian.gone', d.user_id);
  return ids;
}

/** Starts an app on a fresh seeded store. */
export async function startTestApp(options: Partial<BuildAppOptions> = {}): Promise<TestApp> {
  const { store, drop } = await openTestStore();
  const ids = await seedWorld(store);
  const app = await buildApp({
    store,
    cookieSecure: true,
    loginRateLimit: { max: 10_000, timeWindowMs: 60_000 },
    passwordCost: TEST_COST,
    ...options,
  });
  const tokens = new Map<string, string>();
  const token = async (username: string): Promise<string> => {
    const known = tokens.get(username);
    if (known !== undefined) return known;
    const res = await app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: { username, password: TEST_PASSWORD },
    });
    if (res.statusCode !== 200) throw new Error(`login ${username}: ${res.statusCode} ${res.body}`);
    const t = (res.json() as { token: string }).token;
    tokens.set(username, t);
    return t;
  };
  const auth = async (username: string) => ({ authorization: `Bearer ${await token(username)}` });
  return {
    app,
    store,
    token,
    auth,
    async as(username, opts) {
      const headers = { ...(opts.headers ?? {}), ...(username === null ? {} : await auth(username)) };
      return app.inject({ ...opts, headers });
    },
    userId(username) {
      const id = ids.get(username);
      if (id === undefined) throw new Error(`no fixture user ${username}`);
      return id;
    },
    async close() {
      await app.close();
      await store.close();
      await drop();
    },
  };
}
