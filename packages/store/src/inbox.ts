/**
 * Task-list (inbox) queries: the open tasks a user may work in one county — assigned to them,
 * or unassigned with them as a candidate user, or with one of their roles as a candidate group
 * within the role's unit — with filters, three sort orders, keyset pagination and counts.
 * Every query is bounded by `county_id` and served by the partial indexes of migration 0001
 * (see docs/store.md for the plans at a million open tasks).
 */
import { sql, type Kysely, type RawBuilder } from 'kysely';
import { StoreError } from './errors.js';
import type { Database } from './schema.js';

/** Deadline state of an open task at a given instant. */
export type DeadlineState = 'none' | 'normal' | 'warning' | 'overdue';

/** A role of the user in the county, optionally limited to a unit. */
export interface InboxRole {
  readonly role: string;
  readonly unitId: string | null;
}

/** Sort orders: due date (then id), creation time, priority (high first, then due date). */
export type InboxSort = 'due' | 'created' | 'priority';

/** An inbox query. */
export interface InboxQuery {
  readonly countyId: string;
  readonly userId: string;
  /** The user's roles in the county (from `memberships.accessOf`); loaded when omitted. */
  readonly roles?: readonly InboxRole[];
  /** `assigned`: only tasks assigned to the user; `candidate`: only unassigned ones they may claim; default both. */
  readonly scope?: 'all' | 'assigned' | 'candidate';
  readonly stage?: string;
  readonly processId?: string;
  readonly deadlineState?: DeadlineState;
  readonly dueBefore?: Date;
  /** Prefix of the case number. */
  readonly caseNumber?: string;
  /** Prefix of the petitioner's name. */
  readonly petitionerName?: string;
  readonly sort?: InboxSort;
  /** Page size, 1–200 (default 50). */
  readonly limit?: number;
  /** `nextCursor` of the previous page. */
  readonly cursor?: string | null;
  /** The instant deadline states are computed at (default now). */
  readonly now?: Date;
}

/** One inbox row. */
export interface InboxItem {
  readonly taskId: string;
  readonly caseId: string;
  readonly caseNumber: string;
  readonly processId: string;
  readonly elementId: string;
  readonly name: string;
  readonly stage: string | null;
  readonly assigneeId: string | null;
  readonly unitId: string | null;
  readonly petitionerName: string | null;
  readonly priority: number;
  readonly dueAt: Date | null;
  readonly warnAt: Date | null;
  readonly createdAt: Date;
  readonly deadlineState: DeadlineState;
}

/** A page of the inbox. */
export interface InboxPage {
  readonly items: readonly InboxItem[];
  /** Pass as `cursor` for the next page; null on the last page. */
  readonly nextCursor: string | null;
}

/** Counts of the inbox (same visibility and filters, without pagination). */
export interface InboxCounts {
  readonly total: number;
  readonly assigned: number;
  /** Unassigned tasks visible through each candidate group (a task with two of the user's groups counts in both). */
  readonly byGroup: Readonly<Record<string, number>>;
  readonly byDeadlineState: Readonly<Record<DeadlineState, number>>;
}

const INFINITY = sql`'infinity'::timestamptz`;

function sortKeys(sort: InboxSort): RawBuilder<unknown>[] {
  const due = sql`coalesce(t.due_at, ${INFINITY})`;
  if (sort === 'created') return [sql`t.created_at`, sql`t.task_id`];
  if (sort === 'priority') return [sql`(-t.priority)`, due, sql`t.task_id`];
  return [due, sql`t.task_id`];
}

type CursorValue = string | number;

function encodeCursor(sort: InboxSort, values: readonly CursorValue[]): string {
  return Buffer.from(JSON.stringify([sort, ...values]), 'utf8').toString('base64url');
}

function decodeCursor(sort: InboxSort, cursor: string): CursorValue[] {
  try {
    const v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8')) as unknown;
    const n = sortKeys(sort).length;
    if (!Array.isArray(v) || v[0] !== sort || v.length !== n + 1) throw new Error('shape');
    const vals = v.slice(1) as unknown[];
    if (!vals.every((x) => typeof x === 'string' || typeof x === 'number')) throw new Error('type');
    return vals as CursorValue[];
  } catch (e) {
    throw new StoreError('STORE_ERR_INVALID_CURSOR', {}, { cause: e });
  }
}

async function rolesOf(db: Kysely<Database>, q: InboxQuery): Promise<readonly InboxRole[]> {
  if (q.roles !== undefined) return q.roles;
  const rows = await db
    .selectFrom('memberships')
    .select(['role', 'unit_id'])
    .where('county_id', '=', q.countyId)
    .where('user_id', '=', q.userId)
    .execute();
  return rows.map((r) => ({ role: r.role, unitId: r.unit_id }));
}

/** The visibility and filter predicate shared by {@link inboxPage} and {@link inboxCounts}. */
function where(q: InboxQuery, roles: readonly InboxRole[], now: Date): RawBuilder<unknown> {
  const parts: RawBuilder<unknown>[] = [sql`t.county_id = ${q.countyId}`, sql`t.status = 'open'`];
  const roleMatch =
    roles.length === 0
      ? sql`false`
      : sql.join(
          roles.map((r) =>
            r.unitId === null
              ? sql`tc.value = ${r.role}`
              : sql`(tc.value = ${r.role} AND (t.unit_id IS NULL OR t.unit_id = ${r.unitId}))`,
          ),
          sql` OR `,
        );
  // (the county is a constant in the sub-queries too: when the planner hashes a sub-plan it then
  // reads only this county's candidate rows through the lookup index)
  const candidate = sql`(t.assignee_id IS NULL AND (
      EXISTS (SELECT 1 FROM task_candidates tc WHERE tc.county_id = ${q.countyId} AND tc.task_id = t.task_id AND tc.kind = 'user' AND tc.value = ${q.userId})
      OR EXISTS (SELECT 1 FROM task_candidates tc WHERE tc.county_id = ${q.countyId} AND tc.task_id = t.task_id AND tc.kind = 'group' AND (${roleMatch}))))`;
  const assigned = sql`t.assignee_id = ${q.userId}`;
  const scope = q.scope ?? 'all';
  parts.push(
    scope === 'assigned' ? assigned : scope === 'candidate' ? candidate : sql`(${assigned} OR ${candidate})`,
  );
  if (q.stage !== undefined) parts.push(sql`t.stage = ${q.stage}`);
  if (q.processId !== undefined) parts.push(sql`t.process_id = ${q.processId}`);
  if (q.dueBefore !== undefined) parts.push(sql`t.due_at < ${q.dueBefore}`);
  if (q.caseNumber !== undefined) parts.push(sql`t.case_number LIKE ${escapeLike(q.caseNumber) + '%'}`);
  if (q.petitionerName !== undefined)
    parts.push(sql`t.petitioner_name LIKE ${escapeLike(q.petitionerName) + '%'}`);
  if (q.deadlineState !== undefined) {
    const ds = q.deadlineState;
    parts.push(
      ds === 'none'
        ? sql`t.due_at IS NULL`
        : ds === 'overdue'
          ? sql`t.due_at <= ${now}`
          : ds === 'warning'
            ? sql`(t.due_at > ${now} AND t.warn_at <= ${now})`
            : sql`(t.due_at > ${now} AND (t.warn_at IS NULL OR t.warn_at > ${now}))`,
    );
  }
  return sql.join(parts, sql` AND `) as RawBuilder<unknown>;
}

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/** The deadline state of a task at `now`. */
export function deadlineStateOf(dueAt: Date | null, warnAt: Date | null, now: Date): DeadlineState {
  if (dueAt === null) return 'none';
  if (dueAt.getTime() <= now.getTime()) return 'overdue';
  if (warnAt !== null && warnAt.getTime() <= now.getTime()) return 'warning';
  return 'normal';
}

interface Row {
  task_id: string;
  case_id: string;
  case_number: string;
  process_id: string;
  element_id: string;
  name: string;
  stage: string | null;
  assignee_id: string | null;
  unit_id: string | null;
  petitioner_name: string | null;
  priority: number;
  due_at: Date | null;
  warn_at: Date | null;
  created_at: Date;
}

/** The SQL of an inbox page (exported for EXPLAIN in tests, docs and the bench). */
export function inboxSql(q: InboxQuery, roles: readonly InboxRole[]): RawBuilder<Row> {
  const sort = q.sort ?? 'due';
  const limit = q.limit ?? 50;
  if (!Number.isInteger(limit) || limit < 1 || limit > 200)
    throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'limit' });
  const now = q.now ?? new Date();
  const keys = sortKeys(sort);
  const conds: RawBuilder<unknown>[] = [where(q, roles, now)];
  if (q.cursor !== undefined && q.cursor !== null) {
    const vals = decodeCursor(sort, q.cursor);
    const typed = vals.map((v, i) => {
      const last = i === vals.length - 1;
      if (last) return sql`${v}`;
      if (sort === 'priority' && i === 0) return sql`${Number(v)}::int`;
      return sql`${v}::timestamptz`;
    });
    conds.push(sql`(${sql.join(keys)}) > (${sql.join(typed)})`);
  }
  return sql<Row>`
    SELECT t.task_id, t.case_id, t.case_number, t.process_id, t.element_id, t.name, t.stage, t.assignee_id, t.unit_id,
           t.petitioner_name, t.priority, t.due_at, t.warn_at, t.created_at
    FROM tasks t
    WHERE ${sql.join(conds, sql` AND `)}
    ORDER BY ${sql.join(keys)}
    LIMIT ${limit + 1}`;
}

/**
 * One page of a user's inbox.
 *
 * @example
 * ```ts
 * const roles = (await store.memberships.accessOf(userId)).find((a) => a.countyId === 'huian')?.roles ?? [];
 * const page1 = await inboxPage(store.db, { countyId: 'huian', userId, roles, sort: 'due', limit: 20 });
 * const page2 = await inboxPage(store.db, { countyId: 'huian', userId, roles, cursor: page1.nextCursor });
 * ```
 */
export async function inboxPage(db: Kysely<Database>, q: InboxQuery): Promise<InboxPage> {
  const roles = await rolesOf(db, q);
  const limit = q.limit ?? 50;
  const sort = q.sort ?? 'due';
  const now = q.now ?? new Date();
  const rows = (await inboxSql({ ...q, now }, roles).execute(db)).rows;
  const page = rows.slice(0, limit);
  const last = page[page.length - 1];
  let nextCursor: string | null = null;
  if (rows.length > limit && last !== undefined) {
    const due = last.due_at === null ? 'infinity' : last.due_at.toISOString();
    const vals: CursorValue[] =
      sort === 'created'
        ? [last.created_at.toISOString(), last.task_id]
        : sort === 'priority'
          ? [-last.priority, due, last.task_id]
          : [due, last.task_id];
    nextCursor = encodeCursor(sort, vals);
  }
  return {
    items: page.map((r) => ({
      taskId: r.task_id,
      caseId: r.case_id,
      caseNumber: r.case_number,
      processId: r.process_id,
      elementId: r.element_id,
      name: r.name,
      stage: r.stage,
      assigneeId: r.assignee_id,
      unitId: r.unit_id,
      petitionerName: r.petitioner_name,
      priority: r.priority,
      dueAt: r.due_at,
      warnAt: r.warn_at,
      createdAt: r.created_at,
      deadlineState: deadlineStateOf(r.due_at, r.warn_at, now),
    })),
    nextCursor,
  };
}

/**
 * Counts of a user's inbox: total, assigned, per candidate group, per deadline state.
 *
 * @example
 * ```ts
 * const c = await inboxCounts(store.db, { countyId: 'huian', userId, roles });
 * // { total: 12, assigned: 2, byGroup: { registrar: 10 }, byDeadlineState: { none: 0, normal: 9, warning: 2, overdue: 1 } }
 * ```
 */
export async function inboxCounts(
  db: Kysely<Database>,
  q: Omit<InboxQuery, 'cursor' | 'limit' | 'sort'>,
): Promise<InboxCounts> {
  const roles = await rolesOf(db, q);
  const now = q.now ?? new Date();
  const w = where(q, roles, now);
  const totals = await sql<{
    total: number;
    assigned: number;
    none: number;
    normal: number;
    warning: number;
    overdue: number;
  }>`
    SELECT count(*)::int AS total,
           count(*) FILTER (WHERE t.assignee_id = ${q.userId})::int AS assigned,
           count(*) FILTER (WHERE t.due_at IS NULL)::int AS none,
           count(*) FILTER (WHERE t.due_at > ${now} AND (t.warn_at IS NULL OR t.warn_at > ${now}))::int AS normal,
           count(*) FILTER (WHERE t.due_at > ${now} AND t.warn_at <= ${now})::int AS warning,
           count(*) FILTER (WHERE t.due_at <= ${now})::int AS overdue
    FROM tasks t WHERE ${w}`.execute(db);
  const groups = [...new Set(roles.map((r) => r.role))];
  const byGroup: Record<string, number> = Object.fromEntries(groups.map((g) => [g, 0]));
  if (groups.length > 0) {
    const g = await sql<{ value: string; n: number }>`
      SELECT c.value, count(*)::int AS n
      FROM tasks t JOIN task_candidates c ON c.county_id = t.county_id AND c.task_id = t.task_id AND c.kind = 'group'
      WHERE ${w} AND t.assignee_id IS NULL AND c.value IN (${sql.join(groups)})
      GROUP BY c.value`.execute(db);
    for (const r of g.rows) byGroup[r.value] = r.n;
  }
  const t = totals.rows[0] ?? { total: 0, assigned: 0, none: 0, normal: 0, warning: 0, overdue: 0 };
  return {
    total: t.total,
    assigned: t.assigned,
    byGroup,
    byDeadlineState: { none: t.none, normal: t.normal, warning: t.warning, overdue: t.overdue },
  };
}
