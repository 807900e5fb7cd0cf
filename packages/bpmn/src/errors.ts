/**
 * The errors catalogue of `@shidian/bpmn`: every problem the importer can report, with a stable
 * code, a severity, the HTTP status it maps to when it reaches the API, and a message template in
 * zh-CN and English. Codes never change meaning; new ones are only ever added.
 *
 * Templates use `{name}` placeholders filled from {@link Problem.params}.
 *
 * @example
 * ```ts
 * import { BPMN_CODES, formatProblem } from '@shidian/bpmn';
 * BPMN_CODES.BPMN_ERR_DUPLICATE_ID.httpStatus; // 422
 * formatProblem(problem, 'en');
 * ```
 */

/** Severity of a problem. An `error` makes the process (or the whole file) not executable. */
export type Severity = 'error' | 'warning';

/** Language of human-readable messages. */
export type Lang = 'zh' | 'en';

/** One entry of the catalogue. */
export interface CodeInfo {
  readonly severity: Severity;
  /** HTTP status when the problem is returned by the API (deploy / validate). */
  readonly httpStatus: number;
  readonly zh: string;
  readonly en: string;
}

const e = (httpStatus: number, zh: string, en: string): CodeInfo => ({
  severity: 'error',
  httpStatus,
  zh,
  en,
});
const w = (zh: string, en: string): CodeInfo => ({ severity: 'warning', httpStatus: 200, zh, en });

/** Every code `@shidian/bpmn` reports. */
export const BPMN_CODES = {
  // ── input ────────────────────────────────────────────────────────────────────────────────
  BPMN_ERR_NOT_XML: e(400, '不是可解析的 XML：{detail}', 'not parsable XML: {detail}'),
  BPMN_ERR_NOT_BPMN: e(
    422,
    '根元素不是 BPMN 2.0 的 <definitions>',
    'the root element is not a BPMN 2.0 <definitions>',
  ),
  BPMN_ERR_TOO_LARGE: e(
    413,
    '文件过大：{size} 字节，上限 {limit} 字节',
    'file too large: {size} bytes, limit {limit} bytes',
  ),
  BPMN_ERR_TOO_DEEP: e(
    422,
    '元素嵌套过深：超过 {limit} 层',
    'elements nested too deeply: more than {limit} levels',
  ),
  BPMN_ERR_TOO_MANY_ELEMENTS: e(413, '元素过多：超过 {limit} 个', 'too many elements: more than {limit}'),
  BPMN_ERR_DOCTYPE: e(
    422,
    '文件含 DOCTYPE 声明；为防止实体注入（XXE、“十亿笑声”），不解析带 DOCTYPE 的文件',
    'the file has a DOCTYPE declaration; files with a DOCTYPE are refused (no entity expansion: XXE, billion laughs)',
  ),
  BPMN_ERR_INTERNAL: e(500, '导入器内部错误（{detail}）', 'internal error of the importer ({detail})'),
  BPMN_WARN_XML_CONTENT: w(
    '已忽略无法识别的内容（{detail}）',
    'ignored content that could not be read ({detail})',
  ),
  BPMN_ERR_ELEMENT_DROPPED: e(
    422,
    '元素 <{tag}> 在解析中丢失（多半是扩展属性冲突或结构不合法）',
    'element <{tag}> was dropped while parsing (usually conflicting extensions or an invalid structure)',
  ),
  BPMN_ERR_DUPLICATE_ID: e(422, 'id “{id}” 重复出现', 'duplicate id "{id}"'),
  BPMN_ERR_UNRESOLVED_REF: e(422, '引用的元素 “{ref}” 不存在', 'reference to a missing element "{ref}"'),
  BPMN_WARN_MIXED_DIALECTS: w(
    '文件同时声明了 Camunda 7 与 Camunda 8（zeebe）命名空间；按 {chosen} 读取，另一方言的扩展被忽略',
    'the file declares both Camunda 7 and Camunda 8 (zeebe) namespaces; read as {chosen}, the other dialect is ignored',
  ),
  BPMN_WARN_UNKNOWN_EXTENSION: w('未知的属性 {name}，已忽略', 'unknown attribute {name} ignored'),
  BPMN_WARN_NO_PROCESS: w('文件中没有流程', 'the file contains no process'),
  // ── structure ───────────────────────────────────────────────────────────────────────────
  BPMN_ERR_UNSUPPORTED_ELEMENT: e(422, '不支持的元素 {type}', 'unsupported element {type}'),
  BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION: e(
    422,
    '不支持的事件定义 {type}',
    'unsupported event definition {type}',
  ),
  BPMN_ERR_DECISION_UNSUPPORTED: e(
    422,
    '业务规则任务引用的决策 {ref} 无法执行：平台尚不支持 DMN 决策表，请改用排他网关加 FEEL 条件，或用脚本任务（FEEL）计算结果',
    'business-rule task refers to decision {ref}, which cannot run: DMN decision tables are not supported yet; use an exclusive gateway with FEEL conditions or a FEEL script task',
  ),
  BPMN_ERR_UNSUPPORTED_IMPLEMENTATION: e(
    422,
    '不支持的实现方式 {what}：平台不执行 Java 类、脚本或委托表达式，请改用 shidian:connector 或 FEEL',
    'unsupported implementation {what}: Java classes, scripts and delegate expressions are not executed; use shidian:connector or FEEL',
  ),
  BPMN_WARN_IGNORED_ELEMENT: w(
    '{type} 在运行时没有作用，已忽略',
    '{type} has no effect at run time and is ignored',
  ),
  BPMN_WARN_NOT_MARKED_EXECUTABLE: w(
    '流程标记为 isExecutable="false"',
    'the process is marked isExecutable="false"',
  ),
  BPMN_ERR_FLOW_MISSING_REF: e(422, '顺序流缺少 {attr}', 'sequence flow has no {attr}'),
  BPMN_ERR_FLOW_CROSSES_SCOPE: e(
    422,
    '顺序流跨越了子流程边界',
    'sequence flow crosses a sub-process boundary',
  ),
  BPMN_ERR_NO_START_EVENT: e(422, '{scope} 没有无类型开始事件', '{scope} has no none start event'),
  BPMN_ERR_START_EVENT_INCOMING: e(
    422,
    '开始事件不能有进入的顺序流',
    'a start event cannot have incoming sequence flows',
  ),
  BPMN_ERR_END_EVENT_OUTGOING: e(
    422,
    '结束事件不能有流出的顺序流',
    'an end event cannot have outgoing sequence flows',
  ),
  BPMN_ERR_BOUNDARY_NOT_ATTACHED: e(
    422,
    '边界事件没有附着到活动上',
    'boundary event is not attached to an activity',
  ),
  BPMN_ERR_GATEWAY_NO_CONDITION: e(
    422,
    '网关 {gateway} 的流出顺序流 {flow} 既没有条件也不是默认流',
    'outgoing flow {flow} of gateway {gateway} has no condition and is not the default flow',
  ),
  BPMN_WARN_DEFAULT_FLOW_CONDITION: w(
    '默认流上的条件不会被求值',
    'the condition of a default flow is never evaluated',
  ),
  BPMN_WARN_UNREACHABLE: w(
    '节点不可达：从任何开始事件都走不到这里',
    'unreachable node: no path from any start event',
  ),
  BPMN_ERR_DEAD_END: e(
    422,
    '死路：从此节点走不到任何结束事件',
    'dead end: no path from this node to an end event',
  ),
  BPMN_ERR_TIMER_INVALID: e(
    422,
    '定时器 {kind} 的值 “{value}” 不是 ISO 8601 时间、时长、循环或 cron 表达式',
    'timer {kind} "{value}" is not an ISO 8601 date-time, duration, repeating interval or cron expression',
  ),
  BPMN_ERR_TIMER_CRON_UNSUPPORTED: e(
    422,
    '定时器循环 “{value}” 使用了平台不支持的 cron 写法（{reason}）；请用含秒字段的 6 或 7 段 cron（如 0 0 9 ? * MON-FRI）或 ISO 8601 重复区间（如 R/P1D）',
    'timer cycle "{value}" uses a cron feature the platform does not evaluate ({reason}); use a 6- or 7-field cron with seconds (such as 0 0 9 ? * MON-FRI) or an ISO 8601 repeating interval (such as R/P1D)',
  ),
  BPMN_WARN_TIMER_START_NEEDS_VARIABLES: w(
    '流程定时开始事件的 {kind} 表达式 “{source}” 不能在没有流程变量的情况下求值：定时启动不会生效',
    'the {kind} expression "{source}" of the process timer start event cannot be evaluated without variables: the timer will never start a case',
  ),
  BPMN_ERR_LINK_UNMATCHED: e(
    422,
    '链接事件 “{name}” 没有对应的捕获事件',
    'link event "{name}" has no matching catch event',
  ),
  BPMN_ERR_MISSING_ATTRIBUTE: e(422, '缺少 {attr}', 'missing {attr}'),
  BPMN_WARN_MULTIPLE_START_EVENTS: w('{scope} 有多个无类型开始事件', '{scope} has several none start events'),
  // ── expressions ─────────────────────────────────────────────────────────────────────────
  BPMN_ERR_FEEL_SYNTAX: e(
    422,
    'FEEL 语法错误 “{source}”：{detail}',
    'FEEL syntax error in "{source}": {detail}',
  ),
  BPMN_ERR_JUEL_EXPRESSION: e(
    422,
    '不执行 JUEL/JavaScript 表达式 “{source}”；请改写为 FEEL（例如 ${a > 1} 改为 =a > 1）',
    'JUEL/JavaScript expression "{source}" is not executed; rewrite it in FEEL (e.g. ${a > 1} becomes =a > 1)',
  ),
  BPMN_ERR_SCRIPT_NOT_FEEL: e(
    422,
    '脚本语言 {format} 不被执行；只支持 FEEL 脚本',
    'script language {format} is not executed; only FEEL scripts are supported',
  ),
  // ── tasks ───────────────────────────────────────────────────────────────────────────────
  BPMN_ERR_USER_TASK_UNASSIGNED: e(
    422,
    '用户任务没有办理人、候选人、候选组或候选单位',
    'user task has no assignee, candidate users, candidate groups or candidate units',
  ),
  BPMN_ERR_FORM_REQUIRED: e(
    422,
    '该试点要求用户任务绑定表单，但此任务没有',
    'the pilot requires a form on every user task, and this one has none',
  ),
  BPMN_ERR_NO_CONNECTOR: e(
    422,
    '{type} 没有指定连接器（shidian:connector、zeebe:taskDefinition 或 camunda:topic）',
    '{type} names no connector (shidian:connector, zeebe:taskDefinition or camunda:topic)',
  ),
  // ── shidian: extension ──────────────────────────────────────────────────────────────────
  BPMN_ERR_SHIDIAN_INVALID: e(
    422,
    'shidian:{attr} 的值 “{value}” 无效：{expected}',
    'invalid shidian:{attr} "{value}": expected {expected}',
  ),
  BPMN_ERR_APPROVAL_NOT_MULTI_INSTANCE: e(
    422,
    'shidian:approval 只能用于多实例任务',
    'shidian:approval needs a multi-instance task',
  ),
  BPMN_ERR_REJECT_TARGET_MISSING: e(
    422,
    '驳回目标 “{target}” 不存在',
    'reject target "{target}" does not exist',
  ),
} as const satisfies Record<string, CodeInfo>;

/** A stable problem code. */
export type BpmnCode = keyof typeof BPMN_CODES;

/**
 * One finding about the input. `elementId`, `line` and `column` are present when the problem is
 * about an element whose id appears in the XML. `processId` is absent for file-level problems.
 * `params` carries the values used in the message so that {@link formatProblem} can re-render it in
 * another language.
 */
export interface Problem {
  readonly code: string;
  readonly severity: Severity;
  readonly elementId?: string;
  readonly processId?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
  readonly params?: Readonly<Record<string, string>>;
}

/** Renders a message template of {@link BPMN_CODES} in the given language. */
export function renderMessage(code: BpmnCode, params: Readonly<Record<string, string>>, lang: Lang): string {
  const info = BPMN_CODES[code];
  return (lang === 'en' ? info.en : info.zh).replace(/\{(\w+)\}/g, (m, k: string) => params[k] ?? m);
}

/**
 * The message of a problem in another language (falls back to `problem.message` for codes this
 * package does not know).
 */
export function formatProblem(problem: Problem, lang: Lang): string {
  if (!(problem.code in BPMN_CODES)) return problem.message;
  return renderMessage(problem.code as BpmnCode, problem.params ?? {}, lang);
}
