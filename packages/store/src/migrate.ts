/**
 * Runs the numbered migrations with kysely's `Migrator` (forward-only; an unknown applied
 * migration — a database newer than this code — is an error).
 */
import type { Kysely } from 'kysely';
import { Migrator } from 'kysely/migration';
import { StoreError } from './errors.js';
import { migrations } from './migrations/index.js';

/** Outcome of {@link runMigrations}: names applied now, and every name applied overall. */
export interface MigrationReport {
  readonly applied: readonly string[];
  readonly all: readonly string[];
}

/**
 * Applies every pending migration in order, inside kysely's migration lock.
 *
 * @example
 * ```ts
 * const { applied } = await runMigrations(db, 'public'); // ['0001-initial'] on a fresh database
 * ```
 */
export async function runMigrations(db: Kysely<unknown>, schema: string): Promise<MigrationReport> {
  const migrator = new Migrator({
    db,
    provider: { getMigrations: () => Promise.resolve({ ...migrations }) },
    migrationTableSchema: schema,
  });
  const { error, results } = await migrator.migrateToLatest();
  if (error !== undefined) {
    const failed = results?.find((r) => r.status === 'Error')?.migrationName;
    throw new StoreError('STORE_ERR_MIGRATION_FAILED', { migration: failed }, { cause: error });
  }
  const all = (await migrator.getMigrations()).filter((m) => m.executedAt !== undefined).map((m) => m.name);
  return { applied: (results ?? []).filter((r) => r.status === 'Success').map((r) => r.migrationName), all };
}
