/**
 * The fastify application factory. `buildApp` wires security (helmet, body limits, prototype
 * poisoning, CSRF, rate limits), authentication, the error catalogue, OpenAPI and every route; it
 * never listens: call `app.listen()` yourself, or test with `app.inject()`.
 *
 * @example
 * ```ts
 * const store = await openStore({ dataDir: '.data' });
 * await store.migrate();
 * const app = await buildApp({ store });
 * await app.listen({ port: 3000 });
 * ```
 */
import { randomUUID } from 'node:crypto';
import fastify, { type FastifyInstance, type FastifyServerOptions } from 'fastify';
import helmet, { type FastifyHelmetOptions } from '@fastify/helmet';
import cookie from '@fastify/cookie';
import rateLimit from '@fastify/rate-limit';
import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import { apiError, errorMessage, toApiError } from './errors.js';
import { parseJsonBody } from './json-body.js';
import { DEFAULT_SCRYPT_COST, type ScryptCost } from './password.js';
import { requestValidatorCompiler } from './validation.js';
import { createMetrics, type ServerMetrics } from './metrics.js';
import { registerAuthentication } from './authenticate.js';
import { errorBodySchema } from './schemas.js';
import type { AppContext, AppStore, NoticePrinter } from './context.js';
import { createPrinter } from '@shidian/print';
import { systemRoutes } from './routes/system.js';
import { authRoutes } from './routes/auth.js';
import { pilotRoutes } from './routes/pilots.js';
import { caseRoutes } from './routes/cases.js';
import { taskRoutes } from './routes/tasks.js';
import { noticeRoutes } from './routes/notices.js';
import { FormCache } from './form-cache.js';
import { SessionCache } from './sessions.js';
import type { CaseRuntime } from './commands.js';
import { CommandRuntime } from '@shidian/store';
import { createCalendar, deadlineCalendar } from '@shidian/calendar';

type ValidatorFactory = NonNullable<
  NonNullable<NonNullable<FastifyServerOptions['schemaController']>['compilersFactory']>['buildValidator']
>;

/** Options of {@link buildApp}. Everything but `store` has a production-safe default. */
export interface BuildAppOptions {
  /** The opened (and migrated) store. The app does not close it. */
  readonly store: AppStore;
  /** pino logger options, or `false` (default) for none. */
  readonly logger?: FastifyServerOptions['logger'];
  /** Session lifetime in seconds (default 8 hours). */
  readonly sessionTtlSeconds?: number;
  /**
   * How long a resolved session is reused before it is looked up again, in ms (default: the
   * `SHIDIAN_SESSION_CACHE_MS` setting, else 0: every request looks it up). A logout through this
   * app takes effect at once; a revocation by another process (`shidian user disable`, another server
   * process) within this time.
   */
  readonly sessionCacheMs?: number;
  /** `Secure` flag on cookies (default true; browsers accept it on http://localhost). */
  readonly cookieSecure?: boolean;
  /** Maximum JSON body in bytes (default 1 MiB). */
  readonly bodyLimit?: number;
  /** Maximum bundle upload in bytes (default 20 MiB). */
  readonly deployBodyLimit?: number;
  /** Login attempts allowed per client address and window (default 10 per minute). */
  readonly loginRateLimit?: { readonly max: number; readonly timeWindowMs: number };
  /** Trust `X-Forwarded-*` from a reverse proxy (default false). */
  readonly trustProxy?: FastifyServerOptions['trustProxy'];
  /**
   * scrypt cost of the dummy hash an unknown username is checked against, so that it costs the same
   * time as a wrong password; set it to the cost your users' hashes have (default {@link DEFAULT_SCRYPT_COST}).
   */
  readonly passwordCost?: ScryptCost;
  /** Clock, for tests (default `() => new Date()`). */
  readonly now?: () => Date;
  /** Collect Node process metrics too (default false). */
  readonly processMetrics?: boolean;
  /** Hook for extra metrics owners (the timer worker) to get the registry. */
  readonly metrics?: ServerMetrics;
  /**
   * HTML → PDF for `GET /api/notices/{id}?format=pdf` (default: `createPrinter()` of `@shidian/print`,
   * which starts Chromium on first use and is closed with the app).
   */
  readonly printer?: NoticePrinter;
  /** The command runtime (default: the store's `CommandRuntime` with the national statutory calendar). */
  readonly runtime?: CaseRuntime;
}

declare module 'fastify' {
  interface FastifyContextConfig {
    /** `'none'`: the route needs no login (login, health, docs). Default: login required. */
    auth?: 'none';
  }
}

/** Builds the API application (see the module docs). */
export async function buildApp(options: BuildAppOptions): Promise<FastifyInstance> {
  const validatorCompiler = requestValidatorCompiler();
  const app = fastify({
    logger: options.logger ?? false,
    bodyLimit: options.bodyLimit ?? 1024 * 1024,
    onProtoPoisoning: 'error',
    onConstructorPoisoning: 'error',
    trustProxy: options.trustProxy ?? false,
    requestIdHeader: 'x-request-id',
    genReqId: () => randomUUID(),
    return503OnClosing: true,
    routerOptions: { maxParamLength: 500 },
    // Set through the schema controller, not setValidatorCompiler(): a plugin that adds shared
    // schemas rebuilds its compiler from the factory and would silently fall back to fastify's
    // default ajv (which coerces body types and strips unknown fields).
    schemaController: {
      compilersFactory: { buildValidator: (() => validatorCompiler) as unknown as ValidatorFactory },
    },
  });
  const metrics = options.metrics ?? createMetrics({ defaults: options.processMetrics === true });
  const ctx: AppContext = {
    store: options.store,
    metrics,
    runtime: options.runtime ?? defaultRuntime(options),
    forms: new FormCache(options.store.db),
    sessions: new SessionCache(options.store, {
      ttlMs: options.sessionCacheMs ?? sessionCacheSetting(),
    }),
    printer: options.printer ?? createPrinter(),
    now: options.now ?? (() => new Date()),
    sessionTtlSeconds: options.sessionTtlSeconds ?? 8 * 3600,
    cookieSecure: options.cookieSecure ?? true,
    deployBodyLimit: options.deployBodyLimit ?? 20 * 1024 * 1024,
    loginRateLimit: options.loginRateLimit ?? { max: 10, timeWindowMs: 60_000 },
    passwordCost: options.passwordCost ?? DEFAULT_SCRYPT_COST,
  };

  app.addSchema(errorBodySchema);
  app.removeContentTypeParser(['application/json', 'text/plain']);
  app.addContentTypeParser('application/json', { parseAs: 'string' }, (_req, body, done) => {
    try {
      done(null, parseJsonBody(body as string));
    } catch (err) {
      done(err as Error, undefined);
    }
  });

  app.setErrorHandler((err, req, reply) => {
    const apiErr = toApiError(err);
    if (apiErr.statusCode >= 500) req.log.error({ err }, 'request failed');
    else req.log.info({ code: apiErr.code }, 'request rejected');
    metrics.errors.inc({ code: apiErr.code, status: String(apiErr.statusCode) });
    const body: { code: string; message: string; details?: unknown } = {
      code: apiErr.code,
      message: errorMessage(apiErr, req.headers['accept-language']),
    };
    if (apiErr.details !== undefined) body.details = apiErr.details;
    if (
      apiErr.statusCode === 429 &&
      typeof (apiErr.details as { retryAfterSeconds?: unknown })?.retryAfterSeconds === 'number'
    ) {
      void reply.header(
        'retry-after',
        String((apiErr.details as { retryAfterSeconds: number }).retryAfterSeconds),
      );
    }
    return reply.code(apiErr.statusCode).type('application/json; charset=utf-8').send(body);
  });
  app.setNotFoundHandler((req, reply) => {
    const err = apiError('API_ERR_ROUTE_NOT_FOUND', { method: req.method, url: req.url.split('?')[0] });
    metrics.errors.inc({ code: err.code, status: '404' });
    return reply.code(404).send({
      code: err.code,
      message: errorMessage(err, req.headers['accept-language']),
      details: err.details,
    });
  });

  app.addHook('onResponse', async (req, reply) => {
    const route = req.routeOptions.url ?? 'unmatched';
    metrics.requests.observe(
      { method: req.method, route, status: String(reply.statusCode) },
      reply.elapsedTime / 1000,
    );
  });

  // The security headers do not depend on the request: compute them once with @fastify/helmet and
  // set them on every reply (the plugin itself rebuilds helmet's middleware on every request).
  const securityHeaders = await helmetHeaders(HELMET_OPTIONS);
  app.addHook('onRequest', (_req, reply, done) => {
    void reply.headers(securityHeaders);
    done();
  });
  await app.register(cookie);
  await app.register(rateLimit, {
    global: false,
    errorResponseBuilder: (_req, context) =>
      apiError('API_ERR_RATE_LIMITED', { retryAfterSeconds: Math.ceil(context.ttl / 1000) }),
  });
  await app.register(swagger, {
    openapi: {
      openapi: '3.1.0',
      info: {
        title: 'shidian (试点) API',
        version: '0.1.0',
        description:
          'HTTP API of shidian: pilots and deployments, cases, tasks, notices. Errors are `{ code, message, details? }` with stable `API_ERR_…` codes (see docs/api.md).',
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description: 'The `token` returned by POST /api/auth/login',
          },
          cookieAuth: {
            type: 'apiKey',
            in: 'cookie',
            name: 'shidian_session',
            description: 'Unsafe methods also need the X-CSRF-Token header',
          },
        },
      },
      security: [{ bearerAuth: [] }, { cookieAuth: [] }],
    },
    refResolver: {
      buildLocalReference: (json, _baseUri, _fragment, i) =>
        typeof json.$id === 'string' ? json.$id : `def-${i}`,
    },
  });
  await app.register(swaggerUi, {
    routePrefix: '/api/docs',
    staticCSP: true,
    uiConfig: { deepLinking: false },
  });
  app.get('/api/openapi.json', { schema: { hide: true }, config: { auth: 'none' } }, async () =>
    app.swagger(),
  );

  if (options.printer === undefined) app.addHook('onClose', async () => ctx.printer.close());

  registerAuthentication(app, ctx);

  await app.register(systemRoutes(ctx));
  await app.register(authRoutes(ctx));
  await app.register(pilotRoutes(ctx));
  await app.register(caseRoutes(ctx));
  await app.register(taskRoutes(ctx));
  await app.register(noticeRoutes(ctx));
  return app;
}

/** What deadlines do in years the holiday data does not cover yet (docs/calendar.md §1a). */
export type UncoveredYears = 'refuse' | 'provisional';

/**
 * The operator setting `SHIDIAN_UNCOVERED_YEARS` (`refuse` | `provisional`, default `provisional`):
 * with `provisional`, a deadline reaching the year after the holiday data is computed with the
 * statutory holidays only and flagged `provisional: true`; with `refuse` it is an incident.
 *
 * @throws Error for any other value (refuse to start rather than guess)
 * @example uncoveredYearsSetting({ SHIDIAN_UNCOVERED_YEARS: 'refuse' }); // 'refuse'
 */
export function uncoveredYearsSetting(
  env: Readonly<Record<string, string | undefined>> = process.env,
): UncoveredYears {
  const v = env['SHIDIAN_UNCOVERED_YEARS']?.trim();
  if (v === undefined || v === '') return 'provisional';
  if (v === 'refuse' || v === 'provisional') return v;
  throw new Error(
    `SHIDIAN_UNCOVERED_YEARS 只能是 refuse 或 provisional / must be refuse or provisional, got ${JSON.stringify(v)}`,
  );
}

/**
 * The store's command runtime: each deployment's deadlines use that pilot's calendar (the State
 * Council holidays and make-up days plus the bundle's local rest days, workdays and years, resolved
 * once per deployment), with years past the holiday data handled as `uncoveredYears` says (default:
 * the `SHIDIAN_UNCOVERED_YEARS` setting, itself `provisional` by default). What `buildApp` uses unless
 * given one, and what a timer worker should share.
 *
 * @example
 * ```ts
 * const runtime = createRuntime(store);
 * const app = await buildApp({ store, runtime });
 * new TimerWorker(store.db, runtime).start();
 * ```
 */
export function createRuntime(
  store: AppStore,
  now?: () => Date,
  uncoveredYears: UncoveredYears = uncoveredYearsSetting(),
): CommandRuntime {
  return new CommandRuntime(store.db, {
    // the fallback for a runtime asked about no deployment (never used by the routes)
    calendar: deadlineCalendar(createCalendar({ uncoveredYears })),
    deploymentCalendars: { uncoveredYears },
    ...(now === undefined ? {} : { clock: now }),
  });
}

function defaultRuntime(options: BuildAppOptions): CommandRuntime {
  return createRuntime(options.store, options.now);
}

/** What @fastify/helmet is configured with. */
const HELMET_OPTIONS: FastifyHelmetOptions = {
  // swagger-ui needs its own CSP (set by @fastify/swagger-ui's staticCSP); the API answers JSON.
  contentSecurityPolicy: {
    directives: {
      defaultSrc: ["'self'"],
      scriptSrc: ["'self'"],
      styleSrc: ["'self'", "'unsafe-inline'"],
      imgSrc: ["'self'", 'data:'],
      frameAncestors: ["'none'"],
    },
  },
  strictTransportSecurity: { maxAge: 31536000, includeSubDomains: true },
};

/**
 * The response headers @fastify/helmet sets with `options`, read once from a throwaway app (they are
 * the same for every request: no CSP nonces). Routes that need another policy set their own header
 * (notices: `sandbox`; the docs: swagger-ui's static CSP, set in its `onSend`).
 */
async function helmetHeaders(options: FastifyHelmetOptions): Promise<Record<string, string>> {
  const probe = fastify();
  await probe.register(helmet, options);
  probe.get('/', async () => '');
  const res = await probe.inject({ method: 'GET', url: '/' });
  await probe.close();
  const out: Record<string, string> = {};
  for (const [name, value] of Object.entries(res.headers))
    if (typeof value === 'string' && !PROBE_HEADERS.has(name)) out[name] = value;
  return out;
}

const PROBE_HEADERS = new Set(['content-type', 'content-length', 'date', 'connection', 'keep-alive']);

/**
 * The operator setting `SHIDIAN_SESSION_CACHE_MS` (0–60000, default 0 = off): how long a server process
 * reuses a session it has looked up (see `BuildAppOptions.sessionCacheMs`). Off by default: it gave no
 * measurable throughput (docs/benchmarks.md, api) and delays revocations made elsewhere.
 *
 * @throws Error for anything but an integer in range (refuse to start rather than guess)
 * @example sessionCacheSetting({ SHIDIAN_SESSION_CACHE_MS: '0' }); // 0: look every request up
 */
export function sessionCacheSetting(env: Readonly<Record<string, string | undefined>> = process.env): number {
  const v = env['SHIDIAN_SESSION_CACHE_MS']?.trim();
  if (v === undefined || v === '') return 0;
  const n = Number(v);
  if (!Number.isInteger(n) || n < 0 || n > 60_000)
    throw new Error(
      `SHIDIAN_SESSION_CACHE_MS 必须是 0–60000 的整数 / must be an integer 0–60000, got ${JSON.stringify(v)}`,
    );
  return n;
}
