/**
 * Table types of the shidian database, for `Kysely<Database>`. Mirrors the SQL of
 * `src/migrations/*` exactly (checked by `schema.test.ts` against the live catalogue).
 *
 * Conventions: every table carries `county_id` (the tenant boundary); timestamps are
 * `timestamptz` read as `Date`; JSON columns are `jsonb`, read as parsed values and written as
 * JSON text (`JSON.stringify`, see {@link json}) so both drivers (pg and PGlite) agree.
 *
 * @example
 * ```ts
 * const open = await store.db.selectFrom('tasks')
 *   .where('county_id', '=', 'huian').where('status', '=', 'open')
 *   .select(['task_id', 'due_at']).execute();
 * ```
 */
import type { ColumnType, Generated, Insertable, Selectable, Updateable } from 'kysely';

/** A `timestamptz` column: read as `Date`, written as `Date` or ISO text. */
export type Timestamp = ColumnType<Date, Date | string, Date | string>;
/** A nullable `timestamptz` column. */
export type NullableTimestamp = ColumnType<
  Date | null,
  Date | string | null | undefined,
  Date | string | null
>;
/** A `timestamptz` column with a database default. */
export type DefaultTimestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** A `jsonb` column holding `T`: read parsed, written as JSON text. */
export type Json<T> = ColumnType<T, string, string>;
/** A `jsonb` column with a default. */
export type DefaultJson<T> = ColumnType<T, string | undefined, string>;

/** `counties`: a county (区县) or a province (省) — provinces hold province-level memberships. */
export interface CountiesTable {
  county_id: string;
  kind: ColumnType<'county' | 'province', 'county' | 'province' | undefined, 'county' | 'province'>;
  /** The province a county belongs to. */
  parent_id: string | null;
  name: string;
  /** Short name used in case numbers, e.g. `惠安`. */
  short_name: string;
  /** Case number pattern: `{year}`, `{short}`, `{county}`, `{seq}` or `{seq:N}` (zero-padded). */
  case_number_format: ColumnType<string, string | undefined, string>;
  created_at: DefaultTimestamp;
}

/** `units`: a body within a county (信访局, a township, a department). */
export interface UnitsTable {
  county_id: string;
  unit_id: string;
  name: string;
  parent_unit_id: string | null;
  kind: ColumnType<string, string | undefined, string>;
  created_at: DefaultTimestamp;
}

/** `users`: a staff account, homed in one county (or province). */
export interface UsersTable {
  user_id: Generated<string>;
  county_id: string;
  username: string;
  display_name: string;
  password_hash: string | null;
  disabled: Generated<boolean>;
  disabled_at: NullableTimestamp;
  created_at: DefaultTimestamp;
}

/** `memberships`: user × county × unit × role. `unit_id` null means county-wide. */
export interface MembershipsTable {
  county_id: string;
  membership_id: Generated<string>;
  user_id: string;
  unit_id: string | null;
  role: string;
  created_at: DefaultTimestamp;
}

/** `sessions`: login sessions and API tokens, stored by the sha256 of the secret. */
export interface SessionsTable {
  token_hash: string;
  county_id: string;
  user_id: string;
  kind: 'session' | 'api_token';
  name: string | null;
  created_at: DefaultTimestamp;
  expires_at: NullableTimestamp;
  last_used_at: NullableTimestamp;
  revoked_at: NullableTimestamp;
}

/** `pilots`: a county's pilot programme, whose configuration is deployed as versions. */
export interface PilotsTable {
  county_id: string;
  pilot_id: string;
  name: string;
  description: ColumnType<string, string | undefined, string>;
  active_deployment_id: string | null;
  created_at: DefaultTimestamp;
}

/** `deployments`: immutable, content-addressed (sha256 of the canonical bundle). */
export interface DeploymentsTable {
  county_id: string;
  deployment_id: string;
  pilot_id: string;
  version: number;
  bundle: Json<unknown>;
  created_by: string | null;
  created_at: DefaultTimestamp;
}

/** `deployment_processes`: compiled graphs of a deployment (immutable). */
export interface DeploymentProcessesTable {
  county_id: string;
  deployment_id: string;
  process_id: string;
  graph: Json<unknown>;
}

/** `deployment_forms`: form schemas of a deployment (immutable). */
export interface DeploymentFormsTable {
  county_id: string;
  deployment_id: string;
  form_id: string;
  schema: Json<unknown>;
}

/** Case status. */
export type CaseStatus = 'active' | 'completed' | 'terminated' | 'cancelled';

/** `cases`: one petition item run by the engine. */
export interface CasesTable {
  county_id: string;
  case_id: Generated<string>;
  number: string;
  pilot_id: string;
  deployment_id: string;
  process_id: string;
  stage: string | null;
  status: ColumnType<CaseStatus, CaseStatus | undefined, CaseStatus>;
  state: Json<unknown>;
  version: ColumnType<number, number | undefined, number>;
  /** Head of the case's audit hash chain (last seq and hash). */
  audit_seq: ColumnType<number, number | undefined, number>;
  audit_hash: ColumnType<string, string | undefined, string>;
  title: ColumnType<string, string | undefined, string>;
  petitioner_name: string | null;
  responsible_unit_id: string | null;
  created_by: string | null;
  created_at: DefaultTimestamp;
  updated_at: DefaultTimestamp;
  ended_at: NullableTimestamp;
}

/** `case_number_counters`: the last case number issued per county and year. */
export interface CaseNumberCountersTable {
  county_id: string;
  year: number;
  last: number;
}

/** Task status. */
export type TaskStatus = 'open' | 'completed' | 'cancelled';

/** `tasks`: a user task of a case, as shown in inboxes. */
export interface TasksTable {
  county_id: string;
  /** The engine's task id (`<caseId>.t<n>`), unique across cases. */
  task_id: string;
  case_id: string;
  element_id: string;
  name: ColumnType<string, string | undefined, string>;
  process_id: string;
  case_number: string;
  petitioner_name: string | null;
  stage: string | null;
  status: ColumnType<TaskStatus, TaskStatus | undefined, TaskStatus>;
  assignee_id: string | null;
  unit_id: string | null;
  priority: ColumnType<number, number | undefined, number>;
  due_at: NullableTimestamp;
  warn_at: NullableTimestamp;
  /** The engine's deadline budget of the task (`b…`). */
  budget_id: string | null;
  form_ref: string | null;
  created_at: DefaultTimestamp;
  completed_at: NullableTimestamp;
  completed_by: string | null;
}

/** `task_candidates`: candidate users (`kind = 'user'`, value = user id) and groups (roles) of a task. */
export interface TaskCandidatesTable {
  county_id: string;
  task_id: string;
  kind: 'user' | 'group';
  value: string;
}

/** `timers`: engine timers; `fired` flips exactly once. */
export interface TimersTable {
  county_id: string;
  timer_id: Generated<string>;
  case_id: string;
  engine_timer_id: string;
  element_id: string | null;
  kind: ColumnType<string, string | undefined, string>;
  due_at: Timestamp;
  /** When the worker may pick it: `due_at`, or later after a failed attempt (back-off). */
  available_at: Timestamp;
  fired: Generated<boolean>;
  fired_at: NullableTimestamp;
  cancelled_at: NullableTimestamp;
  lateness_ms: number | null;
  attempts: Generated<number>;
  last_error: string | null;
  payload: DefaultJson<unknown>;
  created_at: DefaultTimestamp;
}

/** `audit_events`: append-only, hash-chained per case (`chain` = case id) or per county (`chain` = `county`). */
export interface AuditEventsTable {
  county_id: string;
  chain: string;
  seq: number;
  case_id: string | null;
  at: Timestamp;
  actor_id: string | null;
  actor_kind: 'user' | 'system';
  stage: string | null;
  kind: string;
  payload: Json<unknown>;
  prev_hash: string;
  hash: string;
}

/** `blobs`: attachment content, stored once per county by sha256. */
export interface BlobsTable {
  county_id: string;
  sha256: string;
  size: number;
  content: Uint8Array;
  created_at: DefaultTimestamp;
}

/** `attachments`: a file attached to a case. */
export interface AttachmentsTable {
  county_id: string;
  attachment_id: Generated<string>;
  case_id: string | null;
  sha256: string;
  filename: string;
  media_type: string;
  size: number;
  uploaded_by: string | null;
  created_at: DefaultTimestamp;
}

/** Notice status. */
export type NoticeStatus = 'pending' | 'issued' | 'delivered' | 'cancelled';

/** `notices`: notices (告知书) requested by the engine, to be issued and delivered. */
export interface NoticesTable {
  county_id: string;
  notice_id: Generated<string>;
  case_id: string;
  template_id: string;
  element_id: string | null;
  status: ColumnType<NoticeStatus, NoticeStatus | undefined, NoticeStatus>;
  payload: DefaultJson<unknown>;
  created_at: DefaultTimestamp;
  issued_at: NullableTimestamp;
}

/** `idempotency_keys`: first result of a command per key. */
export interface IdempotencyKeysTable {
  county_id: string;
  key: string;
  request_hash: string;
  case_id: string | null;
  result: Json<unknown>;
  created_at: DefaultTimestamp;
}

/** The whole database, for `Kysely<Database>`. */
export interface Database {
  counties: CountiesTable;
  units: UnitsTable;
  users: UsersTable;
  memberships: MembershipsTable;
  sessions: SessionsTable;
  pilots: PilotsTable;
  deployments: DeploymentsTable;
  deployment_processes: DeploymentProcessesTable;
  deployment_forms: DeploymentFormsTable;
  cases: CasesTable;
  case_number_counters: CaseNumberCountersTable;
  tasks: TasksTable;
  task_candidates: TaskCandidatesTable;
  timers: TimersTable;
  audit_events: AuditEventsTable;
  blobs: BlobsTable;
  attachments: AttachmentsTable;
  notices: NoticesTable;
  idempotency_keys: IdempotencyKeysTable;
}

/** Row types, for callers that pass rows around. */
export type County = Selectable<CountiesTable>;
export type Unit = Selectable<UnitsTable>;
export type User = Selectable<UsersTable>;
export type Membership = Selectable<MembershipsTable>;
export type Session = Selectable<SessionsTable>;
export type Pilot = Selectable<PilotsTable>;
export type Deployment = Selectable<DeploymentsTable>;
export type CaseRow = Selectable<CasesTable>;
export type TaskRow = Selectable<TasksTable>;
export type TimerRow = Selectable<TimersTable>;
export type AuditEventRow = Selectable<AuditEventsTable>;
export type NoticeRow = Selectable<NoticesTable>;
export type AttachmentRow = Selectable<AttachmentsTable>;
export type NewCase = Insertable<CasesTable>;
export type NewTask = Insertable<TasksTable>;
export type CaseUpdate = Updateable<CasesTable>;

/** Serialises a value for a `jsonb` column (both drivers take JSON text). */
export function json(value: unknown): string {
  return JSON.stringify(value ?? null);
}
