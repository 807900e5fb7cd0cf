/**
 * Opens the database: a PostgreSQL server when `databaseUrl` (or `DATABASE_URL`) is set,
 * otherwise the embedded PGlite under `dataDir` (default `.data/pglite`), guarded by a lock file.
 */
import { PGlite } from '@electric-sql/pglite';
import { Kysely, PGliteDialect, PostgresDialect } from 'kysely';
import pg from 'pg';
import { lockDataDir } from './data-dir-lock.js';
import { preparingPool } from './prepared.js';
import type { Database } from './schema.js';
import { Store } from './store.js';

/** Options of {@link openStore}. */
export interface OpenStoreOptions {
  /** `postgres://…`; defaults to `process.env.DATABASE_URL`. When absent, PGlite is used. */
  readonly databaseUrl?: string;
  /** PGlite data directory (default `.data/pglite`); `memory://` for a throw-away database. */
  readonly dataDir?: string;
  /** Apply pending migrations before returning (default true). */
  readonly migrate?: boolean;
  /** PostgreSQL only: pool size (default 10). */
  readonly poolSize?: number;
  /** PostgreSQL only: schema to use as `search_path` (default `public`). */
  readonly schema?: string;
  /** An already open PGlite instance to use (tests); the store closes it. */
  readonly pglite?: PGlite;
  /** Called after the store has closed (test harnesses drop their scratch schema here). */
  readonly afterClose?: () => Promise<void>;
}

const SCHEMA = /^[a-z_][a-z0-9_]{0,62}$/;

/**
 * Opens (and by default migrates) the database.
 *
 * @example
 * ```ts
 * const store = await openStore();                                  // embedded, .data/pglite
 * const pgStore = await openStore({ databaseUrl: 'postgres://postgres@127.0.0.1:5432/shidian' });
 * ```
 */
export async function openStore(options: OpenStoreOptions = {}): Promise<Store> {
  const url = options.databaseUrl ?? process.env['DATABASE_URL'];
  const schema = options.schema ?? 'public';
  if (!SCHEMA.test(schema)) throw new TypeError(`invalid schema name ${schema}`);
  let store: Store;
  if (options.pglite === undefined && url !== undefined && url !== '') {
    const pool = new pg.Pool({
      connectionString: url,
      max: options.poolSize ?? 10,
      ...(schema === 'public' ? {} : { options: `-c search_path=${schema}` }),
    });
    const db = new Kysely<Database>({ dialect: new PostgresDialect({ pool: preparingPool(pool) }) });
    store = new Store(db, 'postgres', schema, async () => {
      await db.destroy();
      await options.afterClose?.();
    });
  } else {
    const dataDir = options.dataDir ?? '.data/pglite';
    const inMemory = options.pglite !== undefined || dataDir.startsWith('memory://');
    const lock = inMemory ? undefined : lockDataDir(dataDir);
    try {
      const pglite = options.pglite ?? (await PGlite.create(inMemory ? {} : { dataDir }));
      const db = new Kysely<Database>({ dialect: new PGliteDialect({ pglite }) });
      store = new Store(db, 'pglite', 'public', async () => {
        try {
          await db.destroy();
          if (!pglite.closed) await pglite.close();
        } finally {
          lock?.release();
        }
        await options.afterClose?.();
      });
    } catch (e) {
      lock?.release();
      throw e;
    }
  }
  if (options.migrate ?? true) {
    try {
      await store.migrate();
    } catch (e) {
      await store.close();
      throw e;
    }
  }
  return store;
}
