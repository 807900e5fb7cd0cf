/**
 * Operational routes: `GET /api/health` (liveness + database round trip) and `GET /api/metrics`
 * (Prometheus text: HTTP requests, commands, errors, timer lateness and backlog, open tasks by
 * deadline state). Both are public: they carry no personal data (restrict them at the reverse
 * proxy if needed, see docs/operations.md).
 *
 * @example
 * ```sh
 * curl -s localhost:3000/api/health   # {"status":"ok","database":"ok","time":"…"}
 * ```
 */
import type { FastifyPluginAsync } from 'fastify';
import { sql } from 'kysely';
import type { AppContext } from '../context.js';
import { apiError } from '../errors.js';
import { errorResponses, timestamp } from '../schemas.js';

/** The system routes plugin. */
export const systemRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    // Timers fired since the previous scrape feed the lateness histogram (fired by any worker process).
    let lastScrape = ctx.now();
    app.get(
      '/api/health',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['system'],
          summary: 'Liveness and database check',
          security: [],
          response: {
            200: {
              type: 'object',
              required: ['status', 'database', 'time'],
              properties: {
                status: { type: 'string', enum: ['ok'] },
                database: { type: 'string', enum: ['ok'] },
                time: timestamp,
              },
            },
            ...errorResponses(503),
          },
        },
      },
      async () => {
        try {
          await sql`SELECT 1`.execute(ctx.store.db);
        } catch {
          throw apiError('API_ERR_UNAVAILABLE', { database: 'unreachable' });
        }
        return { status: 'ok' as const, database: 'ok' as const, time: ctx.now().toISOString() };
      },
    );

    app.get(
      '/api/metrics',
      {
        config: { auth: 'none' },
        schema: {
          tags: ['system'],
          summary: 'Prometheus metrics (text exposition format)',
          security: [],
          produces: ['text/plain'],
          response: { 200: { type: 'string', description: 'Prometheus text format 0.0.4' } },
        },
      },
      async (_req, reply) => {
        const now = ctx.now();
        const tasks = await sql<{ state: string; n: string | number }>`
          SELECT CASE WHEN due_at IS NULL THEN 'none'
                      WHEN due_at <= ${now} THEN 'overdue'
                      WHEN warn_at IS NOT NULL AND warn_at <= ${now} THEN 'warning'
                      ELSE 'normal' END AS state, count(*) AS n
          FROM tasks WHERE status = 'open' GROUP BY 1`.execute(ctx.store.db);
        const timers = await sql<{ n: string | number; oldest: Date | string | null }>`
          SELECT count(*) AS n, min(due_at) AS oldest FROM timers
          WHERE NOT fired AND cancelled_at IS NULL AND due_at <= ${now}`.execute(ctx.store.db);
        const fired = await ctx.store.db
          .selectFrom('timers')
          .select(['lateness_ms'])
          .where('fired', '=', true)
          .where('fired_at', '>', lastScrape)
          .where('fired_at', '<=', now)
          .where('lateness_ms', 'is not', null)
          .limit(10_000)
          .execute();
        for (const f of fired) ctx.metrics.timerLateness.observe(Math.max(0, Number(f.lateness_ms)) / 1000);
        lastScrape = now;
        const openTasks: Record<string, number> = {};
        for (const r of tasks.rows) openTasks[r.state] = Number(r.n);
        const t = timers.rows[0];
        const oldest = t?.oldest == null ? null : new Date(t.oldest);
        ctx.metrics.setScrape({
          openTasks,
          dueTimers: Number(t?.n ?? 0),
          timerBacklogSeconds: oldest === null ? 0 : Math.max(0, (now.getTime() - oldest.getTime()) / 1000),
        });
        const text = await ctx.metrics.registry.metrics();
        return reply.type(ctx.metrics.registry.contentType).send(text);
      },
    );
  };
