/**
 * Tasks (待办):
 * - `GET /api/tasks` — the caller's inbox in one county (assigned to them, or claimable through their
 *   user id, roles and units), with the store's filters, sort orders and keyset paging.
 * - `GET /api/tasks/{id}` — the form view of the task for the caller's role (schema, UI, data with the
 *   step's field permissions and masking applied), the case summary, and the moves that apply.
 * - `POST /api/tasks/{id}/{claim|unclaim|complete|draft|return|reject|withdraw|transfer|delegate|resolve|add-signers|remove-signer|cc|urge}`
 *   — one engine move each, in one transaction; form data is validated against the step's form and
 *   permissions first (`API_ERR_FORM_INVALID`), the engine decides candidacy and the move's rules.
 *
 * @example
 * ```sh
 * curl -X POST localhost:3000/api/tasks/$TASK/complete -H "authorization: Bearer $T" \
 *   -H 'content-type: application/json' -d '{"data":{"decision":"予以支持"}}'
 * ```
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import type { ProcessGraph, UserTaskNode } from '@shidian/bpmn';
import type { Command, StartCommand, Variables } from '@shidian/engine';
import { formView, validateSubmission } from '@shidian/forms';
import { sql } from 'kysely';
import { prefetchedTask, principalOf } from '../authenticate.js';
import { requireCounty, rolesIn, STAFF_ROLES, type Principal } from '../access.js';
import { caseRowOf, loadTask, type TaskRow } from '../task-row.js';
import { actorFor, executeOnCase, idempotencyKeyOf } from '../commands.js';
import type { AppContext } from '../context.js';
import { apiError } from '../errors.js';
import {
  AUTHED,
  errorResponses,
  freeObject,
  nullableString,
  nullableTimestamp,
  slug,
  timestamp,
  uuid,
} from '../schemas.js';
import { inboxPage } from '@shidian/store';
import { createCalendar } from '@shidian/calendar';
import { caseVariables, taskSummaries } from './cases.js';

/** A task id as the store keeps it (`<caseId>.t<n>`). */
export const taskIdSchema = {
  type: 'string',
  minLength: 1,
  maxLength: 120,
  pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$',
} as const;

/** The task moves, their bodies, and the engine command each becomes. */
export const TASK_ACTIONS = [
  'claim',
  'unclaim',
  'complete',
  'draft',
  'return',
  'reject',
  'withdraw',
  'transfer',
  'delegate',
  'resolve',
  'add-signers',
  'remove-signer',
  'cc',
  'urge',
] as const;
export type TaskAction = (typeof TASK_ACTIONS)[number];

const comment = { type: 'string', maxLength: 2000 } as const;
const userRef = { ...uuid, description: 'a user id of the same county' } as const;
const dataField = { ...freeObject, description: 'Form data of this step' } as const;

const ACTION_BODIES: Record<TaskAction, { body: object; summary: string }> = {
  claim: { summary: '签收 claim the task', body: { properties: { comment } } },
  unclaim: { summary: '退签 give the task back to its candidates', body: { properties: { comment } } },
  complete: {
    summary: '办理 complete the task with its form data',
    body: {
      properties: { data: dataField, outcome: { type: 'string', enum: ['approve', 'reject'] }, comment },
    },
  },
  draft: {
    summary: '暂存 save form data without completing',
    body: { required: ['data'], properties: { data: dataField } },
  },
  return: {
    summary: '退回 send back to an earlier completed step',
    body: {
      required: ['target'],
      properties: { target: { type: 'string', minLength: 1, maxLength: 100 }, comment },
    },
  },
  reject: { summary: '驳回 reject to the preset target', body: { properties: { comment } } },
  withdraw: {
    summary: '撤回 take back your completed step while the next is untouched',
    body: { properties: { stepId: { type: 'string', maxLength: 100 }, comment } },
  },
  transfer: {
    summary: '转办 hand the task to another person',
    body: { required: ['to'], properties: { to: userRef, comment } },
  },
  delegate: {
    summary: '委派 delegate; it comes back to you',
    body: { required: ['to'], properties: { to: userRef, comment } },
  },
  resolve: {
    summary: '交回 resolve a delegated task back to its owner',
    body: { properties: { data: dataField, comment } },
  },
  'add-signers': {
    summary: '加签 add signers before, after or alongside',
    body: {
      required: ['users', 'position'],
      properties: {
        users: { type: 'array', minItems: 1, maxItems: 20, uniqueItems: true, items: userRef },
        position: { type: 'string', enum: ['before', 'after', 'alongside'] },
        comment,
      },
    },
  },
  'remove-signer': {
    summary: '减签 remove a pending signer',
    body: { properties: { signerTaskId: taskIdSchema, user: userRef, comment } },
  },
  cc: {
    summary: '抄送 send read-only copies',
    body: {
      properties: {
        users: { type: 'array', maxItems: 50, uniqueItems: true, items: userRef, default: [] },
        groups: { type: 'array', maxItems: 20, uniqueItems: true, items: { type: 'string', maxLength: 64 } },
        comment,
      },
    },
  },
  urge: { summary: '催办 remind whoever holds the task', body: { properties: { comment } } },
};

interface InboxQueryString {
  countyId?: string;
  scope: 'all' | 'assigned' | 'candidate';
  stage?: string;
  processId?: string;
  deadlineState?: 'none' | 'normal' | 'warning' | 'overdue';
  dueBefore?: string;
  caseNumber?: string;
  petitioner?: string;
  sort: 'due' | 'created' | 'priority';
  limit: number;
  cursor?: string;
}

interface ActionBody {
  comment?: string;
  data?: Record<string, unknown>;
  outcome?: 'approve' | 'reject';
  target?: string;
  stepId?: string;
  to?: string;
  users?: string[];
  position?: 'before' | 'after' | 'alongside';
  signerTaskId?: string;
  user?: string;
  groups?: string[];
}

/** The task of a task route: as read with the session (see `prefetch: 'task'`), else read now. */
async function taskOf(
  ctx: AppContext,
  req: FastifyRequest<{ Params: { id: string } }>,
  p: Principal,
): Promise<TaskRow> {
  const pre = prefetchedTask(req, req.params.id);
  if (pre === undefined) return loadTask(ctx.store, p, req.params.id);
  if (pre === null) throw apiError('API_ERR_TASK_NOT_FOUND');
  return pre;
}

/**
 * A due date can rest on a provisional holiday schedule only if it lies after the national holiday
 * data (a pilot's own extra years only make fewer dates provisional): one day of slack for time zones.
 */
const PROVISIONAL_AFTER = Date.UTC(Math.max(...createCalendar().coveredYears) + 1, 0, 1) - 86_400_000;

/** The inbox items whose budget is flagged provisional in the case state (one query, only when needed). */
async function provisionalTaskIds(
  ctx: AppContext,
  countyId: string,
  items: readonly { readonly taskId: string; readonly dueAt: Date | null }[],
): Promise<ReadonlySet<string>> {
  const late = items
    .filter((i) => i.dueAt !== null && i.dueAt.getTime() >= PROVISIONAL_AFTER)
    .map((i) => i.taskId);
  if (late.length === 0) return new Set();
  const rows = await ctx.store.db
    .selectFrom('tasks as t')
    .innerJoin('cases as c', (j) =>
      j.onRef('c.county_id', '=', 't.county_id').onRef('c.case_id', '=', 't.case_id'),
    )
    .select('t.task_id')
    .where('t.county_id', '=', countyId)
    .where('t.task_id', 'in', late)
    .where(sql<boolean>`(c.state -> 'budgets' -> t.budget_id ->> 'provisional') = 'true'`)
    .execute();
  return new Set(rows.map((r) => r.task_id));
}

const graphs = new Map<string, Promise<ProcessGraph | undefined>>();

/** The compiled graph of a deployment's process (cached: deployments are immutable). */
async function graphOf(
  ctx: AppContext,
  countyId: string,
  deploymentId: string,
  processId: string,
): Promise<ProcessGraph | undefined> {
  const key = `${countyId}\u0000${deploymentId}\u0000${processId}`;
  let hit = graphs.get(key);
  if (hit === undefined) {
    if (graphs.size > 1000) graphs.clear();
    hit = loadGraphRow(ctx, countyId, deploymentId, processId);
    graphs.set(key, hit);
    hit.then((g) => (g === undefined ? graphs.delete(key) : undefined)).catch(() => graphs.delete(key));
  }
  return hit;
}

async function loadGraphRow(
  ctx: AppContext,
  countyId: string,
  deploymentId: string,
  processId: string,
): Promise<ProcessGraph | undefined> {
  const row = await ctx.store.db
    .selectFrom('deployment_processes')
    .select('graph')
    .where('county_id', '=', countyId)
    .where('deployment_id', '=', deploymentId)
    .where('process_id', '=', processId)
    .executeTakeFirst();
  return row?.graph as ProcessGraph | undefined;
}

/** Users named by a move must be staff of the task's county (another county's user ids are refused). */
async function checkUsers(ctx: AppContext, countyId: string, ids: readonly string[]): Promise<void> {
  if (ids.length === 0) return;
  const rows = await ctx.store.db
    .selectFrom('memberships as m')
    .innerJoin('users as u', 'u.user_id', 'm.user_id')
    .select('m.user_id')
    .distinct()
    .where('m.county_id', '=', countyId)
    .where('m.user_id', 'in', [...ids])
    .where('u.disabled', '=', false)
    .execute();
  const known = new Set(rows.map((r) => r.user_id));
  const unknown = ids.filter((id) => !known.has(id));
  if (unknown.length > 0)
    throw apiError('API_ERR_VALIDATION', { reason: 'unknown users in this county', users: unknown });
}

function lang(req: FastifyRequest): 'zh' | 'en' {
  return /^\s*en\b/i.test(req.headers['accept-language'] ?? '') ? 'en' : 'zh';
}

function engineTask(
  state: unknown,
  taskId: string,
): { draft?: Record<string, unknown>; assignee?: string; owner?: string; delegated?: boolean } | undefined {
  const s = state as {
    tasks?: Record<
      string,
      { draft?: Record<string, unknown>; assignee?: string; owner?: string; delegated?: boolean }
    >;
  } | null;
  return s?.tasks?.[taskId];
}

/** The moves that may apply to a task for a caller (the engine has the final word). */
function movesFor(p: Principal, t: TaskRow): TaskAction[] {
  if (t.status !== 'open') return ['withdraw'];
  const roles = rolesIn(p, t.county_id);
  if (![...roles].some((r) => r !== 'pilot-admin')) return [];
  const et = engineTask(t.state, t.task_id);
  const out: TaskAction[] = [];
  if (t.assignee_id === null) out.push('claim', 'complete', 'draft');
  else if (t.assignee_id === p.userId) {
    if (et?.delegated === true) out.push('resolve', 'draft');
    else
      out.push(
        'unclaim',
        'complete',
        'draft',
        'return',
        'reject',
        'transfer',
        'delegate',
        'add-signers',
        'remove-signer',
        'cc',
      );
  }
  out.push('urge');
  if (roles.has('supervisor') || roles.has('leader'))
    for (const m of ['transfer', 'cc'] as const) if (!out.includes(m)) out.push(m);
  return out;
}

/** The tasks routes plugin. */
export const taskRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.get<{ Querystring: InboxQueryString }>(
      '/api/tasks',
      {
        schema: {
          tags: ['tasks'],
          summary:
            'Your inbox in one county: tasks assigned to you or claimable through your user, roles and units',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              countyId: slug,
              scope: { type: 'string', enum: ['all', 'assigned', 'candidate'], default: 'all' },
              stage: {
                type: 'string',
                enum: ['prevention', 'acceptance', 'handling', 'supervision', 'order'],
              },
              processId: slug,
              deadlineState: { type: 'string', enum: ['none', 'normal', 'warning', 'overdue'] },
              dueBefore: timestamp,
              caseNumber: { type: 'string', minLength: 1, maxLength: 64, description: 'case number prefix' },
              petitioner: {
                type: 'string',
                minLength: 1,
                maxLength: 64,
                description: 'petitioner name prefix',
              },
              sort: { type: 'string', enum: ['due', 'created', 'priority'], default: 'due' },
              limit: { type: 'integer', minimum: 1, maximum: 200, default: 50 },
              cursor: { type: 'string', maxLength: 512, pattern: '^[A-Za-z0-9_-]+$' },
            },
          },
          response: {
            200: {
              type: 'object',
              required: ['countyId', 'items', 'nextCursor'],
              properties: {
                countyId: { type: 'string' },
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      taskId: { type: 'string' },
                      caseId: { type: 'string' },
                      caseNumber: { type: 'string' },
                      processId: { type: 'string' },
                      elementId: { type: 'string' },
                      name: { type: 'string' },
                      stage: nullableString,
                      assigneeId: nullableString,
                      unitId: nullableString,
                      petitionerName: nullableString,
                      priority: { type: 'integer' },
                      dueAt: nullableTimestamp,
                      warnAt: nullableTimestamp,
                      createdAt: timestamp,
                      deadlineState: { type: 'string', enum: ['none', 'normal', 'warning', 'overdue'] },
                      provisional: {
                        type: 'boolean',
                        description:
                          'true when the due date rests on a provisional holiday schedule (absent otherwise)',
                      },
                    },
                  },
                },
                nextCursor: nullableString,
              },
            },
            ...errorResponses(...AUTHED, 404),
          },
        },
      },
      async (req) => {
        const p = principalOf(req);
        const q = req.query;
        let countyId = q.countyId;
        if (countyId === undefined) {
          const counties = [...new Set(p.memberships.map((m) => m.countyId))];
          if (counties.length !== 1 || counties[0] === undefined) {
            throw apiError('API_ERR_VALIDATION', { reason: 'countyId is required', counties });
          }
          countyId = counties[0];
        } else {
          requireCounty(p, countyId, [], 'API_ERR_TASK_NOT_FOUND', 'read');
        }
        if (q.cursor !== undefined) checkInboxCursor(q.cursor, q.sort);
        const roles = p.memberships
          .filter((m) => m.countyId === countyId)
          .map((m) => ({ role: m.role, unitId: m.unitId }));
        const page = await inboxPage(ctx.store.db, {
          countyId,
          userId: p.userId,
          roles,
          scope: q.scope,
          sort: q.sort,
          limit: q.limit,
          now: ctx.now(),
          ...(q.stage === undefined ? {} : { stage: q.stage }),
          ...(q.processId === undefined ? {} : { processId: q.processId }),
          ...(q.deadlineState === undefined ? {} : { deadlineState: q.deadlineState }),
          ...(q.dueBefore === undefined ? {} : { dueBefore: new Date(q.dueBefore) }),
          ...(q.caseNumber === undefined ? {} : { caseNumber: q.caseNumber }),
          ...(q.petitioner === undefined ? {} : { petitionerName: q.petitioner }),
          ...(q.cursor === undefined ? {} : { cursor: q.cursor }),
        });
        const provisional = await provisionalTaskIds(ctx, countyId, page.items);
        return {
          countyId,
          items: page.items.map((i) => ({
            ...i,
            dueAt: i.dueAt === null ? null : i.dueAt.toISOString(),
            warnAt: i.warnAt === null ? null : i.warnAt.toISOString(),
            createdAt: i.createdAt.toISOString(),
            ...(provisional.has(i.taskId) ? { provisional: true } : {}),
          })),
          nextCursor: page.nextCursor,
        };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/tasks/:id',
      {
        config: { prefetch: 'task' },
        schema: {
          tags: ['tasks'],
          summary: 'The task with its form view for your role, the case, and the moves that apply',
          params: { type: 'object', required: ['id'], properties: { id: taskIdSchema } },
          response: {
            200: {
              type: 'object',
              required: ['task', 'case', 'form', 'moves'],
              properties: {
                task: {
                  type: 'object',
                  properties: {
                    taskId: { type: 'string' },
                    caseId: { type: 'string' },
                    caseNumber: { type: 'string' },
                    countyId: { type: 'string' },
                    processId: { type: 'string' },
                    elementId: { type: 'string' },
                    name: { type: 'string' },
                    stage: nullableString,
                    status: { type: 'string' },
                    assigneeId: nullableString,
                    unitId: nullableString,
                    dueAt: nullableTimestamp,
                    warnAt: nullableTimestamp,
                    createdAt: timestamp,
                    completedAt: nullableTimestamp,
                    completedBy: nullableString,
                    formRef: nullableString,
                    provisional: {
                      type: 'boolean',
                      description:
                        'true when the due date rests on a provisional holiday schedule (absent otherwise)',
                    },
                    candidateGroups: { type: 'array', items: { type: 'string' } },
                    hasDraft: { type: 'boolean' },
                  },
                },
                case: {
                  type: 'object',
                  properties: {
                    caseId: { type: 'string' },
                    number: { type: 'string' },
                    petitionerName: nullableString,
                  },
                },
                form: {
                  anyOf: [
                    { type: 'null' },
                    {
                      type: 'object',
                      properties: {
                        formId: { type: 'string' },
                        schema: freeObject,
                        ui: freeObject,
                        data: freeObject,
                        fields: { type: 'array', items: freeObject },
                        ruleState: freeObject,
                        permissions: { type: 'array', items: freeObject },
                      },
                    },
                  ],
                },
                moves: { type: 'array', items: { type: 'string', enum: [...TASK_ACTIONS] } },
              },
            },
            ...errorResponses(...AUTHED, 404),
          },
        },
      },
      async (req) => {
        const p = principalOf(req);
        const t = await taskOf(ctx, req, p);
        const roles = rolesIn(p, t.county_id);
        const graph = await graphOf(ctx, t.county_id, t.deployment_id, t.process_id);
        const node = graph?.nodes[t.element_id] as UserTaskNode | undefined;
        const permissions = node?.kind === 'userTask' ? node.permissions : [];
        const formId = t.form_ref ?? (node?.kind === 'userTask' ? node.form?.ref : undefined);
        const et = engineTask(t.state, t.task_id);
        const data = { ...caseVariables(t.state), ...(et?.draft ?? {}) };
        let form: Record<string, unknown> | null = null;
        if (formId !== undefined) {
          const compiled = await ctx.forms.get(t.county_id, t.deployment_id, formId);
          if (compiled !== undefined) {
            const role =
              [...roles].find((r) => node?.assignment.candidateGroups.includes(r)) ?? [...roles][0];
            const view = formView(compiled, {
              permissions,
              ...(role === undefined ? {} : { role }),
              data,
              canSeeSensitive: roles.has('registrar') || roles.has('handler') || roles.has('reviewer'),
              lang: lang(req),
            });
            form = {
              formId,
              schema: view.schema,
              ui: view.ui,
              data: view.data,
              fields: view.fields,
              ruleState: view.ruleState,
              permissions,
            };
          }
        }
        const [summary] = await taskSummaries(ctx, t.county_id, t.case_id, [t.task_id]);
        return {
          task: {
            taskId: t.task_id,
            caseId: t.case_id,
            caseNumber: t.case_number,
            countyId: t.county_id,
            processId: t.process_id,
            elementId: t.element_id,
            name: t.name,
            stage: t.stage,
            status: t.status,
            assigneeId: t.assignee_id,
            unitId: t.unit_id,
            dueAt: t.due_at === null ? null : t.due_at.toISOString(),
            warnAt: t.warn_at === null ? null : t.warn_at.toISOString(),
            createdAt: t.created_at.toISOString(),
            completedAt: t.completed_at === null ? null : t.completed_at.toISOString(),
            completedBy: t.completed_by,
            formRef: formId ?? null,
            ...(summary?.['provisional'] === true ? { provisional: true } : {}),
            candidateGroups: (summary?.['candidateGroups'] as string[] | undefined) ?? [],
            hasDraft: et?.draft !== undefined,
          },
          case: { caseId: t.case_id, number: t.case_number, petitionerName: t.petitioner_name },
          form,
          moves: movesFor(p, t),
        };
      },
    );

    for (const action of TASK_ACTIONS) {
      const spec = ACTION_BODIES[action];
      app.post<{
        Params: { id: string };
        Body: ActionBody | undefined;
        Headers: { 'idempotency-key'?: string };
      }>(
        `/api/tasks/:id/${action}`,
        {
          config: { prefetch: 'task' },
          schema: {
            tags: ['tasks'],
            summary: spec.summary,
            params: { type: 'object', required: ['id'], properties: { id: taskIdSchema } },
            body: { type: 'object', additionalProperties: false, ...spec.body },
            response: {
              200: {
                type: 'object',
                required: ['caseId', 'version', 'status'],
                properties: {
                  caseId: { type: 'string' },
                  caseNumber: { type: 'string' },
                  version: { type: 'integer' },
                  status: { type: 'string' },
                  stage: nullableString,
                  replayed: { type: 'boolean' },
                  tasksCreated: { type: 'array', items: { type: 'string' } },
                  tasksClosed: { type: 'array', items: { type: 'string' } },
                },
              },
              ...errorResponses(...AUTHED, 404, 409, 413, 415, 422),
            },
          },
        },
        async (req) => {
          const p = principalOf(req);
          const key = idempotencyKeyOf(req);
          const t = await taskOf(ctx, req, p);
          requireCounty(p, t.county_id, STAFF_ROLES, 'API_ERR_TASK_NOT_FOUND');
          const b = req.body ?? {};
          const actor = actorFor(p, t.county_id);
          const base = { actor, ...(b.comment === undefined ? {} : { comment: b.comment }) };
          await checkUsers(ctx, t.county_id, [
            ...(b.to === undefined ? [] : [b.to]),
            ...(b.users ?? []),
            ...(b.user === undefined ? [] : [b.user]),
          ]);
          let variables: Variables | undefined;
          if (b.data !== undefined && (action === 'complete' || action === 'draft' || action === 'resolve')) {
            variables = await checkedData(ctx, req, t, b.data, action === 'draft');
          }
          const id = t.task_id;
          const command: Exclude<Command, StartCommand> = (() => {
            switch (action) {
              case 'claim':
                return { type: 'claim', taskId: id, ...base };
              case 'unclaim':
                return { type: 'unclaim', taskId: id, ...base };
              case 'complete':
                return {
                  type: 'complete',
                  taskId: id,
                  ...base,
                  ...(variables === undefined ? {} : { variables }),
                  ...(b.outcome === undefined ? {} : { outcome: b.outcome }),
                };
              case 'draft':
                return { type: 'save-draft', taskId: id, ...base, variables: variables ?? {} };
              case 'return':
                return { type: 'return', taskId: id, target: b.target ?? '', ...base };
              case 'reject':
                return { type: 'reject', taskId: id, ...base };
              case 'withdraw':
                return { type: 'withdraw', ...base, ...(b.stepId === undefined ? {} : { stepId: b.stepId }) };
              case 'transfer':
                return { type: 'transfer', taskId: id, to: b.to ?? '', ...base };
              case 'delegate':
                return { type: 'delegate', taskId: id, to: b.to ?? '', ...base };
              case 'resolve':
                return {
                  type: 'resolve',
                  taskId: id,
                  ...base,
                  ...(variables === undefined ? {} : { variables }),
                };
              case 'add-signers':
                return {
                  type: 'add-signers',
                  taskId: id,
                  users: b.users ?? [],
                  position: b.position ?? 'after',
                  ...base,
                };
              case 'remove-signer':
                return {
                  type: 'remove-signer',
                  taskId: id,
                  ...base,
                  ...(b.signerTaskId === undefined ? {} : { signerTaskId: b.signerTaskId }),
                  ...(b.user === undefined ? {} : { user: b.user }),
                };
              case 'cc':
                return {
                  type: 'cc',
                  taskId: id,
                  users: b.users ?? [],
                  ...(b.groups === undefined ? {} : { groups: b.groups }),
                  ...base,
                };
              case 'urge':
                return { type: 'urge', taskId: id, ...base };
            }
          })();
          return executeOnCase(ctx, action, {
            countyId: t.county_id,
            caseId: t.case_id,
            command,
            caseRow: caseRowOf(t),
            ...(key === undefined ? {} : { idempotencyKey: key }),
          });
        },
      );
    }
  };

/** Validates submitted form data against the task's form and field permissions. */
async function checkedData(
  ctx: AppContext,
  req: FastifyRequest,
  t: TaskRow,
  data: Record<string, unknown>,
  draft: boolean,
): Promise<Variables> {
  const graph = await graphOf(ctx, t.county_id, t.deployment_id, t.process_id);
  const node = graph?.nodes[t.element_id] as UserTaskNode | undefined;
  const formId = t.form_ref ?? (node?.kind === 'userTask' ? node.form?.ref : undefined);
  if (formId === undefined) return data as Variables;
  const compiled = await ctx.forms.get(t.county_id, t.deployment_id, formId);
  if (compiled === undefined) return data as Variables;
  const permissions = node?.kind === 'userTask' ? node.permissions : [];
  const prev = caseVariables(t.state);
  // A partial submission: fields of this form not sent keep their case values.
  const props = (compiled.schema as { properties?: Record<string, unknown> }).properties ?? {};
  const current: Record<string, unknown> = {};
  for (const k of Object.keys(props)) if (Object.hasOwn(prev, k)) current[k] = prev[k];
  const result = validateSubmission(
    compiled,
    permissions,
    current,
    { ...current, ...data },
    { lang: lang(req) },
  );
  if (!result.valid && !draft)
    throw apiError('API_ERR_FORM_INVALID', { form: formId, errors: result.errors });
  // Only what changed goes to the engine (it merges into the case variables).
  const changed: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(result.data))
    if (JSON.stringify(current[k]) !== JSON.stringify(v)) changed[k] = v;
  return (draft ? data : changed) as Variables;
}

const ISO = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d{1,6})?Z$/;

/** Checks an inbox cursor before it reaches SQL (the store casts its parts to timestamps). */
export function checkInboxCursor(cursor: string, sort: 'due' | 'created' | 'priority'): void {
  let v: unknown;
  try {
    v = JSON.parse(Buffer.from(cursor, 'base64url').toString('utf8'));
  } catch {
    throw apiError('API_ERR_BAD_CURSOR');
  }
  const isTime = (x: unknown, infinity: boolean) =>
    typeof x === 'string' &&
    ((infinity && x === 'infinity') || (ISO.test(x) && !Number.isNaN(Date.parse(x))));
  const isId = (x: unknown) => typeof x === 'string' && taskIdPattern.test(x) && x.length <= 120;
  const ok =
    Array.isArray(v) &&
    v[0] === sort &&
    (sort === 'due'
      ? v.length === 3 && isTime(v[1], true) && isId(v[2])
      : sort === 'created'
        ? v.length === 3 && isTime(v[1], false) && isId(v[2])
        : v.length === 4 &&
          typeof v[1] === 'number' &&
          Number.isSafeInteger(v[1]) &&
          isTime(v[2], true) &&
          isId(v[3]));
  if (!ok) throw apiError('API_ERR_BAD_CURSOR');
}

const taskIdPattern = new RegExp(taskIdSchema.pattern);
