/**
 * Migration 0004: constraints of the command runtime's hot tables that PostgreSQL evaluates in
 * every command's write statement, replaced where the same guarantee costs less.
 *
 * Measured (`pnpm bench store` workload, PostgreSQL 15, CPU of the server backends per task
 * completion): the CHECK constraints cost ~12 % and the foreign keys ~12 % of the server's time.
 * A CHECK constraint is parsed and planned again for every statement that writes its table
 * (`ExecRelCheck` → `stringToNode` → `expression_planner`), and the two hash-format regexes of
 * `audit_events` ran PostgreSQL's regex engine four times per command; each foreign key runs a
 * `SELECT … FOR KEY SHARE` on the parent row after the statement — on the case row that the same
 * statement updates.
 *
 * - Closed value sets (task, case and notice status, candidate kind, actor kind) become enum types:
 *   a value outside the set is still refused by the database (SQLSTATE 22P02 instead of 23514), at
 *   the cost of one catalogue lookup per value.
 * - The hash-format and sequence CHECKs of `audit_events` and the key-length CHECK of
 *   `idempotency_keys` go: the runtime computes those values itself (sha256 hex, seq + 1) and
 *   checks keys before writing (`STORE_ERR_INVALID_INPUT`), and `shidian audit verify` recomputes
 *   every hash and detects gaps — a malformed hash is a broken link there.
 * - The foreign keys from `tasks`, `timers` and `notices` to `cases`, and from `task_candidates` to
 *   `tasks`, go: those rows are only ever written by the runtime's one statement whose
 *   version-guarded update of the case row fails the whole statement unless that case exists (and
 *   is at the version the step ran on); candidates are written in the statement that writes their
 *   task; cases and tasks are never deleted. Foreign keys to counties, deployments, users and blobs
 *   (written by administration, not per command) stay.
 *
 * Partial indexes whose predicate names a converted column are dropped and created again with the
 * same definition (their predicate compares with an enum value now). Plain SQL valid on
 * PostgreSQL 15 and PGlite. Forward-only: there is no `down`.
 */
import { sql, type Kysely } from 'kysely';

const STATEMENTS: readonly string[] = [
  // ── foreign keys of the per-command tables ──────────────────────────────────────────────
  `ALTER TABLE tasks DROP CONSTRAINT tasks_county_id_case_id_fkey`,
  `ALTER TABLE task_candidates DROP CONSTRAINT task_candidates_county_id_task_id_fkey`,
  `ALTER TABLE timers DROP CONSTRAINT timers_county_id_case_id_fkey`,
  `ALTER TABLE notices DROP CONSTRAINT notices_county_id_case_id_fkey`,

  // ── closed value sets as enum types ──────────────────────────────────────────────────────
  `CREATE TYPE shidian_task_status AS ENUM ('open', 'completed', 'cancelled')`,
  `CREATE TYPE shidian_case_status AS ENUM ('active', 'completed', 'terminated', 'cancelled')`,
  `CREATE TYPE shidian_notice_status AS ENUM ('pending', 'issued', 'delivered', 'cancelled')`,
  `CREATE TYPE shidian_candidate_kind AS ENUM ('user', 'group')`,
  `CREATE TYPE shidian_actor_kind AS ENUM ('user', 'system')`,

  `DROP INDEX tasks_open_due`,
  `DROP INDEX tasks_open_created`,
  `DROP INDEX tasks_open_priority`,
  `DROP INDEX tasks_open_assignee`,
  `DROP INDEX tasks_open_case_number`,
  `ALTER TABLE tasks DROP CONSTRAINT tasks_status_check,
     ALTER COLUMN status DROP DEFAULT,
     ALTER COLUMN status TYPE shidian_task_status USING status::shidian_task_status,
     ALTER COLUMN status SET DEFAULT 'open'`,
  // (as in 0001)
  `CREATE INDEX tasks_open_due ON tasks (county_id, (coalesce(due_at, 'infinity')), task_id) WHERE status = 'open'`,
  `CREATE INDEX tasks_open_created ON tasks (county_id, created_at, task_id) WHERE status = 'open'`,
  `CREATE INDEX tasks_open_priority ON tasks (county_id, (-priority), (coalesce(due_at, 'infinity')), task_id) WHERE status = 'open'`,
  `CREATE INDEX tasks_open_assignee ON tasks (county_id, assignee_id, (coalesce(due_at, 'infinity')), task_id) WHERE status = 'open'`,
  `CREATE INDEX tasks_open_case_number ON tasks (county_id, case_number text_pattern_ops) WHERE status = 'open'`,

  `ALTER TABLE cases DROP CONSTRAINT cases_status_check,
     ALTER COLUMN status DROP DEFAULT,
     ALTER COLUMN status TYPE shidian_case_status USING status::shidian_case_status,
     ALTER COLUMN status SET DEFAULT 'active'`,

  `DROP INDEX notices_pending`,
  `ALTER TABLE notices DROP CONSTRAINT notices_status_check,
     ALTER COLUMN status DROP DEFAULT,
     ALTER COLUMN status TYPE shidian_notice_status USING status::shidian_notice_status,
     ALTER COLUMN status SET DEFAULT 'pending'`,
  `CREATE INDEX notices_pending ON notices (county_id, created_at) WHERE status = 'pending'`,

  `ALTER TABLE task_candidates DROP CONSTRAINT task_candidates_kind_check,
     ALTER COLUMN kind TYPE shidian_candidate_kind USING kind::shidian_candidate_kind`,

  // ── audit events and idempotency keys: values the runtime computes and checks itself ────
  `ALTER TABLE audit_events DROP CONSTRAINT audit_events_seq_check,
     DROP CONSTRAINT audit_events_prev_hash_check,
     DROP CONSTRAINT audit_events_hash_check,
     DROP CONSTRAINT audit_events_actor_kind_check,
     ALTER COLUMN actor_kind TYPE shidian_actor_kind USING actor_kind::shidian_actor_kind`,
  `ALTER TABLE idempotency_keys DROP CONSTRAINT idempotency_keys_key_check`,
];

/** Applies migration 0004. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of STATEMENTS) await sql.raw(s).execute(db);
}
