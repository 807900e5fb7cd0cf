/**
 * Pilots and deployments:
 * - `POST /api/pilots/{pilotId}/deployments` — deploy a bundle, sent as JSON `{ files: { path: content }, countyId? }`
 *   or as a zip / tar / tar.gz upload (`?countyId=` then); needs `pilot-admin` in the county.
 *   `201 { deploymentId, version, created, problems }`; validation errors block it (`422 API_ERR_DEPLOY_INVALID`
 *   with `details.problems`). Identical content answers `200` with the existing deployment.
 * - `GET /api/pilots` — pilots of every county the caller can read.
 * - `GET /api/pilots/{pilotId}/deployments` — its versions, newest first.
 * - `GET /api/deployments/{id}/files/{path}` — one file of a deployment, as stored.
 *
 * @example
 * ```sh
 * curl -X POST localhost:3000/api/pilots/qingshan/deployments?countyId=qingshan \
 *   -H "authorization: Bearer $TOKEN" -H 'content-type: application/zip' --data-binary @qingshan.zip
 * ```
 */
import type { FastifyPluginAsync, FastifyRequest } from 'fastify';
import { sql } from 'kysely';
import { getDeployment } from '@shidian/store';
import { principalOf } from '../authenticate.js';
import { readableCounties, requireCounty, type Principal } from '../access.js';
import type { AppContext } from '../context.js';
import { apiError } from '../errors.js';
import { ARCHIVE_MEDIA_TYPES, filesFromArchive } from '../bundle-upload.js';
import { deployBundle } from '../deployments.js';
import { AUTHED, errorResponses, nullableString, slug, timestamp } from '../schemas.js';

const problemSchema = {
  type: 'object',
  required: ['code', 'severity', 'file', 'message'],
  properties: {
    code: { type: 'string' },
    severity: { type: 'string', enum: ['error', 'warning'] },
    file: { type: 'string' },
    element: { type: 'string' },
    line: { type: 'integer' },
    column: { type: 'integer' },
    cause: { type: 'string' },
    message: { type: 'object', properties: { zh: { type: 'string' }, en: { type: 'string' } } },
  },
} as const;

const deploymentSchema = {
  type: 'object',
  required: ['deploymentId', 'countyId', 'pilotId', 'version', 'active', 'createdAt'],
  properties: {
    deploymentId: { type: 'string', description: 'sha256 of the canonical bundle' },
    countyId: { type: 'string' },
    pilotId: { type: 'string' },
    version: { type: 'integer' },
    active: { type: 'boolean' },
    createdAt: timestamp,
    createdBy: nullableString,
    processes: { type: 'array', items: { type: 'string' } },
    forms: { type: 'array', items: { type: 'string' } },
    files: { type: 'array', items: { type: 'string' } },
  },
} as const;

interface DeployBody {
  files: Record<string, string>;
  countyId?: string;
}

const MEDIA_BY_EXT: Array<[RegExp, string]> = [
  [/\.json$/, 'application/json; charset=utf-8'],
  [/\.(bpmn|xml|dmn)$/, 'application/xml; charset=utf-8'],
  [/\.ya?ml$/, 'application/yaml; charset=utf-8'],
];

function pickCounty(p: Principal, requested: string | undefined): string {
  if (requested !== undefined) {
    requireCounty(p, requested, ['pilot-admin'], 'API_ERR_PILOT_NOT_FOUND');
    return requested;
  }
  const admin = [...new Set(p.memberships.filter((m) => m.role === 'pilot-admin').map((m) => m.countyId))];
  if (admin.length === 1 && admin[0] !== undefined) return admin[0];
  if (admin.length === 0) throw apiError('API_ERR_FORBIDDEN', { need: ['pilot-admin'] });
  throw apiError('API_ERR_VALIDATION', {
    reason: 'countyId is required: you administer pilots in several counties',
    counties: admin,
  });
}

/** The pilots and deployments routes plugin. */
export const pilotRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.addContentTypeParser(
      [...ARCHIVE_MEDIA_TYPES],
      { parseAs: 'buffer', bodyLimit: ctx.deployBodyLimit },
      (_req, body, done) => {
        done(null, body);
      },
    );

    app.post<{ Params: { pilotId: string }; Querystring: { countyId?: string }; Body: DeployBody | Buffer }>(
      '/api/pilots/:pilotId/deployments',
      {
        bodyLimit: ctx.deployBodyLimit,
        schema: {
          tags: ['pilots'],
          summary: 'Deploy a pilot bundle (validated; errors block the deploy)',
          params: { type: 'object', required: ['pilotId'], properties: { pilotId: slug } },
          querystring: { type: 'object', additionalProperties: false, properties: { countyId: slug } },
          body: {
            content: {
              'application/json': {
                schema: {
                  type: 'object',
                  additionalProperties: false,
                  required: ['files'],
                  properties: {
                    files: {
                      type: 'object',
                      description: 'path → UTF-8 content; the manifest is pilot.yaml or pilot.json',
                      maxProperties: 2000,
                      propertyNames: { maxLength: 300 },
                      additionalProperties: { type: 'string' },
                    },
                    countyId: slug,
                  },
                },
              },
              'application/zip': { schema: {} },
              'application/x-tar': { schema: {} },
              'application/gzip': { schema: {} },
            },
          },
          response: {
            200: {
              type: 'object',
              properties: {
                deploymentId: { type: 'string' },
                version: { type: 'integer' },
                created: { type: 'boolean' },
                problems: { type: 'array', items: problemSchema },
              },
            },
            201: {
              type: 'object',
              required: ['deploymentId', 'version', 'created', 'problems'],
              properties: {
                deploymentId: { type: 'string' },
                version: { type: 'integer' },
                created: { type: 'boolean' },
                problems: { type: 'array', items: problemSchema },
              },
            },
            ...errorResponses(...AUTHED, 404, 413, 415, 422),
          },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        let files: Record<string, string>;
        let requestedCounty = req.query.countyId;
        if (Buffer.isBuffer(req.body)) {
          files = filesFromArchive(mediaTypeOf(req), req.body);
        } else {
          files = req.body.files;
          if (req.body.countyId !== undefined) {
            if (requestedCounty !== undefined && requestedCounty !== req.body.countyId)
              throw apiError('API_ERR_VALIDATION', { reason: 'countyId differs between query and body' });
            requestedCounty = req.body.countyId;
          }
        }
        const countyId = pickCounty(p, requestedCounty);
        const result = await deployBundle(ctx.store.db, {
          countyId,
          pilotId: req.params.pilotId,
          files,
          userId: p.userId,
          now: ctx.now(),
        });
        if (!result.ok) throw apiError('API_ERR_DEPLOY_INVALID', { problems: result.problems });
        req.log.info(
          {
            countyId,
            pilotId: req.params.pilotId,
            deploymentId: result.deploymentId,
            version: result.version,
          },
          'deployed',
        );
        return reply.code(result.created ? 201 : 200).send({
          deploymentId: result.deploymentId,
          version: result.version,
          created: result.created,
          problems: result.problems,
        });
      },
    );

    app.get<{ Querystring: { countyId?: string } }>(
      '/api/pilots',
      {
        schema: {
          tags: ['pilots'],
          summary: 'Pilots of the counties you can read',
          querystring: { type: 'object', additionalProperties: false, properties: { countyId: slug } },
          response: {
            200: {
              type: 'object',
              required: ['items'],
              properties: {
                items: {
                  type: 'array',
                  items: {
                    type: 'object',
                    required: ['countyId', 'pilotId', 'name'],
                    properties: {
                      countyId: { type: 'string' },
                      pilotId: { type: 'string' },
                      name: { type: 'string' },
                      description: { type: 'string' },
                      activeDeploymentId: nullableString,
                      activeVersion: { anyOf: [{ type: 'integer' }, { type: 'null' }] },
                      createdAt: timestamp,
                    },
                  },
                },
              },
            },
            ...errorResponses(...AUTHED, 404),
          },
        },
      },
      async (req) => {
        const p = principalOf(req);
        let counties = readableCounties(p);
        if (req.query.countyId !== undefined) {
          requireCounty(p, req.query.countyId, [], 'API_ERR_PILOT_NOT_FOUND', 'read');
          counties = [req.query.countyId];
        }
        if (counties.length === 0) return { items: [] };
        const rows = await ctx.store.db
          .selectFrom('pilots as p')
          .leftJoin('deployments as d', (j) =>
            j
              .onRef('d.county_id', '=', 'p.county_id')
              .onRef('d.deployment_id', '=', 'p.active_deployment_id'),
          )
          .select([
            'p.county_id',
            'p.pilot_id',
            'p.name',
            'p.description',
            'p.active_deployment_id',
            'p.created_at',
            'd.version',
          ])
          .where('p.county_id', 'in', counties)
          .orderBy('p.county_id')
          .orderBy('p.pilot_id')
          .execute();
        return {
          items: rows.map((r) => ({
            countyId: r.county_id,
            pilotId: r.pilot_id,
            name: r.name,
            description: r.description,
            activeDeploymentId: r.active_deployment_id,
            activeVersion: r.version ?? null,
            createdAt: r.created_at.toISOString(),
          })),
        };
      },
    );

    app.get<{ Params: { pilotId: string }; Querystring: { countyId?: string } }>(
      '/api/pilots/:pilotId/deployments',
      {
        schema: {
          tags: ['pilots'],
          summary: 'Deployed versions of a pilot, newest first',
          params: { type: 'object', required: ['pilotId'], properties: { pilotId: slug } },
          querystring: { type: 'object', additionalProperties: false, properties: { countyId: slug } },
          response: {
            200: {
              type: 'object',
              required: ['items'],
              properties: { items: { type: 'array', items: deploymentSchema } },
            },
            ...errorResponses(...AUTHED, 404),
          },
        },
      },
      async (req) => {
        const p = principalOf(req);
        let counties = readableCounties(p);
        if (req.query.countyId !== undefined) {
          requireCounty(p, req.query.countyId, [], 'API_ERR_PILOT_NOT_FOUND', 'read');
          counties = [req.query.countyId];
        }
        if (counties.length === 0) throw apiError('API_ERR_PILOT_NOT_FOUND');
        const rows = await ctx.store.db
          .selectFrom('deployments as d')
          .innerJoin('pilots as p', (j) =>
            j.onRef('p.county_id', '=', 'd.county_id').onRef('p.pilot_id', '=', 'd.pilot_id'),
          )
          .select([
            'd.deployment_id',
            'd.county_id',
            'd.pilot_id',
            'd.version',
            'd.created_at',
            'd.created_by',
            'p.active_deployment_id',
          ])
          .select((eb) => [
            eb
              .selectFrom('deployment_processes as dp')
              .select((e) => e.fn.agg<string[]>('array_agg', ['dp.process_id']).as('x'))
              .whereRef('dp.county_id', '=', 'd.county_id')
              .whereRef('dp.deployment_id', '=', 'd.deployment_id')
              .as('processes'),
            eb
              .selectFrom('deployment_forms as df')
              .select((e) => e.fn.agg<string[]>('array_agg', ['df.form_id']).as('x'))
              .whereRef('df.county_id', '=', 'd.county_id')
              .whereRef('df.deployment_id', '=', 'd.deployment_id')
              .as('forms'),
          ])
          .where('d.county_id', 'in', counties)
          .where('d.pilot_id', '=', req.params.pilotId)
          .orderBy('d.county_id')
          .orderBy('d.version', 'desc')
          .execute();
        if (rows.length === 0) {
          const pilot = await ctx.store.db
            .selectFrom('pilots')
            .select('pilot_id')
            .where('county_id', 'in', counties)
            .where('pilot_id', '=', req.params.pilotId)
            .executeTakeFirst();
          if (pilot === undefined) throw apiError('API_ERR_PILOT_NOT_FOUND');
        }
        return {
          items: rows.map((r) => ({
            deploymentId: r.deployment_id,
            countyId: r.county_id,
            pilotId: r.pilot_id,
            version: r.version,
            active: r.active_deployment_id === r.deployment_id,
            createdAt: r.created_at.toISOString(),
            createdBy: r.created_by,
            processes: [...(r.processes ?? [])].sort(),
            forms: [...(r.forms ?? [])].sort(),
          })),
        };
      },
    );

    app.get<{ Params: { id: string; '*': string }; Querystring: { countyId?: string } }>(
      '/api/deployments/:id/files/*',
      {
        schema: {
          tags: ['pilots'],
          summary: 'One file of a deployment, exactly as deployed',
          params: {
            type: 'object',
            required: ['id', '*'],
            properties: {
              id: { type: 'string', pattern: '^[0-9a-f]{64}$' },
              '*': { type: 'string', minLength: 1, maxLength: 300 },
            },
          },
          querystring: { type: 'object', additionalProperties: false, properties: { countyId: slug } },
          response: {
            200: { type: 'string', description: 'The file content' },
            ...errorResponses(...AUTHED, 404),
          },
        },
      },
      async (req, reply) => {
        const p = principalOf(req);
        let counties = readableCounties(p);
        if (req.query.countyId !== undefined) {
          requireCounty(p, req.query.countyId, [], 'API_ERR_DEPLOYMENT_NOT_FOUND', 'read');
          counties = [req.query.countyId];
        }
        if (counties.length === 0) throw apiError('API_ERR_DEPLOYMENT_NOT_FOUND');
        const path = decodeURIComponent(req.params['*']);
        const row = await ctx.store.db
          .selectFrom('deployments')
          .select([
            sql<unknown>`bundle -> 'files' ->> ${path}`.as('content'),
            sql<boolean>`(bundle -> 'files') IS NOT NULL`.as('has_files'),
            'county_id',
          ])
          .where('county_id', 'in', counties)
          .where('deployment_id', '=', req.params.id)
          .orderBy('county_id')
          .executeTakeFirst();
        if (row === undefined) throw apiError('API_ERR_DEPLOYMENT_NOT_FOUND');
        // one file straight from the row; a row in the older bundle shape is read whole and converted
        const content = row.has_files
          ? row.content
          : (await getDeployment(ctx.store.db, row.county_id, req.params.id)).bundle.files[path];
        if (typeof content !== 'string') throw apiError('API_ERR_FILE_NOT_FOUND', { path });
        const type = MEDIA_BY_EXT.find(([re]) => re.test(path))?.[1] ?? 'text/plain; charset=utf-8';
        void reply.header('x-content-type-options', 'nosniff');
        return reply.type(type).send(content);
      },
    );
  };

function mediaTypeOf(req: FastifyRequest): string {
  const ct = req.headers['content-type'] ?? '';
  return ct.split(';')[0]?.trim().toLowerCase() ?? '';
}
