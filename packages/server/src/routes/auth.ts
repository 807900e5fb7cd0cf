/**
 * `POST /api/auth/login`, `POST /api/auth/logout`, `GET /api/me`.
 *
 * Login answers with a bearer `token` and its `csrfToken`, and sets two cookies for the web UI:
 * `shidian_session` (HttpOnly, Secure, SameSite=Strict, Path=/api) and `shidian_csrf` (Secure,
 * SameSite=Strict, readable by the page so it can echo it in `X-CSRF-Token`). Login is rate-limited
 * per client address; an unknown user costs the same scrypt time as a wrong password.
 *
 * @example
 * ```sh
 * curl -s localhost:3000/api/auth/login -H 'content-type: application/json' \
 *   -d '{"username":"huian.registrar","password":"…"}'
 * ```
 */
import type { FastifyPluginAsync, FastifyReply } from 'fastify';
import { principalOf, CSRF_COOKIE, SESSION_COOKIE } from '../authenticate.js';
import type { AppContext } from '../context.js';
import { apiError } from '../errors.js';
import { dummyHash, verifyPassword } from '../password.js';
import { AUTHED, errorResponses, timestamp } from '../schemas.js';
import { createSession, resolveSession, revokeSession } from '../sessions.js';
import { readableCounties, ROLES, type Principal } from '../access.js';

const meSchema = {
  $id: 'Me',
  type: 'object',
  required: ['userId', 'username', 'displayName', 'memberships', 'provinces', 'readableCounties'],
  properties: {
    userId: { type: 'string' },
    username: { type: 'string' },
    displayName: { type: 'string' },
    memberships: {
      type: 'array',
      items: {
        type: 'object',
        required: ['countyId', 'unitId', 'role'],
        properties: {
          countyId: { type: 'string' },
          unitId: { anyOf: [{ type: 'string' }, { type: 'null' }] },
          role: { type: 'string', description: `one of ${ROLES.join(', ')}, or a pilot-specific role` },
        },
      },
    },
    provinces: {
      type: 'array',
      items: { type: 'string' },
      description: 'Provinces the user reads through the province role',
    },
    readableCounties: { type: 'array', items: { type: 'string' } },
  },
} as const;

interface LoginBody {
  username: string;
  password: string;
}

function me(p: Omit<Principal, 'via'>): unknown {
  return {
    userId: p.userId,
    username: p.username,
    displayName: p.displayName,
    memberships: p.memberships,
    provinces: p.provinces,
    readableCounties: readableCounties({ ...p, via: 'bearer' }),
  };
}

/** The authentication routes plugin. */
export const authRoutes =
  (ctx: AppContext): FastifyPluginAsync =>
  async (app) => {
    app.addSchema(meSchema);
    let dummy: Promise<string> | undefined;

    const clearCookies = (reply: FastifyReply): void => {
      void reply.clearCookie(SESSION_COOKIE, { path: '/api' });
      void reply.clearCookie(CSRF_COOKIE, { path: '/' });
    };

    app.post<{ Body: LoginBody }>(
      '/api/auth/login',
      {
        config: {
          auth: 'none',
          rateLimit: { max: ctx.loginRateLimit.max, timeWindow: ctx.loginRateLimit.timeWindowMs },
        },
        schema: {
          tags: ['auth'],
          summary: 'Log in: session cookie (web) and bearer token (API)',
          security: [],
          body: {
            type: 'object',
            additionalProperties: false,
            required: ['username', 'password'],
            properties: {
              username: { type: 'string', minLength: 1, maxLength: 100 },
              password: { type: 'string', minLength: 1, maxLength: 1024 },
            },
          },
          response: {
            200: {
              type: 'object',
              required: ['token', 'csrfToken', 'expiresAt', 'user'],
              properties: {
                token: { type: 'string', description: 'Send as `Authorization: Bearer <token>`' },
                csrfToken: {
                  type: 'string',
                  description: 'Send as `X-CSRF-Token` on unsafe requests that use the cookie',
                },
                expiresAt: timestamp,
                user: { $ref: 'Me#' },
              },
            },
            ...errorResponses(400, 401, 415, 429),
          },
        },
      },
      async (req, reply) => {
        const { username, password } = req.body;
        const user = await ctx.store.users.findByUsername(username);
        if (user === undefined || user.disabled || user.password_hash === null) {
          dummy ??= dummyHash(ctx.passwordCost);
          await verifyPassword(password, await dummy);
          throw apiError('API_ERR_INVALID_CREDENTIALS');
        }
        if (!(await verifyPassword(password, user.password_hash)))
          throw apiError('API_ERR_INVALID_CREDENTIALS');
        const now = ctx.now();
        const session = await createSession(ctx.store, user, now, ctx.sessionTtlSeconds);
        const found = await resolveSession(ctx.store, session.token, now);
        if (!found.ok) throw apiError('API_ERR_INTERNAL');
        req.log.info({ userId: user.user_id }, 'login');
        const cookieBase = {
          secure: ctx.cookieSecure,
          sameSite: 'strict' as const,
          maxAge: ctx.sessionTtlSeconds,
        };
        void reply.setCookie(SESSION_COOKIE, session.token, { ...cookieBase, httpOnly: true, path: '/api' });
        void reply.setCookie(CSRF_COOKIE, session.csrfToken, { ...cookieBase, httpOnly: false, path: '/' });
        void reply.header('cache-control', 'no-store');
        return {
          token: session.token,
          csrfToken: session.csrfToken,
          expiresAt: session.expiresAt.toISOString(),
          user: me(found.principal),
        };
      },
    );

    app.post(
      '/api/auth/logout',
      {
        schema: {
          tags: ['auth'],
          summary: 'Log out: revoke this session or token and clear the cookies',
          response: { 204: { type: 'null', description: 'Logged out' }, ...errorResponses(...AUTHED) },
        },
      },
      async (req, reply) => {
        principalOf(req);
        if (req.sessionToken !== null) {
          await revokeSession(ctx.store, req.sessionToken, ctx.now());
          ctx.sessions.forget(req.sessionToken);
        }
        clearCookies(reply);
        return reply.code(204).send();
      },
    );

    app.get(
      '/api/me',
      {
        schema: {
          tags: ['auth'],
          summary: 'The logged-in user, their roles per county and unit, and the counties they can read',
          response: { 200: { $ref: 'Me#' }, ...errorResponses(...AUTHED) },
        },
      },
      async (req) => me(principalOf(req)),
    );
  };
