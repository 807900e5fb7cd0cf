/**
 * The errors catalogue of `@shidian/store`. Every failure the store can report carries a stable
 * `code` (`STORE_ERR_…`) and the HTTP status it maps to when it reaches the API. Messages are
 * zh-CN first, with the English text after ` / `.
 *
 * @example
 * ```ts
 * try { await runtime.execute(input); }
 * catch (e) { if (isStoreError(e, 'STORE_ERR_CONFLICT')) retryLater(); }
 * ```
 */

interface ErrorSpec {
  readonly status: number;
  readonly zh: string;
  readonly en: string;
}

/** Every store error code with its HTTP status and bilingual message. */
export const STORE_ERRORS = {
  STORE_ERR_DATA_DIR_LOCKED: {
    status: 503,
    zh: '嵌入式数据库目录已被另一个进程占用',
    en: 'the embedded database directory is locked by another process',
  },
  STORE_ERR_MIGRATION_FAILED: { status: 500, zh: '数据库迁移失败', en: 'database migration failed' },
  STORE_ERR_INVALID_INPUT: { status: 400, zh: '输入不合法', en: 'invalid input' },
  STORE_ERR_COUNTY_NOT_FOUND: { status: 404, zh: '县（区）不存在', en: 'county not found' },
  STORE_ERR_COUNTY_EXISTS: { status: 409, zh: '县（区）已存在', en: 'county already exists' },
  STORE_ERR_UNIT_NOT_FOUND: { status: 404, zh: '单位不存在', en: 'unit not found' },
  STORE_ERR_UNIT_EXISTS: { status: 409, zh: '单位已存在', en: 'unit already exists' },
  STORE_ERR_USER_NOT_FOUND: { status: 404, zh: '用户不存在', en: 'user not found' },
  STORE_ERR_USER_EXISTS: { status: 409, zh: '用户名已被使用', en: 'username already taken' },
  STORE_ERR_MEMBERSHIP_EXISTS: { status: 409, zh: '该角色已授予', en: 'role membership already exists' },
  STORE_ERR_SESSION_NOT_FOUND: { status: 401, zh: '会话不存在或已失效', en: 'session not found or expired' },
  STORE_ERR_PILOT_NOT_FOUND: { status: 404, zh: '试点不存在', en: 'pilot not found' },
  STORE_ERR_DEPLOYMENT_NOT_FOUND: { status: 404, zh: '部署版本不存在', en: 'deployment not found' },
  STORE_ERR_DEPLOYMENT_INVALID: { status: 422, zh: '部署包不合法', en: 'invalid deployment bundle' },
  STORE_ERR_DEPLOYMENT_MISSING_FORM: {
    status: 422,
    zh: '流程引用了部署包中不存在的表单',
    en: 'a process references a form missing from the bundle',
  },
  STORE_ERR_PROCESS_NOT_FOUND: { status: 404, zh: '流程不存在', en: 'process not found in the deployment' },
  STORE_ERR_CASE_NOT_FOUND: { status: 404, zh: '案件不存在', en: 'case not found' },
  STORE_ERR_TASK_NOT_FOUND: { status: 404, zh: '待办不存在', en: 'task not found' },
  STORE_ERR_TASK_CLOSED: {
    status: 409,
    zh: '待办已办结或已取消',
    en: 'task is already completed or cancelled',
  },
  STORE_ERR_CONFLICT: {
    status: 409,
    zh: '数据已被他人修改，请刷新后重试',
    en: 'concurrent change: reload and retry',
  },
  STORE_ERR_STALE_VERSION: {
    status: 409,
    zh: '版本已过期，请刷新后重试',
    en: 'stale version: reload and retry',
  },
  STORE_ERR_IDEMPOTENCY_MISMATCH: {
    status: 422,
    zh: '幂等键已用于不同的请求',
    en: 'idempotency key was used for a different request',
  },
  STORE_ERR_ENGINE_REJECTED: {
    status: 422,
    zh: '流程引擎拒绝了该操作',
    en: 'the engine rejected the command',
  },
  STORE_ERR_ATTACHMENT_TOO_LARGE: {
    status: 413,
    zh: '附件超过大小限制',
    en: 'attachment exceeds the size limit',
  },
  STORE_ERR_ATTACHMENT_NOT_FOUND: { status: 404, zh: '附件不存在', en: 'attachment not found' },
  STORE_ERR_NOTICE_NOT_FOUND: { status: 404, zh: '告知书不存在', en: 'notice not found' },
  STORE_ERR_INVALID_CURSOR: { status: 400, zh: '分页游标不合法', en: 'invalid pagination cursor' },
} as const satisfies Record<string, ErrorSpec>;

/** A stable store error code. */
export type StoreErrorCode = keyof typeof STORE_ERRORS;

/**
 * An error raised by the store. `code` is stable; `status` is the HTTP status to answer with;
 * `details` carries machine-readable context (ids, sizes), never secrets.
 */
export class StoreError extends Error {
  readonly code: StoreErrorCode;
  readonly status: number;
  readonly details: Readonly<Record<string, unknown>>;

  constructor(code: StoreErrorCode, details: Record<string, unknown> = {}, options?: { cause?: unknown }) {
    const spec = STORE_ERRORS[code];
    super(`${spec.zh} / ${spec.en}`, options);
    this.name = 'StoreError';
    this.code = code;
    this.status = spec.status;
    this.details = Object.freeze({ ...details });
  }

  /** The English message (the default `message` is zh-CN first). */
  get messageEn(): string {
    return STORE_ERRORS[this.code].en;
  }
}

/** True when `e` is a {@link StoreError}, optionally with the given code. */
export function isStoreError(e: unknown, code?: StoreErrorCode): e is StoreError {
  return e instanceof StoreError && (code === undefined || e.code === code);
}

/** PostgreSQL SQLSTATE of a driver error (`pg` or PGlite), if any. */
export function sqlState(e: unknown): string | undefined {
  if (typeof e === 'object' && e !== null && 'code' in e) {
    const code = (e as { code: unknown }).code;
    if (typeof code === 'string' && /^[0-9A-Z]{5}$/.test(code)) return code;
  }
  return undefined;
}

/** SQLSTATEs that mean "another transaction changed this first": serialization failure, deadlock, lock not available. */
export function isConcurrencyFailure(e: unknown): boolean {
  const s = sqlState(e);
  return s === '40001' || s === '40P01' || s === '55P03';
}

/** SQLSTATE 23505: a unique constraint was violated. */
export function isUniqueViolation(e: unknown, constraint?: string): boolean {
  if (sqlState(e) !== '23505') return false;
  if (constraint === undefined) return true;
  return typeof e === 'object' && e !== null && (e as { constraint?: unknown }).constraint === constraint;
}

/** SQLSTATE SD409 (`shidian_version_conflict()`): the case moved past the version a command was computed from. */
export function isVersionConflict(e: unknown): boolean {
  return sqlState(e) === 'SD409';
}
