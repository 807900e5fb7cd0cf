/**
 * `@shidian/server`: the HTTP API (fastify 5) — authentication, county isolation, OpenAPI, and the
 * routes for pilots, deployments, cases, tasks and notices.
 *
 * @example
 * ```ts
 * import { buildApp } from '@shidian/server';
 * const app = await buildApp({ store });
 * await app.listen({ port: 3000, host: '127.0.0.1' });
 * ```
 */
export {
  buildApp,
  createRuntime,
  uncoveredYearsSetting,
  type BuildAppOptions,
  type UncoveredYears,
} from './app.js';
export { API_ERRORS, ApiError, apiError, toApiError, type ApiErrorCode, type ErrorBody } from './errors.js';
export { hashPassword, verifyPassword, DEFAULT_SCRYPT_COST, type ScryptCost } from './password.js';
export { ROLES, type Role, type Principal, type Membership } from './access.js';
export { createMetrics, type ServerMetrics } from './metrics.js';
export { SESSION_COOKIE, CSRF_COOKIE, CSRF_HEADER } from './authenticate.js';
export { seedDemo, DEMO_PASSWORD, DEMO_PROVINCE, type DemoSummary } from './demo.js';
export { deployBundle, type DeployInput, type DeployResult } from './deployments.js';
