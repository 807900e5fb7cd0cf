/**
 * The one error catalogue of `@shidian/forms`. Every code is stable (`FORM_ERR_…`), carries the HTTP
 * status it maps to when it reaches the API, and a message in zh-CN (default) and English.
 *
 * Two families share the catalogue:
 * - **definition errors** (a broken form: bad schema, remote `$ref`, unsafe regex, …) are thrown as
 *   {@link FormError} by `compileForm` / `publishForm`;
 * - **data errors** (a field that fails a check) are returned as {@link FieldError} entries by
 *   `validateData` / `validateSubmission`; they are never thrown.
 *
 * @example
 * ```ts
 * throw formError('FORM_ERR_REMOTE_REF', { ref: 'https://example.org/x.json' });
 * ```
 */

/** One catalogue entry. */
export interface FormErrorSpec {
  readonly status: 400 | 413 | 422 | 500;
  readonly zh: string;
  readonly en: string;
}

/** Every error code of the forms package. Documented in `docs/forms.md`. */
export const FORM_ERRORS = {
  // ── definition errors (thrown) ───────────────────────────────────────────────────────────────
  FORM_ERR_DEFINITION_SHAPE: {
    status: 422,
    zh: '表单定义结构不正确',
    en: 'The form definition is malformed',
  },
  FORM_ERR_SCHEMA_INVALID: {
    status: 422,
    zh: '表单 JSON Schema 无效',
    en: 'The form JSON Schema is invalid',
  },
  FORM_ERR_UNKNOWN_KEYWORD: {
    status: 422,
    zh: 'JSON Schema 中含有未知关键字',
    en: 'The JSON Schema contains an unknown keyword',
  },
  FORM_ERR_REMOTE_REF: {
    status: 422,
    zh: '不允许引用远程 Schema（$ref 必须指向本地共享定义）',
    en: 'Remote $ref is not allowed; refer to the shared local definitions',
  },
  FORM_ERR_REF_UNRESOLVED: {
    status: 422,
    zh: '$ref 引用的定义不存在',
    en: 'A $ref points to a definition that does not exist',
  },
  FORM_ERR_REF_CYCLE: {
    status: 422,
    zh: '$ref 形成无限循环引用',
    en: 'A $ref cycle never reaches data (infinite recursion)',
  },
  FORM_ERR_UNSAFE_PATTERN: {
    status: 422,
    zh: '正则表达式无法安全执行',
    en: 'The regular expression cannot be run safely',
  },
  FORM_ERR_SCHEMA_TOO_DEEP: { status: 422, zh: 'Schema 嵌套层级过深', en: 'The schema is nested too deeply' },
  FORM_ERR_SCHEMA_TOO_LARGE: { status: 413, zh: 'Schema 过大', en: 'The schema is too large' },
  FORM_ERR_FORBIDDEN_KEY: {
    status: 400,
    zh: '包含被禁止的键（__proto__ / constructor / prototype）',
    en: 'Contains a forbidden key (__proto__ / constructor / prototype)',
  },
  FORM_ERR_UI_INVALID: {
    status: 422,
    zh: '界面定义（UI Schema）引用了不存在的字段或格式错误',
    en: 'The UI schema is malformed or names an unknown field',
  },
  FORM_ERR_RULE_INVALID: {
    status: 422,
    zh: '规则表达式（FEEL）无效',
    en: 'A rule (FEEL expression) is invalid',
  },
  FORM_ERR_PERMISSION_INVALID: { status: 422, zh: '字段权限配置无效', en: 'A field permission is invalid' },
  FORM_ERR_VERSION_MISMATCH: {
    status: 422,
    zh: '表单版本内容与其哈希不符',
    en: 'The form version content does not match its hash',
  },
  FORM_ERR_FILE_READ: {
    status: 400,
    zh: '无法读取表单文件或其 JSON 格式错误',
    en: 'The form file cannot be read or is not valid JSON',
  },
  FORM_ERR_TASK_NOT_FOUND: {
    status: 400,
    zh: '流程中没有该用户任务',
    en: 'The process has no such user task',
  },
  FORM_ERR_PROCESS_INVALID: { status: 422, zh: '流程文件无法编译', en: 'The process file does not compile' },
  FORM_ERR_DIVISION_DATA: {
    status: 500,
    zh: '行政区划数据不可用',
    en: 'Administrative division data is unavailable',
  },
  // ── data errors (returned per field) ─────────────────────────────────────────────────────────
  FORM_ERR_REQUIRED: { status: 422, zh: '必填', en: 'is required' },
  FORM_ERR_TYPE: { status: 422, zh: '类型不正确', en: 'has the wrong type' },
  FORM_ERR_ENUM: { status: 422, zh: '不是允许的选项', en: 'is not one of the allowed options' },
  FORM_ERR_CONST: { status: 422, zh: '取值不正确', en: 'has the wrong value' },
  FORM_ERR_PATTERN: { status: 422, zh: '格式不正确', en: 'does not match the pattern' },
  FORM_ERR_FORMAT: { status: 422, zh: '格式不正确', en: 'has the wrong format' },
  FORM_ERR_TOO_SHORT: { status: 422, zh: '过短', en: 'is too short' },
  FORM_ERR_TOO_LONG: { status: 422, zh: '过长', en: 'is too long' },
  FORM_ERR_TOO_SMALL: { status: 422, zh: '过小', en: 'is too small' },
  FORM_ERR_TOO_LARGE: { status: 422, zh: '过大', en: 'is too large' },
  FORM_ERR_TOO_FEW_ITEMS: { status: 422, zh: '项数过少', en: 'has too few items' },
  FORM_ERR_TOO_MANY_ITEMS: { status: 422, zh: '项数过多', en: 'has too many items' },
  FORM_ERR_DUPLICATE_ITEMS: { status: 422, zh: '含有重复项', en: 'has duplicate items' },
  FORM_ERR_UNKNOWN_FIELD: { status: 422, zh: '表单中没有该字段', en: 'is not a field of this form' },
  FORM_ERR_CONDITION: { status: 422, zh: '不满足填写条件', en: 'does not meet a condition of the form' },
  FORM_ERR_INVALID_VALUE: { status: 422, zh: '取值无效', en: 'is invalid' },
  FORM_ERR_CN_IDCARD: {
    status: 422,
    zh: '不是有效的居民身份证号码',
    en: 'is not a valid PRC resident ID number',
  },
  FORM_ERR_CN_MOBILE: { status: 422, zh: '不是有效的手机号码', en: 'is not a valid mobile number' },
  FORM_ERR_CN_PHONE: {
    status: 422,
    zh: '不是有效的固定电话号码（需含区号）',
    en: 'is not a valid landline number with area code',
  },
  FORM_ERR_CN_USCC: {
    status: 422,
    zh: '不是有效的统一社会信用代码',
    en: 'is not a valid unified social credit code',
  },
  FORM_ERR_CN_DIVISION: {
    status: 422,
    zh: '不是有效的行政区划代码',
    en: 'is not a valid administrative division code',
  },
  FORM_ERR_CN_POSTCODE: { status: 422, zh: '不是有效的邮政编码', en: 'is not a valid postal code' },
  FORM_ERR_READONLY_WRITE: {
    status: 422,
    zh: '当前环节只读，不能修改',
    en: 'is read-only in this step and cannot be changed',
  },
  FORM_ERR_HIDDEN_WRITE: {
    status: 422,
    zh: '当前环节不可见，不能填写',
    en: 'is hidden in this step and cannot be written',
  },
  FORM_ERR_APPEND_ONLY: {
    status: 422,
    zh: '只能追加，不能修改或删除已有内容',
    en: 'is append-only: existing content cannot be changed or removed',
  },
  FORM_ERR_DATA_TOO_DEEP: { status: 400, zh: '数据嵌套层级过深', en: 'The data is nested too deeply' },
  FORM_ERR_DATA_TOO_LARGE: { status: 413, zh: '数据过大', en: 'The data is too large' },
  FORM_ERR_STRING_TOO_LONG: { status: 413, zh: '文本过长', en: 'A text value is too long' },
  FORM_ERR_NOT_OBJECT: { status: 400, zh: '表单数据必须是 JSON 对象', en: 'Form data must be a JSON object' },
  FORM_ERR_RULE_FAILED: { status: 422, zh: '规则计算失败', en: 'A rule could not be evaluated' },
} as const satisfies Record<string, FormErrorSpec>;

/** A stable error code of the forms package. */
export type FormErrorCode = keyof typeof FORM_ERRORS;

/** Message language. zh-CN is the default everywhere. */
export type Lang = 'zh' | 'en';

/**
 * A definition error (broken form, unsafe input). Thrown by compile / publish / load functions.
 * `details` is plain JSON that helps locate the problem (a schema pointer, the offending `$ref`, …).
 */
export class FormError extends Error {
  override readonly name = 'FormError';
  readonly status: number;
  constructor(
    readonly code: FormErrorCode,
    readonly details: Readonly<Record<string, unknown>> = {},
    lang: Lang = 'zh',
  ) {
    const spec = FORM_ERRORS[code];
    const where = typeof details.at === 'string' ? ` (${details.at})` : '';
    const extra = typeof details.reason === 'string' ? `: ${details.reason}` : '';
    super(`${code}: ${lang === 'en' ? spec.en : spec.zh}${where}${extra}`);
    this.status = spec.status;
  }
}

/** Creates a {@link FormError}. */
export function formError(code: FormErrorCode, details: Readonly<Record<string, unknown>> = {}): FormError {
  return new FormError(code, details);
}

/** True for a {@link FormError} (also across module copies). */
export function isFormError(err: unknown): err is FormError {
  return (
    err instanceof FormError ||
    (err instanceof Error && err.name === 'FormError' && typeof (err as { code?: unknown }).code === 'string')
  );
}

/**
 * One problem with one field of submitted data.
 * - `path`: dotted data path with array indices, e.g. `claims.0.kind` (`''` for the whole form);
 * - `label`: the field's label in the chosen language (UI schema label → schema `title` → property name);
 * - `code`: a stable `FORM_ERR_…` code;
 * - `message`: a sentence in the chosen language that starts with the label.
 */
export interface FieldError {
  readonly path: string;
  readonly label: string;
  readonly code: FormErrorCode;
  readonly message: string;
}

/** The catalogue message of a code in a language. */
export function catalogueMessage(code: FormErrorCode, lang: Lang): string {
  const spec = FORM_ERRORS[code];
  return lang === 'en' ? spec.en : spec.zh;
}
