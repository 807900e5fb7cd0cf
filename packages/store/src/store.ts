/**
 * The `Store`: one database (PostgreSQL or PGlite) with its repositories.
 */
import type { Kysely } from 'kysely';
import { runMigrations, type MigrationReport } from './migrate.js';
import { CountyRepository } from './repositories/counties.js';
import { MembershipRepository } from './repositories/memberships.js';
import { SessionRepository } from './repositories/sessions.js';
import { UnitRepository } from './repositories/units.js';
import { UserRepository } from './repositories/users.js';
import type { Database } from './schema.js';

/** Which engine is behind a store. */
export type StoreDialect = 'postgres' | 'pglite';

/**
 * An open database with typed access (`db`) and repositories. Create it with `openStore()`.
 *
 * @example
 * ```ts
 * const store = await openStore();              // PGlite under .data/pglite, migrated
 * const c = await store.counties.get('huian');
 * await store.close();
 * ```
 */
export class Store {
  readonly counties: CountyRepository;
  readonly units: UnitRepository;
  readonly users: UserRepository;
  readonly memberships: MembershipRepository;
  readonly sessions: SessionRepository;
  #closed = false;

  constructor(
    /** Typed query builder over the whole database. */
    readonly db: Kysely<Database>,
    /** `postgres` (pg Pool) or `pglite` (embedded, one connection). */
    readonly dialect: StoreDialect,
    /** The schema the tables live in (`public` unless a test harness chose one). */
    readonly schema: string,
    private readonly onClose: () => Promise<void>,
  ) {
    this.counties = new CountyRepository(db);
    this.units = new UnitRepository(db);
    this.users = new UserRepository(db);
    this.memberships = new MembershipRepository(db);
    this.sessions = new SessionRepository(db);
  }

  /** Applies pending migrations; returns what was applied. Safe to call repeatedly and concurrently. */
  migrate(): Promise<MigrationReport> {
    return runMigrations(this.db as Kysely<unknown>, this.schema);
  }

  /** True once {@link close} has been called. */
  get closed(): boolean {
    return this.#closed;
  }

  /** Closes the pool or the embedded database and releases the data-dir lock. Idempotent. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    await this.onClose();
  }
}
