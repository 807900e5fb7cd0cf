/**
 * Test harness, exported as `@shidian/store/testing`: a fresh, migrated, isolated database per
 * call, on PGlite when `DATABASE_URL` is unset, on that PostgreSQL server when it is set.
 *
 * - PGlite: the migrated template is built once (and cached on disk under the OS temp dir,
 *   keyed by the migrations and the PGlite version), then each store loads a copy of it
 *   (0.3–1 s instead of 2–5 s for a fresh instance).
 * - PostgreSQL: each store gets a fresh schema `t_…` in the `DATABASE_URL` database (its pool
 *   uses it as `search_path`), dropped on `close()`.
 *
 * @example
 * ```ts
 * import { createTestStore } from '@shidian/store/testing';
 * let store: Store;
 * beforeAll(async () => { store = await createTestStore(); });
 * afterAll(() => store.close());
 * ```
 */
import { createHash, randomBytes } from 'node:crypto';
import { readFileSync, readdirSync, renameSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { PGlite } from '@electric-sql/pglite';
import pg from 'pg';
import { openStore } from './open-store.js';
import type { Store } from './store.js';

/** Options of {@link createTestStore}. */
export interface TestStoreOptions {
  /** PostgreSQL only: pool size (default 4). */
  readonly poolSize?: number;
}

/** The PostgreSQL URL tests run against, or `undefined` for PGlite. */
export function testDatabaseUrl(): string | undefined {
  const url = process.env['DATABASE_URL'];
  return url === undefined || url === '' ? undefined : url;
}

/** True when tests run against a real PostgreSQL server (concurrency tests need it). */
export const onPostgres: boolean = testDatabaseUrl() !== undefined;

/** Reason printed by concurrency tests skipped on PGlite. */
export const PGLITE_SKIP_REASON =
  'needs real PostgreSQL: PGlite has a single connection, so concurrent transactions cannot race (set DATABASE_URL)';

let template: Promise<Blob> | undefined;
const instances = new WeakMap<Store, PGlite>();

/** The PGlite instance behind a test store made on PGlite (to dump its data directory). */
export function pgliteOf(store: Store): PGlite {
  const p = instances.get(store);
  if (p === undefined) throw new TypeError('not a PGlite test store');
  return p;
}

function templateKey(): string {
  const here = dirname(fileURLToPath(import.meta.url));
  const h = createHash('sha256');
  const dir = join(here, 'migrations');
  for (const f of readdirSync(dir).sort()) h.update(f).update(readFileSync(join(dir, f)));
  const pgliteVersion = (
    JSON.parse(
      readFileSync(join(here, '..', 'node_modules', '@electric-sql', 'pglite', 'package.json'), 'utf8'),
    ) as { version: string }
  ).version;
  h.update(pgliteVersion);
  return h.digest('hex').slice(0, 16);
}

async function buildTemplate(): Promise<Blob> {
  const file = join(tmpdir(), `shidian-store-template-${templateKey()}.tar`);
  try {
    return new Blob([readFileSync(file)]);
  } catch {
    // not cached yet
  }
  const pglite = await PGlite.create();
  const store = await openStore({ pglite });
  const dump = await pglite.dumpDataDir('none');
  await store.close();
  const bytes = new Uint8Array(await dump.arrayBuffer());
  const tmp = `${file}.${process.pid}.${randomBytes(4).toString('hex')}`;
  writeFileSync(tmp, bytes);
  renameSync(tmp, file); // atomic: concurrent test files never read a half-written template
  return new Blob([bytes]);
}

/**
 * A fresh, migrated, isolated store. Close it when done (drops the scratch schema on PostgreSQL).
 */
export async function createTestStore(options: TestStoreOptions = {}): Promise<Store> {
  const url = testDatabaseUrl();
  if (url === undefined) {
    template ??= buildTemplate();
    const pglite = await PGlite.create({ loadDataDir: await template });
    const store = await openStore({ pglite, migrate: false });
    instances.set(store, pglite);
    return store;
  }
  const schema = `t_${process.pid}_${randomBytes(6).toString('hex')}`;
  const admin = new pg.Client({ connectionString: url });
  await admin.connect();
  try {
    await admin.query(`CREATE SCHEMA ${schema}`);
  } finally {
    await admin.end();
  }
  return openStore({
    databaseUrl: url,
    schema,
    poolSize: options.poolSize ?? 4,
    afterClose: async () => {
      const c = new pg.Client({ connectionString: url });
      await c.connect();
      try {
        await c.query(`DROP SCHEMA IF EXISTS ${schema} CASCADE`);
      } finally {
        await c.end();
      }
    },
  });
}
