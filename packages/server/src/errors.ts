/**
 * The one error catalogue of `@shidian/server`. Every error a client can see has a stable
 * `API_ERR_…` code, an HTTP status, and a message in zh-CN (default) and English.
 * The wire shape is always `{ code, message, details? }`; stack traces never leave the server.
 *
 * Errors thrown by other packages (`ENG_ERR_…`, `STORE_ERR_…`, `FORM_ERR_…`, …) that carry a
 * `code` and an HTTP `status` keep their code; see {@link toApiError}.
 *
 * @example
 * ```ts
 * throw apiError('API_ERR_CASE_NOT_FOUND', { caseId });
 * ```
 */
import { engineErrors } from '@shidian/engine';

/** One catalogue entry. */
export interface ApiErrorSpec {
  readonly status: 400 | 401 | 403 | 404 | 409 | 413 | 415 | 422 | 429 | 500 | 503;
  readonly zh: string;
  readonly en: string;
}

/** Every error code of the HTTP API, with its status and messages. Documented in `docs/api.md`. */
export const API_ERRORS = {
  API_ERR_VALIDATION: {
    status: 400,
    zh: '请求格式不符合接口定义',
    en: 'The request does not match the API schema',
  },
  API_ERR_MALFORMED_JSON: {
    status: 400,
    zh: '请求体不是合法的 JSON',
    en: 'The request body is not valid JSON',
  },
  API_ERR_PROTOTYPE_POISONING: {
    status: 400,
    zh: '请求体包含被禁止的键（__proto__ / constructor）',
    en: 'The request body contains a forbidden key (__proto__ / constructor)',
  },
  API_ERR_BAD_CURSOR: { status: 400, zh: '分页游标无效', en: 'The paging cursor is invalid' },
  API_ERR_BAD_ARCHIVE: { status: 400, zh: '上传的压缩包无法读取', en: 'The uploaded archive cannot be read' },
  API_ERR_BAD_IDEMPOTENCY_KEY: {
    status: 400,
    zh: 'Idempotency-Key 请求头无效',
    en: 'The Idempotency-Key header is invalid',
  },
  API_ERR_UNAUTHENTICATED: { status: 401, zh: '请先登录', en: 'Authentication is required' },
  API_ERR_INVALID_CREDENTIALS: { status: 401, zh: '用户名或密码错误', en: 'Wrong username or password' },
  API_ERR_TOKEN_EXPIRED: {
    status: 401,
    zh: '登录已过期，请重新登录',
    en: 'The session has expired; log in again',
  },
  API_ERR_CSRF: { status: 403, zh: '缺少或错误的 CSRF 令牌', en: 'Missing or wrong CSRF token' },
  API_ERR_FORBIDDEN: {
    status: 403,
    zh: '当前角色无权执行此操作',
    en: 'Your role does not allow this action',
  },
  API_ERR_ROUTE_NOT_FOUND: { status: 404, zh: '接口不存在', en: 'No such route' },
  API_ERR_PILOT_NOT_FOUND: { status: 404, zh: '试点不存在', en: 'No such pilot' },
  API_ERR_DEPLOYMENT_NOT_FOUND: { status: 404, zh: '部署版本不存在', en: 'No such deployment' },
  API_ERR_FILE_NOT_FOUND: { status: 404, zh: '部署中没有该文件', en: 'No such file in the deployment' },
  API_ERR_CASE_NOT_FOUND: { status: 404, zh: '信访事项不存在', en: 'No such case' },
  API_ERR_TASK_NOT_FOUND: { status: 404, zh: '待办任务不存在', en: 'No such task' },
  API_ERR_NOTICE_NOT_FOUND: { status: 404, zh: '告知书不存在', en: 'No such notice' },
  API_ERR_PROCESS_NOT_FOUND: { status: 404, zh: '流程不存在', en: 'No such process in the deployment' },
  API_ERR_IDEMPOTENCY_CONFLICT: {
    status: 409,
    zh: '同一 Idempotency-Key 已用于不同的请求',
    en: 'The Idempotency-Key was already used for a different request',
  },
  API_ERR_TASK_STATE: {
    status: 409,
    zh: '任务当前状态不允许此操作',
    en: 'The task is not in a state that allows this action',
  },
  API_ERR_CASE_STATE: {
    status: 409,
    zh: '事项当前状态不允许此操作',
    en: 'The case is not in a state that allows this action',
  },
  API_ERR_CONFLICT: {
    status: 409,
    zh: '与其他修改冲突，请刷新后重试',
    en: 'Conflicting concurrent change; reload and retry',
  },
  API_ERR_BODY_TOO_LARGE: { status: 413, zh: '请求体过大', en: 'The request body is too large' },
  API_ERR_UNSUPPORTED_MEDIA_TYPE: { status: 415, zh: '不支持的请求内容类型', en: 'Unsupported content type' },
  API_ERR_DEPLOY_INVALID: {
    status: 422,
    zh: '试点配置包校验未通过，未部署',
    en: 'The pilot bundle has problems and was not deployed',
  },
  API_ERR_FORM_INVALID: { status: 422, zh: '表单数据校验未通过', en: 'The form data is invalid' },
  API_ERR_COMMAND_REJECTED: {
    status: 422,
    zh: '流程引擎拒绝了此操作',
    en: 'The process engine rejected the action',
  },
  API_ERR_NOTICE_FORMAT: {
    status: 422,
    zh: '该告知书无法以此格式输出',
    en: 'The notice cannot be rendered in this format',
  },
  API_ERR_RATE_LIMITED: {
    status: 429,
    zh: '请求过于频繁，请稍后再试',
    en: 'Too many requests; try again later',
  },
  API_ERR_INTERNAL: { status: 500, zh: '服务器内部错误', en: 'Internal server error' },
  API_ERR_UNAVAILABLE: { status: 503, zh: '服务暂不可用', en: 'Service unavailable' },
} as const satisfies Record<string, ApiErrorSpec>;

/** A stable error code of the HTTP API. */
export type ApiErrorCode = keyof typeof API_ERRORS;

/** The JSON body of every error response. */
export interface ErrorBody {
  readonly code: string;
  readonly message: string;
  readonly details?: unknown;
}

/** An error with a stable code, an HTTP status and optional details for the client. */
export class ApiError extends Error {
  readonly statusCode: number;
  constructor(
    readonly code: string,
    statusCode: number,
    readonly details?: unknown,
    message?: string,
  ) {
    super(message ?? code);
    this.name = 'ApiError';
    this.statusCode = statusCode;
  }
}

/**
 * Builds the error for a catalogue code.
 *
 * @example
 * ```ts
 * throw apiError('API_ERR_FORBIDDEN', { need: ['handler'] });
 * ```
 */
export function apiError(code: ApiErrorCode, details?: unknown): ApiError {
  return new ApiError(code, API_ERRORS[code].status, details, API_ERRORS[code].en);
}

/** True when `code` is in this package's catalogue. */
export function isApiErrorCode(code: string): code is ApiErrorCode {
  return Object.hasOwn(API_ERRORS, code);
}

const CLIENT_STATUSES = new Set([400, 401, 403, 404, 409, 413, 415, 422, 429]);

/** Store error codes that have an API equivalent (the API speaks one catalogue to its clients). */
const STORE_TO_API: Readonly<Record<string, ApiErrorCode>> = {
  STORE_ERR_INVALID_INPUT: 'API_ERR_VALIDATION',
  STORE_ERR_INVALID_CURSOR: 'API_ERR_BAD_CURSOR',
  STORE_ERR_PILOT_NOT_FOUND: 'API_ERR_PILOT_NOT_FOUND',
  STORE_ERR_DEPLOYMENT_NOT_FOUND: 'API_ERR_DEPLOYMENT_NOT_FOUND',
  STORE_ERR_DEPLOYMENT_INVALID: 'API_ERR_DEPLOY_INVALID',
  STORE_ERR_DEPLOYMENT_MISSING_FORM: 'API_ERR_DEPLOY_INVALID',
  STORE_ERR_PROCESS_NOT_FOUND: 'API_ERR_PROCESS_NOT_FOUND',
  STORE_ERR_CASE_NOT_FOUND: 'API_ERR_CASE_NOT_FOUND',
  STORE_ERR_TASK_NOT_FOUND: 'API_ERR_TASK_NOT_FOUND',
  STORE_ERR_NOTICE_NOT_FOUND: 'API_ERR_NOTICE_NOT_FOUND',
  STORE_ERR_TASK_CLOSED: 'API_ERR_TASK_STATE',
  STORE_ERR_CONFLICT: 'API_ERR_CONFLICT',
  STORE_ERR_STALE_VERSION: 'API_ERR_CONFLICT',
  STORE_ERR_IDEMPOTENCY_MISMATCH: 'API_ERR_IDEMPOTENCY_CONFLICT',
  STORE_ERR_ATTACHMENT_TOO_LARGE: 'API_ERR_BODY_TOO_LARGE',
};

function engineStatusOf(code: string): number | undefined {
  return Object.hasOwn(engineErrors, code)
    ? (engineErrors as Record<string, { status: number }>)[code]?.status
    : undefined;
}

const CASE_STATE_ENGINE_CODES = new Set([
  'ENG_ERR_INSTANCE_ENDED',
  'ENG_ERR_SUSPENDED',
  'ENG_ERR_NOT_SUSPENDED',
  'ENG_ERR_NO_STATE',
  'ENG_ERR_ALREADY_STARTED',
]);

/**
 * The API error for an engine refusal (`STORE_ERR_ENGINE_REJECTED` carries the engine's code):
 * a 403-class engine code (not a candidate, not the assignee, field not writable) → `API_ERR_FORBIDDEN`;
 * a 409/404-class one → `API_ERR_CASE_STATE` (ended, suspended) or `API_ERR_TASK_STATE`; anything
 * else → `API_ERR_COMMAND_REJECTED`. `details.engineCode` always names the engine's reason.
 */
export function engineRefusal(
  engineCode: string,
  engineStatus: number | undefined,
  details: Record<string, unknown>,
): ApiError {
  const d = { ...details, engineCode };
  if (engineStatus === 403) return apiError('API_ERR_FORBIDDEN', d);
  if (CASE_STATE_ENGINE_CODES.has(engineCode)) return apiError('API_ERR_CASE_STATE', d);
  if (engineStatus === 409 || engineCode === 'ENG_ERR_TASK_NOT_OPEN')
    return apiError('API_ERR_TASK_STATE', d);
  return apiError('API_ERR_COMMAND_REJECTED', d);
}
const FOREIGN_CODE = /^[A-Z][A-Z0-9]*_ERR_[A-Z0-9_]+$/;

/**
 * Maps anything thrown while handling a request to an {@link ApiError}:
 * our own errors pass through; fastify's own errors (bad JSON, wrong content type, body too
 * large, schema validation, proto poisoning, rate limit) get their catalogue code; coded errors of
 * sibling packages (`ENG_ERR_…` etc.) keep their code with their own 4xx status (422 when they have
 * none); everything else becomes `API_ERR_INTERNAL` with no details.
 */
export function toApiError(err: unknown): ApiError {
  if (err instanceof ApiError) return err;
  if (typeof err !== 'object' || err === null) return apiError('API_ERR_INTERNAL');
  const e = err as {
    code?: unknown;
    statusCode?: unknown;
    status?: unknown;
    validation?: unknown;
    message?: unknown;
    details?: unknown;
  };
  const code = typeof e.code === 'string' ? e.code : undefined;
  if (e.validation !== undefined) {
    return apiError('API_ERR_VALIDATION', {
      errors: simplifyValidation(e.validation),
      context: (e as { validationContext?: unknown }).validationContext,
    });
  }
  switch (code) {
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return apiError('API_ERR_UNSUPPORTED_MEDIA_TYPE');
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return apiError('API_ERR_BODY_TOO_LARGE');
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return apiError('API_ERR_MALFORMED_JSON');
    case 'FST_ERR_CTP_INVALID_TYPE':
      return apiError('API_ERR_UNSUPPORTED_MEDIA_TYPE');
    case undefined:
      break;
    default:
      if (code.startsWith('FST_ERR_CTP')) return apiError('API_ERR_MALFORMED_JSON');
  }
  const message = typeof e.message === 'string' ? e.message : '';
  // secure-json-parse (used by fastify) throws SyntaxErrors for poisoned keys and bad JSON.
  if (err instanceof SyntaxError) {
    return /prototype|constructor/i.test(message)
      ? apiError('API_ERR_PROTOTYPE_POISONING')
      : apiError('API_ERR_MALFORMED_JSON');
  }
  const status =
    typeof e.statusCode === 'number' ? e.statusCode : typeof e.status === 'number' ? e.status : undefined;
  if (status === 429) return apiError('API_ERR_RATE_LIMITED');
  if (code !== undefined && FOREIGN_CODE.test(code) && !code.startsWith('FST_')) {
    if (isApiErrorCode(code)) return apiError(code, e.details);
    if (code === 'STORE_ERR_ENGINE_REJECTED') {
      const d = (typeof e.details === 'object' && e.details !== null ? e.details : {}) as {
        engineCode?: unknown;
        engineMessage?: unknown;
      };
      const engineCode = typeof d.engineCode === 'string' ? d.engineCode : 'ENG_ERR_UNKNOWN';
      return engineRefusal(
        engineCode,
        engineStatusOf(engineCode),
        typeof d.engineMessage === 'string' ? { engineMessage: d.engineMessage } : {},
      );
    }
    const mapped = STORE_TO_API[code];
    if (mapped !== undefined) return apiError(mapped, publicDetails(e.details));
    const foreignStatus =
      status !== undefined && CLIENT_STATUSES.has(status) ? status : status === undefined ? 422 : undefined;
    if (foreignStatus !== undefined) return new ApiError(code, foreignStatus, e.details, message);
  }
  if (status === 503 && code !== undefined && FOREIGN_CODE.test(code))
    return apiError('API_ERR_UNAVAILABLE', { reason: code });
  if (status !== undefined && status === 413) return apiError('API_ERR_BODY_TOO_LARGE');
  if (status !== undefined && status === 415) return apiError('API_ERR_UNSUPPORTED_MEDIA_TYPE');
  if (status !== undefined && status >= 400 && status < 500 && code?.startsWith('FST_')) {
    return apiError('API_ERR_VALIDATION', { reason: code });
  }
  return apiError('API_ERR_INTERNAL');
}

/** Store details minus anything internal (they hold ids and reasons, never secrets, but trim size). */
function publicDetails(details: unknown): unknown {
  if (typeof details !== 'object' || details === null) return undefined;
  const out: Record<string, unknown> = {};
  for (const [k, v] of Object.entries(details)) if (k !== 'countyId' && v !== undefined) out[k] = v;
  return Object.keys(out).length === 0 ? undefined : out;
}

function simplifyValidation(validation: unknown): unknown {
  if (!Array.isArray(validation)) return [];
  return validation
    .slice(0, 20)
    .map((v: { instancePath?: unknown; keyword?: unknown; params?: unknown; message?: unknown }) => ({
      path: v.instancePath,
      keyword: v.keyword,
      params: v.params,
    }));
}

/** The message of a code in the language the client asked for (zh-CN unless `Accept-Language` prefers English). */
export function errorMessage(err: ApiError, acceptLanguage: string | undefined): string {
  const english = acceptLanguage !== undefined && /^\s*en\b/i.test(acceptLanguage);
  if (isApiErrorCode(err.code)) return english ? API_ERRORS[err.code].en : API_ERRORS[err.code].zh;
  return err.message;
}
