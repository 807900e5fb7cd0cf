/**
 * The task a task route works on, read with its case row (the runtime takes the case row as read and
 * checks its version when it writes). On the hot path the authentication hook reads it in the same
 * statement as the session (`lookupSession` in sessions.ts); {@link loadTask} reads it on its own.
 *
 * @example
 * ```ts
 * const t = await loadTask(store, principal, 'c0ffee….t1'); // TaskRow, or API_ERR_TASK_NOT_FOUND
 * await runtime.execute({ countyId: t.county_id, caseId: t.case_id, command, caseRow: caseRowOf(t) });
 * ```
 */
import { sql, type CaseRow, type Store } from '@shidian/store';
import { readableCounties, type Principal } from './access.js';
import { apiError } from './errors.js';

/** A task with the columns of its case the routes need (and the whole case row, see {@link caseRowOf}). */
export interface TaskRow {
  task_id: string;
  county_id: string;
  case_id: string;
  element_id: string;
  name: string;
  process_id: string;
  case_number: string;
  petitioner_name: string | null;
  stage: string | null;
  status: string;
  assignee_id: string | null;
  unit_id: string | null;
  due_at: Date | null;
  warn_at: Date | null;
  form_ref: string | null;
  created_at: Date;
  completed_at: Date | null;
  completed_by: string | null;
  deployment_id: string;
  state: unknown;
  /** The case row's other columns (`c_` + name): handed to the runtime with a move, see {@link caseRowOf}. */
  c_number: string;
  c_pilot_id: string;
  c_process_id: string;
  c_stage: string | null;
  c_status: CaseRow['status'];
  c_version: number;
  c_audit_seq: number;
  c_audit_hash: string;
  c_title: string;
  c_petitioner_name: string | null;
  c_responsible_unit_id: string | null;
  c_created_by: string | null;
  c_created_at: Date;
  c_updated_at: Date;
  c_ended_at: Date | null;
}

/** The case row read with a task, so the runtime need not read it again (it still checks the version). */
export function caseRowOf(t: TaskRow): CaseRow {
  return {
    county_id: t.county_id,
    case_id: t.case_id,
    number: t.c_number,
    pilot_id: t.c_pilot_id,
    deployment_id: t.deployment_id,
    process_id: t.c_process_id,
    stage: t.c_stage,
    status: t.c_status,
    state: t.state,
    version: t.c_version,
    audit_seq: t.c_audit_seq,
    audit_hash: t.c_audit_hash,
    title: t.c_title,
    petitioner_name: t.c_petitioner_name,
    responsible_unit_id: t.c_responsible_unit_id,
    created_by: t.c_created_by,
    created_at: t.c_created_at,
    updated_at: t.c_updated_at,
    ended_at: t.c_ended_at,
  };
}

/** The columns of a {@link TaskRow}: its name and the expression (tables `t` = tasks, `c` = cases). */
const TASK_COLUMN_LIST: ReadonlyArray<readonly [keyof TaskRow, string]> = [
  ...(
    [
      'task_id',
      'county_id',
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
      'form_ref',
      'created_at',
      'completed_at',
      'completed_by',
    ] as const
  ).map((n) => [n, `t.${n}`] as const),
  ['deployment_id', 'c.deployment_id'],
  ['state', 'c.state'],
  ...(
    [
      'number',
      'pilot_id',
      'process_id',
      'stage',
      'status',
      'version',
      'audit_seq',
      'audit_hash',
      'title',
      'petitioner_name',
      'responsible_unit_id',
      'created_by',
      'created_at',
      'updated_at',
      'ended_at',
    ] as const
  ).map((n) => [`c_${n}`, `c.${n}`] as const),
];

/** The select list of a {@link TaskRow}, each column aliased `prefix` + its name (constants, never user input). */
export function taskColumns(prefix: string) {
  return sql.raw(TASK_COLUMN_LIST.map(([name, expr]) => `${expr} AS ${prefix}${name}`).join(', '));
}
const TASK_COLUMNS = taskColumns('');

/**
 * A task the principal may read (a county of their grants, or of their province), with its case row;
 * `API_ERR_TASK_NOT_FOUND` otherwise — another county's task is indistinguishable from none.
 */
export async function loadTask(store: Store, p: Principal, taskId: string): Promise<TaskRow> {
  const counties = readableCounties(p);
  if (counties.length === 0) throw apiError('API_ERR_TASK_NOT_FOUND');
  const { rows } = await sql<TaskRow>`
    SELECT ${TASK_COLUMNS}
    FROM tasks t JOIN cases c ON c.county_id = t.county_id AND c.case_id = t.case_id
    WHERE t.county_id IN (${sql.join(counties)}) AND t.task_id = ${taskId}`.execute(store.db);
  const row = rows[0];
  if (row === undefined) throw apiError('API_ERR_TASK_NOT_FOUND');
  return row;
}
