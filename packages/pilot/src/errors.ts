/**
 * The errors catalogue of `@shidian/pilot`: one stable code per kind of problem, each with an HTTP
 * status (for when a problem reaches the API, e.g. a refused deployment) and a message in Chinese
 * and English. Tests assert codes, never messages.
 */

/** Every code of this package. */
export const PILOT_ERRORS = {
  PILOT_ERR_DIR_NOT_FOUND: {
    status: 400,
    zh: '配置包目录不存在：{0}',
    en: 'Bundle directory not found: {0}',
  },
  PILOT_ERR_MANIFEST_MISSING: {
    status: 422,
    zh: '缺少清单文件 pilot.yaml 或 pilot.json',
    en: 'No manifest (pilot.yaml or pilot.json)',
  },
  PILOT_ERR_MANIFEST_AMBIGUOUS: {
    status: 422,
    zh: '同时存在 pilot.yaml 与 pilot.json',
    en: 'Both pilot.yaml and pilot.json exist',
  },
  PILOT_ERR_MANIFEST_PARSE: { status: 422, zh: '清单无法解析：{0}', en: 'Manifest cannot be parsed: {0}' },
  PILOT_ERR_MANIFEST_SCHEMA: {
    status: 422,
    zh: '清单不符合规范：{0} {1}',
    en: 'Manifest does not match its schema: {0} {1}',
  },
  PILOT_ERR_FILE_MISSING: { status: 422, zh: '引用的文件不存在：{0}', en: 'Referenced file is missing: {0}' },
  PILOT_ERR_FILE_UNSAFE: {
    status: 422,
    zh: '文件路径越出配置包：{0}',
    en: 'File path leaves the bundle: {0}',
  },
  PILOT_ERR_DUPLICATE_ID: { status: 422, zh: '标识重复：{0}', en: 'Duplicate id: {0}' },
  PILOT_ERR_JSON_PARSE: { status: 422, zh: 'JSON 无法解析：{0}', en: 'JSON cannot be parsed: {0}' },
  PILOT_ERR_FORM_INVALID: { status: 422, zh: '表单无法编译：{0}', en: 'Form does not compile: {0}' },
  PILOT_ERR_BPMN_INVALID: { status: 422, zh: '流程检查未通过：{0}', en: 'Process does not lint clean: {0}' },
  PILOT_ERR_PROCESS_DUPLICATE: {
    status: 422,
    zh: '流程标识在多个文件中出现：{0}',
    en: 'Process id defined in more than one file: {0}',
  },
  PILOT_ERR_FORM_BINDING: { status: 422, zh: '绑定的表单不存在：{0}', en: 'Bound form does not exist: {0}' },
  PILOT_ERR_UNKNOWN_ROLE: {
    status: 422,
    zh: '角色未在试点中定义：{0}',
    en: 'Role is not defined by the pilot: {0}',
  },
  PILOT_ERR_UNKNOWN_UNIT: {
    status: 422,
    zh: '单位未在试点中定义：{0}',
    en: 'Unit is not defined by the pilot: {0}',
  },
  PILOT_ERR_UNKNOWN_STAGE: {
    status: 422,
    zh: '环节标记无效：{0}（应为 prevention、acceptance、handling、supervision、order 之一）',
    en: 'Invalid stage: {0} (one of prevention, acceptance, handling, supervision, order)',
  },
  PILOT_ERR_UNKNOWN_ELEMENT: {
    status: 422,
    zh: '流程或元素不存在：{0}',
    en: 'Process or element does not exist: {0}',
  },
  PILOT_ERR_UNKNOWN_NOTICE: {
    status: 422,
    zh: '告知书模板未在试点中定义：{0}',
    en: 'Notice is not defined by the pilot: {0}',
  },
  PILOT_ERR_PERMISSION_PATH: {
    status: 422,
    zh: '字段权限指向表单中不存在的字段：{0}',
    en: 'Field permission names a field the form does not have: {0}',
  },
  PILOT_ERR_TEMPLATE_SYNTAX: { status: 422, zh: '模板语法错误：{0}', en: 'Template syntax error: {0}' },
  PILOT_ERR_PLACEHOLDER_UNRESOLVED: {
    status: 422,
    zh: '占位符无数据来源：{0}',
    en: 'No data provides the placeholder: {0}',
  },
  PILOT_ERR_UNKNOWN_FILTER: { status: 422, zh: '未知的模板过滤器：{0}', en: 'Unknown template filter: {0}' },
  PILOT_ERR_NOTICE_CONTENT_MISSING: {
    status: 422,
    zh: '文书缺少法定内容：{0}',
    en: 'Notice lacks a required content: {0}',
  },
  PILOT_ERR_NOTICE_DATA_INVALID: {
    status: 422,
    zh: '文书数据不完整或不符合规范：{0} {1}',
    en: 'Notice data is incomplete or invalid: {0} {1}',
  },
  PILOT_ERR_CALENDAR_INVALID: { status: 422, zh: '试点日历无效：{0}', en: 'Pilot calendar is invalid: {0}' },
  PILOT_ERR_UNCOVERED_YEARS_INVALID: {
    status: 500,
    zh: 'SHIDIAN_UNCOVERED_YEARS 只能是 refuse 或 provisional：{0}',
    en: 'SHIDIAN_UNCOVERED_YEARS must be refuse or provisional: {0}',
  },
  PILOT_ERR_PERIOD_INVALID: { status: 422, zh: '期限格式无效：{0}', en: 'Invalid period: {0}' },
  PILOT_ERR_DEADLINE_NOT_STRICTER: {
    status: 422,
    zh: '内部期限 {0} 长于法定期限 {1}',
    en: 'Internal deadline {0} is longer than the statutory {1}',
  },
  PILOT_ERR_STATUTORY_LIMIT: {
    status: 422,
    zh: '法定期限设置越过法定标准：{0}',
    en: 'Statutory limit set beyond the law: {0}',
  },
  PILOT_ERR_METRIC_FEEL: {
    status: 422,
    zh: '指标公式不是有效的 FEEL 表达式：{0}',
    en: 'Metric formula is not valid FEEL: {0}',
  },
  PILOT_ERR_ENGINE_REFUSED: {
    status: 422,
    zh: '引擎拒绝该操作：{0}',
    en: 'The engine refused the command: {0}',
  },
  PILOT_ERR_NO_OPEN_TASK: { status: 404, zh: '没有待办任务：{0}', en: 'No open task: {0}' },
  PILOT_ERR_DEPLOY_REFUSED: {
    status: 422,
    zh: '配置包未通过校验，拒绝部署',
    en: 'The bundle is invalid; deployment refused',
  },
  PILOT_ERR_DEPLOY_HTTP: { status: 502, zh: '部署请求失败：{0}', en: 'Deployment request failed: {0}' },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

/** A code of this package. */
export type PilotErrorCode = keyof typeof PILOT_ERRORS;

/** A message in Chinese (first) and English. */
export interface LocalMessage {
  readonly zh: string;
  readonly en: string;
}

/**
 * Fills a code's message templates with arguments.
 *
 * @example pilotMessage('PILOT_ERR_UNKNOWN_ROLE', ['lawyer']).zh // '角色未在试点中定义：lawyer'
 */
export function pilotMessage(code: PilotErrorCode, args: readonly string[] = []): LocalMessage {
  const entry = PILOT_ERRORS[code];
  const fill = (t: string) => t.replace(/\{(\d)\}/g, (_, i: string) => args[Number(i)] ?? '');
  return { zh: fill(entry.zh).trim(), en: fill(entry.en).trim() };
}

/**
 * Thrown by the functions of this package for bad input they cannot report as a problem
 * (e.g. a template that does not parse when rendering, notice data that fails its schema).
 */
export class PilotError extends Error {
  readonly code: PilotErrorCode;
  readonly status: number;
  readonly zh: string;
  readonly args: readonly string[];

  constructor(code: PilotErrorCode, args: readonly string[] = [], options?: { cause?: unknown }) {
    const message = pilotMessage(code, args);
    super(message.en, options);
    this.name = 'PilotError';
    this.code = code;
    this.status = PILOT_ERRORS[code].status;
    this.zh = message.zh;
    this.args = args;
  }
}
