/**
 * Cases (信访事项):
 * - `POST /api/cases` `{ pilotId, processId?, data, receivedAt?, countyId?, responsibleUnitId? }` with an
 *   optional `Idempotency-Key` header → `201 { caseId, number, tasks, deadlines }`; the same key and body
 *   again answer the same case (`Idempotent-Replayed: true`), the same key with another body is 409.
 *   The data is checked against the form of the process's start event.
 * - `GET /api/cases` — filters (`countyId`, `status`, `pilotId`, `stage`, `number` prefix, `petitioner` prefix,
 *   `createdFrom`, `createdTo`), keyset paging (`limit`, `cursor`), newest first.
 * - `GET /api/cases/{id}`, `GET /api/cases/{id}/history` (the audit hash chain, paged by sequence number).
 * - `POST /api/cases/{id}/{cancel|suspend|resume|extend}` — supervisors and leaders.
 *
 * @example
 * ```sh
 * curl -X POST localhost:3000/api/cases -H "authorization: Bearer $T" -H 'idempotency-key: intake-42' \
 *   -H 'content-type: application/json' -d '{"pilotId":"qingshan","data":{…}}'
 * ```
 */
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { FormBinding, ProcessGraph, StartEventNode } from '@shidian/bpmn';
import type { Variables } from '@shidian/engine';
import { validateSubmission } from '@shidian/forms';
import type { CaseStatus } from '@shidian/store';
import { principalOf } from '../authenticate.js';
import { readableCounties, requireCounty, type Principal } from '../access.js';
import { actorFor, executeOnCase, idempotencyKeyOf, runCommand } from '../commands.js';
import type { AppContext } from '../context.js';
import { apiError } from '../errors.js';
import { decodeCursor, encodeCursor } from '../paging.js';
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

const taskSummarySchema = {
  type: 'object',
  required: ['taskId', 'name', 'elementId'],
  properties: {
    taskId: { type: 'string' },
    name: { type: 'string' },
    elementId: { type: 'string' },
    stage: nullableString,
    status: { type: 'string' },
    assigneeId: nullableString,
    unitId: nullableString,
    dueAt: nullableTimestamp,
    warnAt: nullableTimestamp,
    /** Present (true) only when the due date rests on a provisional holiday schedule (docs/calendar.md §1a). */
    provisional: {
      type: 'boolean',
      description: 'true when the due date rests on a provisional holiday schedule (absent otherwise)',
    },
    candidateGroups: { type: 'array', items: { type: 'string' } },
  },
} as const;

const caseSchema = {
  type: 'object',
  required: [
    'caseId',
    'countyId',
    'number',
    'pilotId',
    'deploymentId',
    'processId',
    'status',
    'version',
    'createdAt',
  ],
  properties: {
    caseId: { type: 'string' },
    countyId: { type: 'string' },
    number: { type: 'string' },
    pilotId: { type: 'string' },
    deploymentId: { type: 'string' },
    processId: { type: 'string' },
    stage: nullableString,
    status: { type: 'string', description: 'active, completed, terminated or cancelled' },
    suspended: { type: 'boolean' },
    version: { type: 'integer' },
    title: { type: 'string' },
    petitionerName: nullableString,
    responsibleUnitId: nullableString,
    createdBy: nullableString,
    createdAt: timestamp,
    updatedAt: timestamp,
    endedAt: nullableTimestamp,
  },
} as const;

interface CreateBody {
  pilotId: string;
  processId?: string;
  data: Record<string, unknown>;
  receivedAt?: string;
  countyId?: string;
  responsibleUnitId?: string;
  title?: string;
}

interface ListQuery {
  countyId?: string;
  status?: CaseStatus;
  pilotId?: string;
  stage?: string;
  number?: string;
  petitioner?: string;
  createdFrom?: string;
  createdTo?: string;
  limit: number;
  cursor?: string;
}

type CaseRowLike = {
  case_id: string;
  county_id: string;
  number: string;
  pilot_id: string;
  deployment_id: string;
  process_id: string;
  stage: string | null;
  status: CaseStatus;
  version: number;
  title: string;
  petitioner_name: string | null;
  responsible_unit_id: string | null;
  created_by: string | null;
  created_at: Date;
  updated_at: Date;
  ended_at: Date | null;
  state?: unknown;
};

function caseOut(r: CaseRowLike): Record<string, unknown> {
  const state = r.state as { suspendedAt?: unknown } | undefined;
  return {
    caseId: r.case_id,
    countyId: r.county_id,
    number: r.number,
    pilotId: r.pilot_id,
    deploymentId: r.deployment_id,
    processId: r.process_id,
    stage: r.stage,
    status: r.status,
    suspended: typeof state?.suspendedAt === 'string',
    version: r.version,
    title: r.title,
    petitionerName: r.petitioner_name,
    responsibleUnitId: r.responsible_unit_id,
    createdBy: r.created_by,
    createdAt: r.created_at.toISOString(),
    updatedAt: r.updated_at.toISOString(),
    endedAt: r.ended_at === null ? null : r.ended_at.toISOString(),
  };
}

/** The case's variables (the process scope of the engine state). */
export function caseVariables(state: unknown): Record<string, unknown> {
  const s = state as { scopes?: Record<string, { variables?: Record<string, unknown> }> } | null;
  return s?.scopes?.['s0']?.variables ?? {};
}

/** Best-effort petitioner name of intake data, denormalised for inbox filters. */
function petitionerOf(data: Record<string, unknown>): string | null {
  const pick = (v: unknown): string | null =>
    typeof v === 'string' && v.trim() !== '' ? v.trim().slice(0, 100) : null;
  const direct = pick(data['petitionerName']);
  if (direct !== null) return direct;
  const one = data['petitioner'] as Record<string, unknown> | undefined;
  if (typeof one === 'object' && one !== null) return pick(one['name']) ?? pick(one['organisationName']);
  const many = data['petitioners'];
  if (Array.isArray(many) && typeof many[0] === 'object' && many[0] !== null) {
    const first = many[0] as Record<string, unknown>;
    return pick(first['name']) ?? pick(first['organisationName']);
  }
  return null;
}

function titleOf(data: Record<string, unknown>): string {
  for (const k of ['title', 'summary', 'subject']) {
    const v = data[k];
    if (typeof v === 'string' && v.trim() !== '') return v.trim().slice(0, 200);
  }
  const claims = data['claims'];
  if (Array.isArray(claims) && typeof claims[0] === 'object' && claims[0] !== null) {
    const c = claims[0] as Record<string, unknown>;
    for (const k of ['summary', 'content', 'request', 'facts'])
      if (typeof c[k] === 'string') return (c[k] as string).slice(0, 200);
  }
  return '';
}

function pickRegistrarCounty(p: Principal, requested: string | undefined): string {
  if (requested !== undefined) {
    requireCounty(p, requested, ['registrar'], 'API_ERR_PILOT_NOT_FOUND');
    return requested;
  }
  const counties = [...new Set(p.memberships.filter((m) => m.role === 'registrar').map((m) => m.countyId))];
  if (counties.length === 1 && counties[0] !== undefined) return counties[0];
  if (counties.length === 0) throw apiError('API_ERR_FORBIDDEN', { need: ['registrar'] });
  throw apiError('API_ERR_VALIDATION', {
    reason: 'countyId is required: you register cases in several counties',
    counties,
  });
}

function startForm(graph: ProcessGraph): FormBinding | undefined {
  const scope = graph.scopes[graph.id];
  for (const id of scope?.startEvents ?? []) {
    const node = graph.nodes[id] as StartEventNode | undefined;
    if (node?.kind === 'startEvent' && node.form !== undefined) return node.form;
  }
  return undefined;
}

const processCache = new Map<string, Promise<Array<{ process_id: string; graph: unknown }>>>();

/** The processes of a deployment with their graphs (cached: deployments are immutable). */
function deploymentProcesses(
  ctx: AppContext,
  countyId: string,
  deploymentId: string,
): Promise<Array<{ process_id: string; graph: unknown }>> {
  const key = `${countyId}\u0000${deploymentId}`;
  let hit = processCache.get(key);
  if (hit === undefined) {
    if (processCache.size > 200) processCache.clear();
    hit = ctx.store.db
      .selectFrom('deployment_processes')
      .select(['process_id', 'graph'])
      .where('county_id', '=', countyId)
      .where('deployment_id', '=', deploymentId)
      .orderBy('process_id')
      .execute();
    processCache.set(key, hit);
    hit.catch(() => processCache.delete(key));
  }
  return hit;
}

/** Loads a case the caller may read, or 404 (also for another county's case). */
export async function loadCase(
  ctx: AppContext,
  p: Principal,
  caseId: string,
): Promise<CaseRowLike & { state: unknown }> {
  const counties = readableCounties(p);
  if (counties.length === 0) throw apiError('API_ERR_CASE_NOT_FOUND');
  const row = await ctx.store.db
    .selectFrom('cases')
    .selectAll()
    .where('county_id', 'in', counties)
    .where('case_id', '=', caseId)
    .executeTakeFirst();
  if (row === undefined) throw apiError('API_ERR_CASE_NOT_FOUND');
  return row;
}

/** Tasks of a case (by ids, or all open ones) with their candidate groups, for responses. */
export async function taskSummaries(
  ctx: AppContext,
  countyId: string,
  caseId: string,
  taskIds?: readonly string[],
): Promise<Record<string, unknown>[]> {
  if (taskIds !== undefined && taskIds.length === 0) return [];
  let q = ctx.store.db
    .selectFrom('tasks as t')
    .select([
      't.task_id',
      't.name',
      't.element_id',
      't.stage',
      't.status',
      't.assignee_id',
      't.unit_id',
      't.due_at',
      't.warn_at',
    ])
    .select((eb) =>
      eb
        .selectFrom('task_candidates as c')
        .select(sql<string[]>`coalesce(array_agg(c.value ORDER BY c.value), '{}')`.as('g'))
        .whereRef('c.county_id', '=', 't.county_id')
        .whereRef('c.task_id', '=', 't.task_id')
        .where('c.kind', '=', 'group')
        .as('groups'),
    )
    // the budget's provisional flag lives in the engine state of the case
    .select(
      sql<
        boolean | null
      >`(select (cs.state -> 'budgets' -> t.budget_id ->> 'provisional')::boolean from cases cs where cs.county_id = t.county_id and cs.case_id = t.case_id)`.as(
        'provisional',
      ),
    )
    .where('t.county_id', '=', countyId)
    .where('t.case_id', '=', caseId);
  q = taskIds === undefined ? q.where('t.status', '=', 'open') : q.where('t.task_id', 'in', [...taskIds]);
  const rows = await q.orderBy('t.created_at').orderBy('t.task_id').execute();
  return rows.map((r) => ({
    taskId: r.task_id,
    name: r.name,
    elementId: r.element_id,
    stage: r.stage,
    status: r.status,
    assigneeId: r.assignee_id,
    unitId: r.unit_id,
    dueAt: r.due_at === null ? null : r.due_at.toISOString(),
    warnAt: r.warn_at === null ? null : r.warn_at.toISOString(),
    ...(r.provisional === true ? { provisional: true } : {}),
    candidateGroups: r.groups ?? [],
  }));
}

const CASE_ACTIONS = {
  cancel: {
    roles: ['supervisor', 'leader'],
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['reason'],
      properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } },
    },
  },
  suspend: {
    roles: ['supervisor', 'leader'],
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['reason'],
      properties: { reason: { type: 'string', minLength: 1, maxLength: 2000 } },
    },
  },
  resume: {
    roles: ['supervisor', 'leader'],
    body: {
      type: 'object',
      additionalProperties: false,
      properties: { comment: { type: 'string', maxLength: 2000 } },
    },
  },
  extend: {
    roles: ['leader', 'supervisor'],
    body: {
      type: 'object',
      additionalProperties: false,
      required: ['period', 'reason'],
      properties: {
        taskId: { type: 'string', maxLength: 120, pattern: '^[A-Za-z0-9][A-Za-z0-9._:-]*$' },
        budgetId: { type: 'string', maxLength: 100 },
        period: {
          type: 'string',
          minLength: 1,
          maxLength: 20,
          description: 'e.g. 30d (one extension of at most 30 days, approved by the head of the body)',
        },
        reason: { type: 'string', minLength: 1, maxLength: 2000 },
        approver: {
          type: 'string',
          maxLength: 100,
          description: 'Who approved the extension (default: the caller)',
        },
      },
    },
  },
} as const;

type CaseActionBody = {
  reason?: string;
  comment?: string;
  taskId?: string;
  budgetId?: string;
  period?: string;
  approver?: string;
};

/** The cases routes plugin. */
export const caseRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.post<{ Body: CreateBody; Headers: { 'idempotency-key'?: string } }>(
      '/api/cases',
      {
        schema: {
          tags: ['cases'],
          summary: 'Register a case (starts the process); Idempotency-Key makes retries safe',
          headers: {
            type: 'object',
            properties: {
              'idempotency-key': { type: 'string', description: '1–200 printable ASCII characters' },
            },
          },
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['pilotId', 'data'],
            properties: {
              pilotId: slug,
              processId: slug,
              data: { ...freeObject, description: 'The intake form data (checked against the start form)' },
              receivedAt: {
                ...timestamp,
                description: 'When the petition was received (default: now); deadlines count from it',
              },
              countyId: slug,
              responsibleUnitId: slug,
              title: { type: 'string', maxLength: 200 },
            },
          },
          response: {
            201: {
              type: 'object',
              required: ['caseId', 'number', 'tasks', 'deadlines'],
              properties: {
                caseId: { type: 'string' },
                number: { type: 'string' },
                status: { type: 'string' },
                stage: nullableString,
                replayed: { type: 'boolean' },
                tasks: { type: 'array', items: taskSummarySchema },
                deadlines: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      taskId: { type: 'string' },
                      name: { type: 'string' },
                      dueAt: timestamp,
                      warnAt: nullableTimestamp,
                      provisional: {
                        type: 'boolean',
                        description:
                          'true when the due date rests on a provisional holiday schedule: recompute when the State Council publishes it',
                      },
                    },
                  },
                },
              },
            },
            ...errorResponses(...AUTHED, 404, 409, 413, 415, 422),
          },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        const key = idempotencyKeyOf(req);
        const countyId = pickRegistrarCounty(p, req.body.countyId);
        const pilot = await ctx.store.db
          .selectFrom('pilots')
          .select(['active_deployment_id'])
          .where('county_id', '=', countyId)
          .where('pilot_id', '=', req.body.pilotId)
          .executeTakeFirst();
        if (pilot === undefined) throw apiError('API_ERR_PILOT_NOT_FOUND');
        if (pilot.active_deployment_id === null) throw apiError('API_ERR_DEPLOYMENT_NOT_FOUND');
        const deploymentId = pilot.active_deployment_id;
        const processes = await deploymentProcesses(ctx, countyId, deploymentId);
        const wanted =
          req.body.processId ??
          (processes.length === 1
            ? processes[0]?.process_id
            : processes.some((x) => x.process_id === 'acceptance')
              ? 'acceptance'
              : undefined);
        if (wanted === undefined)
          throw apiError('API_ERR_VALIDATION', {
            reason: 'processId is required',
            processes: processes.map((x) => x.process_id),
          });
        const proc = processes.find((x) => x.process_id === wanted);
        if (proc === undefined) throw apiError('API_ERR_PROCESS_NOT_FOUND', { processId: wanted });
        if (
          req.body.responsibleUnitId !== undefined &&
          (await ctx.store.units.find(countyId, req.body.responsibleUnitId)) === undefined
        ) {
          throw apiError('API_ERR_VALIDATION', { reason: 'unknown responsibleUnitId' });
        }
        let data: Record<string, unknown> = req.body.data;
        const binding = startForm(proc.graph as ProcessGraph);
        if (binding !== undefined) {
          const form = await ctx.forms.get(countyId, deploymentId, binding.ref);
          if (form !== undefined) {
            const checked = validateSubmission(form, [], {}, data, {
              lang: /^\s*en\b/i.test(req.headers['accept-language'] ?? '') ? 'en' : 'zh',
              role: 'registrar',
            });
            if (!checked.valid)
              throw apiError('API_ERR_FORM_INVALID', { form: binding.ref, errors: checked.errors });
            data = { ...checked.data };
          }
        }
        const variables = {
          ...data,
          ...(req.body.receivedAt === undefined ? {} : { receivedAt: req.body.receivedAt }),
        } as Variables;
        const outcome = await runCommand(ctx, 'start', () =>
          ctx.runtime.startCase({
            countyId,
            pilotId: req.body.pilotId,
            processId: wanted,
            actor: actorFor(p, countyId),
            variables,
            title: req.body.title ?? titleOf(data),
            petitionerName: petitionerOf(data),
            ...(req.body.responsibleUnitId === undefined
              ? {}
              : { responsibleUnitId: req.body.responsibleUnitId }),
            ...(key === undefined ? {} : { idempotencyKey: key }),
          }),
        );
        const tasks = await taskSummaries(
          ctx,
          countyId,
          outcome.caseId,
          outcome.replayed ? undefined : outcome.tasksCreated,
        );
        if (outcome.replayed) void reply.header('idempotent-replayed', 'true');
        void reply.header('location', `/api/cases/${outcome.caseId}`);
        return reply.code(201).send({
          caseId: outcome.caseId,
          number: outcome.caseNumber,
          status: outcome.status,
          stage: outcome.stage,
          replayed: outcome.replayed,
          tasks,
          deadlines: tasks
            .filter((t) => t['dueAt'] !== null)
            .map((t) => ({
              taskId: t['taskId'],
              name: t['name'],
              dueAt: t['dueAt'],
              warnAt: t['warnAt'],
              ...(t['provisional'] === true ? { provisional: true } : {}),
            })),
        });
      },
    );

    app.get<{ Querystring: ListQuery }>(
      '/api/cases',
      {
        schema: {
          tags: ['cases'],
          summary: 'Cases of the counties you can read (newest first, keyset paging)',
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              countyId: slug,
              status: { type: 'string', enum: ['active', 'completed', 'terminated', 'cancelled'] },
              pilotId: slug,
              stage: {
                type: 'string',
                enum: ['prevention', 'acceptance', 'handling', 'supervision', 'order'],
              },
              number: { type: 'string', minLength: 1, maxLength: 64, description: 'case number prefix' },
              petitioner: {
                type: 'string',
                minLength: 1,
                maxLength: 64,
                description: 'petitioner name prefix',
              },
              createdFrom: timestamp,
              createdTo: timestamp,
              limit: { type: 'integer', minimum: 1, maximum: 100, default: 20 },
              cursor: { type: 'string', maxLength: 512 },
            },
          },
          response: {
            200: {
              type: 'object',
              required: ['items', 'nextCursor'],
              properties: { items: { type: 'array', items: caseSchema }, nextCursor: nullableString },
            },
            ...errorResponses(...AUTHED, 404),
          },
        },
      },
      async (req) => {
        const p = principalOf(req);
        const q = req.query;
        let counties = readableCounties(p);
        if (q.countyId !== undefined) {
          requireCounty(p, q.countyId, [], 'API_ERR_CASE_NOT_FOUND', 'read');
          counties = [q.countyId];
        }
        if (counties.length === 0) return { items: [], nextCursor: null };
        let query = ctx.store.db
          .selectFrom('cases')
          .select([
            'case_id',
            'county_id',
            'number',
            'pilot_id',
            'deployment_id',
            'process_id',
            'stage',
            'status',
            'version',
            'title',
            'petitioner_name',
            'responsible_unit_id',
            'created_by',
            'created_at',
            'updated_at',
            'ended_at',
            sql<unknown>`json_build_object('suspendedAt', state->'suspendedAt')`.as('state'),
          ])
          .where('county_id', 'in', counties);
        if (q.status !== undefined) query = query.where('status', '=', q.status);
        if (q.pilotId !== undefined) query = query.where('pilot_id', '=', q.pilotId);
        if (q.stage !== undefined) query = query.where('stage', '=', q.stage);
        if (q.number !== undefined) query = query.where('number', 'like', `${escapeLike(q.number)}%`);
        if (q.petitioner !== undefined)
          query = query.where('petitioner_name', 'like', `${escapeLike(q.petitioner)}%`);
        if (q.createdFrom !== undefined) query = query.where('created_at', '>=', new Date(q.createdFrom));
        if (q.createdTo !== undefined) query = query.where('created_at', '<', new Date(q.createdTo));
        if (q.cursor !== undefined) {
          const [at, id] = decodeCursor(q.cursor, ['date', 'uuid']) as [string, string];
          query = query.where(
            sql<boolean>`(created_at, case_id) < (${new Date(at)}::timestamptz, ${id}::uuid)`,
          );
        }
        const rows = await query
          .orderBy('created_at', 'desc')
          .orderBy('case_id', 'desc')
          .limit(q.limit + 1)
          .execute();
        const page = rows.slice(0, q.limit);
        const last = page[page.length - 1];
        return {
          items: page.map((r) => caseOut(r)),
          nextCursor:
            rows.length > q.limit && last !== undefined
              ? encodeCursor([last.created_at.toISOString(), last.case_id])
              : null,
        };
      },
    );

    app.get<{ Params: { id: string } }>(
      '/api/cases/:id',
      {
        schema: {
          tags: ['cases'],
          summary: 'One case with its data and open tasks',
          params: { type: 'object', required: ['id'], properties: { id: uuid } },
          response: {
            200: {
              type: 'object',
              required: ['case', 'data', 'tasks'],
              properties: {
                case: caseSchema,
                data: freeObject,
                tasks: { type: 'array', items: taskSummarySchema },
              },
            },
            ...errorResponses(...AUTHED, 404),
          },
        },
      },
      async (req) => {
        const p = principalOf(req);
        const row = await loadCase(ctx, p, req.params.id);
        return {
          case: caseOut(row),
          data: caseVariables(row.state),
          tasks: await taskSummaries(ctx, row.county_id, row.case_id),
        };
      },
    );

    app.get<{ Params: { id: string }; Querystring: { limit: number; cursor?: string } }>(
      '/api/cases/:id/history',
      {
        schema: {
          tags: ['cases'],
          summary: 'The audit trail of a case (append-only, hash-chained), oldest first',
          params: { type: 'object', required: ['id'], properties: { id: uuid } },
          querystring: {
            type: 'object',
            additionalProperties: false,
            properties: {
              limit: { type: 'integer', minimum: 1, maximum: 500, default: 100 },
              cursor: { type: 'string', maxLength: 512 },
            },
          },
          response: {
            200: {
              type: 'object',
              required: ['items', 'nextCursor'],
              properties: {
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    properties: {
                      seq: { type: 'integer' },
                      at: timestamp,
                      actorId: nullableString,
                      actorKind: { type: 'string' },
                      stage: nullableString,
                      kind: { type: 'string' },
                      payload: {},
                      prevHash: { type: 'string' },
                      hash: { type: 'string' },
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
        const row = await loadCase(ctx, p, req.params.id);
        let q = ctx.store.db
          .selectFrom('audit_events')
          .select(['seq', 'at', 'actor_id', 'actor_kind', 'stage', 'kind', 'payload', 'prev_hash', 'hash'])
          .where('county_id', '=', row.county_id)
          .where('chain', '=', row.case_id);
        if (req.query.cursor !== undefined) {
          const [seq] = decodeCursor(req.query.cursor, ['int']) as [number];
          q = q.where('seq', '>', seq);
        }
        const rows = await q
          .orderBy('seq')
          .limit(req.query.limit + 1)
          .execute();
        const page = rows.slice(0, req.query.limit);
        const last = page[page.length - 1];
        return {
          items: page.map((e) => ({
            seq: e.seq,
            at: e.at.toISOString(),
            actorId: e.actor_id,
            actorKind: e.actor_kind,
            stage: e.stage,
            kind: e.kind,
            payload: e.payload,
            prevHash: e.prev_hash,
            hash: e.hash,
          })),
          nextCursor: rows.length > req.query.limit && last !== undefined ? encodeCursor([last.seq]) : null,
        };
      },
    );

    for (const [action, spec] of Object.entries(CASE_ACTIONS)) {
      app.post<{ Params: { id: string }; Body: CaseActionBody; Headers: { 'idempotency-key'?: string } }>(
        `/api/cases/:id/${action}`,
        {
          schema: {
            tags: ['cases'],
            summary: `${action} the case (${spec.roles.join(' or ')})`,
            params: { type: 'object', required: ['id'], properties: { id: uuid } },
            body: spec.body,
            response: {
              200: {
                type: 'object',
                required: ['caseId', 'version', 'status'],
                properties: {
                  caseId: { type: 'string' },
                  version: { type: 'integer' },
                  status: { type: 'string' },
                  stage: nullableString,
                  tasks: { type: 'array', items: taskSummarySchema },
                },
              },
              ...errorResponses(...AUTHED, 404, 409, 415, 422),
            },
          },
        },
        async (req) => {
          const p = principalOf(req);
          const key = idempotencyKeyOf(req);
          const row = await loadCase(ctx, p, req.params.id);
          requireCounty(p, row.county_id, spec.roles, 'API_ERR_CASE_NOT_FOUND');
          const actor = actorFor(p, row.county_id);
          const b = req.body;
          const command =
            action === 'cancel'
              ? { type: 'cancel' as const, reason: b.reason ?? '', actor }
              : action === 'suspend'
                ? { type: 'suspend' as const, reason: b.reason ?? '', actor }
                : action === 'resume'
                  ? {
                      type: 'resume' as const,
                      actor,
                      ...(b.comment === undefined ? {} : { comment: b.comment }),
                    }
                  : {
                      type: 'extend-deadline' as const,
                      period: b.period ?? '',
                      reason: b.reason ?? '',
                      approver: b.approver ?? p.userId,
                      actor,
                      ...(b.taskId === undefined ? {} : { taskId: b.taskId }),
                      ...(b.budgetId === undefined ? {} : { budgetId: b.budgetId }),
                    };
          const summary = await executeOnCase(ctx, action, {
            countyId: row.county_id,
            caseId: row.case_id,
            command,
            ...(key === undefined ? {} : { idempotencyKey: key }),
          });
          return { ...summary, tasks: await taskSummaries(ctx, row.county_id, row.case_id) };
        },
      );
    }
  };

function escapeLike(s: string): string {
  return s.replace(/[\\%_]/g, (c) => `\\${c}`);
}
