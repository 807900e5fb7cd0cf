/**
 * Hand-built SQL for the command runtime's hot path (the case read and the one-statement write of
 * every command).
 *
 * The runtime used kysely's query builder for these statements too; a CPU profile of
 * `pnpm bench store` showed building, freezing and compiling those query trees at about a quarter
 * of the Node process's time per task completion (more than the engine step). The statements have
 * a handful of fixed shapes, so they are written here as text with positional parameters.
 * Everything else in the store keeps using kysely.
 *
 * Only constant table and column names of this package are spliced into the text; every value
 * goes in as a parameter.
 */
import { CompiledQuery } from 'kysely';
import { prepared } from './prepared.js';

/** The positional parameters of one statement being built. */
export class Params {
  readonly values: unknown[] = [];

  /** Adds one value and returns its placeholder (`$n`). */
  add(value: unknown): string {
    this.values.push(value);
    return `$${this.values.length}`;
  }

  /** Placeholders of several values, comma-separated (a row of VALUES, an IN list). */
  list(values: readonly unknown[]): string {
    let out = '';
    for (const v of values) out += out === '' ? this.add(v) : `, ${this.add(v)}`;
    return out;
  }
}

/** `INSERT INTO table (columns) VALUES (…), (…)` with every value a parameter. */
export function insertSql(
  p: Params,
  table: string,
  columns: readonly string[],
  rows: readonly (readonly unknown[])[],
): string {
  let values = '';
  for (const r of rows) values += values === '' ? `(${p.list(r)})` : `, (${p.list(r)})`;
  return `INSERT INTO ${table} (${columns.join(', ')}) VALUES ${values}`;
}

/** A statement of this module, sent unnamed. */
export function statement(text: string, p: Params): CompiledQuery {
  return CompiledQuery.raw(text, p.values);
}

/** A statement of this module, sent as a named prepared statement (see `prepared.ts`). */
export function preparedStatement<R>(text: string, p: Params): CompiledQuery<R> {
  return prepared(CompiledQuery.raw(text, p.values) as CompiledQuery<R>);
}

/** How {@link readCaseSql} treats the case row: no lock (the write checks the version), or a row lock. */
export type ReadLock = 'version' | 'wait' | 'nowait';

/**
 * One round trip of the runtime's read: the case (by id, or through its task), its idempotency
 * key's first result (`idem_hash`, `idem_result`) and the task's status (`task_status`) as of the
 * start of the statement, before any lock wait.
 */
export function readCaseSql(
  p: Params,
  countyId: string,
  caseId: string | undefined,
  taskId: string | undefined,
  key: string,
  lock: ReadLock,
): string {
  const county = p.add(countyId);
  const k = p.add(key);
  let taskStatus = 'NULL::text';
  let where = `c.county_id = ${county}`;
  if (caseId !== undefined) where += ` AND c.case_id = ${p.add(caseId)}`;
  if (taskId !== undefined) {
    const t = p.add(taskId);
    taskStatus = `(SELECT t.status FROM tasks t WHERE t.county_id = ${county} AND t.task_id = ${t})`;
    where += ` AND c.case_id = (SELECT t.case_id FROM tasks t WHERE t.county_id = ${county} AND t.task_id = ${t})`;
  }
  const forUpdate =
    lock === 'version' ? '' : lock === 'nowait' ? ' FOR UPDATE OF c NOWAIT' : ' FOR UPDATE OF c';
  return (
    `SELECT c.*, k.request_hash AS idem_hash, k.result AS idem_result, ${taskStatus} AS task_status ` +
    `FROM cases c LEFT JOIN idempotency_keys k ON k.county_id = c.county_id AND k.key = ${k} ` +
    `WHERE ${where}${forUpdate}`
  );
}

/** Columns of `tasks` written when a step opens tasks (see `runtime.ts`). */
export const TASK_COLUMNS = [
  'county_id',
  'task_id',
  'case_id',
  'element_id',
  'name',
  'process_id',
  'case_number',
  'petitioner_name',
  'stage',
  'status',
  'assignee_id',
  'unit_id',
  'due_at',
  'warn_at',
  'budget_id',
  'form_ref',
  'created_at',
  'completed_at',
  'completed_by',
] as const;

/** Columns of `audit_events` (see `audit.ts`). */
export const AUDIT_COLUMNS = [
  'county_id',
  'chain',
  'seq',
  'case_id',
  'at',
  'actor_id',
  'actor_kind',
  'stage',
  'kind',
  'payload',
  'prev_hash',
  'hash',
] as const;
