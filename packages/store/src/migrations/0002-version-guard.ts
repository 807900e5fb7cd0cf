/**
 * Migration 0002: `shidian_version_conflict()`, raised by the command runtime's single write
 * statement when the case row is no longer at the version the command was computed from, so
 * that every data-modifying CTE of that statement is rolled back with it (SQLSTATE `SD409`).
 * Plain SQL valid on PostgreSQL 15 and PGlite. Forward-only: there is no `down`.
 */
import { sql, type Kysely } from 'kysely';

/** Applies migration 0002. */
export async function up(db: Kysely<unknown>): Promise<void> {
  await sql
    .raw(
      `CREATE FUNCTION shidian_version_conflict() RETURNS integer LANGUAGE plpgsql VOLATILE AS $fn$
  BEGIN
    RAISE EXCEPTION 'shidian: the case changed concurrently' USING ERRCODE = 'SD409';
  END
  $fn$`,
    )
    .execute(db);
}
