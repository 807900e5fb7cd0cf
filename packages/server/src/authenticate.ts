/**
 * Authentication of every request, before its body is parsed:
 * - `Authorization: Bearer <token>` (API clients), or the `shidian_session` cookie (the web UI);
 * - a cookie-authenticated request with an unsafe method (POST, PUT, PATCH, DELETE) must also send
 *   `X-CSRF-Token` equal to the `csrfToken` returned at login (also in the `shidian_csrf` cookie);
 *   bearer requests need no CSRF token because browsers never attach them on their own;
 * - routes with `config: { auth: 'none' }` (login, health, docs) skip all of this;
 * - routes with `config: { prefetch: 'task' }` (the task routes, `:id` = a task id) read the session
 *   and that task in one statement (`lookupSession`) unless sessions are cached; the route
 *   takes the task with {@link prefetchedTask} (its own not-found and access checks still apply).
 *
 * @example
 * ```ts
 * app.get('/api/me', async (req) => principalOf(req).username);
 * ```
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import { apiError } from './errors.js';
import { csrfMatches, lookupSession } from './sessions.js';
import type { Principal } from './access.js';
import type { AppContext } from './context.js';
import type { TaskRow } from './task-row.js';

/** Name of the session cookie (HttpOnly). */
export const SESSION_COOKIE = 'shidian_session';
/** Name of the CSRF cookie (readable by the page, echoed in the header). */
export const CSRF_COOKIE = 'shidian_csrf';
/** Header that must echo the CSRF token on unsafe cookie-authenticated requests. */
export const CSRF_HEADER = 'x-csrf-token';

const SAFE_METHODS = new Set(['GET', 'HEAD', 'OPTIONS']);

declare module 'fastify' {
  interface FastifyRequest {
    /** The authenticated caller; null on public routes. */
    principal: Principal | null;
    /** The raw session secret the request authenticated with (for logout). */
    sessionToken: string | null;
    /** The task read with the session (`prefetch: 'task'` routes); null when none was read. */
    taskPrefetch: { readonly taskId: string; readonly row: TaskRow | null } | null;
  }
  interface FastifyContextConfig {
    /** `'task'`: read the task `:id` with the session, in one statement (see the module docs). */
    prefetch?: 'task';
  }
}

/**
 * The task `taskId` as the authentication hook read it with the session: the row (null: none the
 * caller may read), or undefined when the hook did not read it (look it up yourself).
 */
export function prefetchedTask(req: FastifyRequest, taskId: string): TaskRow | null | undefined {
  const p = req.taskPrefetch;
  return p !== null && p.taskId === taskId ? p.row : undefined;
}

/** The authenticated caller of a route that requires login. */
export function principalOf(req: FastifyRequest): Principal {
  if (req.principal === null) throw apiError('API_ERR_UNAUTHENTICATED');
  return req.principal;
}

function presentedToken(req: FastifyRequest): { token: string; via: 'cookie' | 'bearer' } | null {
  const header = req.headers.authorization;
  if (typeof header === 'string' && header.length > 0) {
    const m = /^Bearer\s+(\S+)\s*$/i.exec(header);
    if (m === null || m[1] === undefined)
      throw apiError('API_ERR_UNAUTHENTICATED', { reason: 'authorization header is not a bearer token' });
    return { token: m[1], via: 'bearer' };
  }
  const cookie = req.cookies[SESSION_COOKIE];
  if (typeof cookie === 'string' && cookie.length > 0) return { token: cookie, via: 'cookie' };
  return null;
}

/** Installs the authentication hook on `app` (see the module docs). */
export function registerAuthentication(app: FastifyInstance, ctx: AppContext): void {
  app.decorateRequest('principal', null);
  app.decorateRequest('sessionToken', null);
  app.decorateRequest('taskPrefetch', null);
  app.addHook('onRequest', async (req) => {
    const url = req.routeOptions.url;
    if (
      url === undefined ||
      req.routeOptions.config.auth === 'none' ||
      url === '/api/docs' ||
      url.startsWith('/api/docs/')
    )
      return;
    const presented = presentedToken(req);
    if (presented === null) throw apiError('API_ERR_UNAUTHENTICATED');
    const now = ctx.now();
    const taskId = (req.params as { id?: unknown } | undefined)?.id;
    let found;
    if (req.routeOptions.config.prefetch === 'task' && !ctx.sessions.enabled && typeof taskId === 'string') {
      const both = await lookupSession(ctx.store, presented.token, now, taskId);
      found = both.session;
      req.taskPrefetch = { taskId, row: both.task };
    } else {
      found = await ctx.sessions.resolve(presented.token, now);
    }
    if (!found.ok)
      throw apiError(found.reason === 'expired' ? 'API_ERR_TOKEN_EXPIRED' : 'API_ERR_UNAUTHENTICATED');
    if (presented.via === 'cookie' && !SAFE_METHODS.has(req.method)) {
      const header = req.headers[CSRF_HEADER];
      if (typeof header !== 'string' || !csrfMatches(presented.token, header)) throw apiError('API_ERR_CSRF');
    }
    req.principal = { ...found.principal, via: presented.via };
    req.sessionToken = presented.token;
  });
}
