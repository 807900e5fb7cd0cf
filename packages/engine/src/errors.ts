/**
 * The error catalogue of `@shidian/engine`. Every refused command and every incident has a stable
 * `ENG_ERR_…` code with an HTTP status (for when it reaches the API), a zh-CN message (first) and
 * an English one. Tests and callers match on `code`, never on the message text.
 */
import type { EngineError, Json } from './types.js';

/** Every error code of the engine, with its HTTP status and messages. */
export const engineErrors = {
  ENG_ERR_BAD_COMMAND: { status: 400, zh: '命令格式无效', en: 'malformed command' },
  ENG_ERR_UNKNOWN_COMMAND: { status: 400, zh: '未知的命令类型', en: 'unknown command type' },
  ENG_ERR_NO_STATE: { status: 409, zh: '实例尚未启动', en: 'the instance has not been started' },
  ENG_ERR_ALREADY_STARTED: {
    status: 409,
    zh: '实例已启动，不能再次启动',
    en: 'the instance is already started',
  },
  ENG_ERR_STATE_VERSION: { status: 422, zh: '实例状态版本不受支持', en: 'unsupported state version' },
  ENG_ERR_GRAPH_MISMATCH: {
    status: 409,
    zh: '实例状态与流程模型不匹配',
    en: 'the state does not belong to this process graph',
  },
  ENG_ERR_NO_START_EVENT: { status: 422, zh: '找不到可用的开始事件', en: 'no matching start event' },
  ENG_ERR_INSTANCE_ENDED: { status: 409, zh: '实例已结束', en: 'the instance has ended' },
  ENG_ERR_SUSPENDED: {
    status: 409,
    zh: '实例已挂起，请先恢复',
    en: 'the instance is suspended: resume it first',
  },
  ENG_ERR_NOT_SUSPENDED: { status: 409, zh: '实例未挂起', en: 'the instance is not suspended' },
  ENG_ERR_TASK_NOT_OPEN: { status: 404, zh: '任务不存在或已办结', en: 'the task is not open' },
  ENG_ERR_NOT_ASSIGNEE: {
    status: 403,
    zh: '只有当前办理人可以执行此操作',
    en: 'only the assignee may do this',
  },
  ENG_ERR_NOT_CANDIDATE: {
    status: 403,
    zh: '您不在此任务的候选人、候选组或候选单位中',
    en: 'the actor is not a candidate of the task',
  },
  ENG_ERR_ALREADY_CLAIMED: {
    status: 409,
    zh: '任务已被他人签收',
    en: 'the task is already claimed by someone else',
  },
  ENG_ERR_NOT_CLAIMED: { status: 409, zh: '任务尚未签收', en: 'the task is not claimed' },
  ENG_ERR_TASK_HELD: {
    status: 409,
    zh: '任务正在等待前加签人办理',
    en: 'the task waits for signers added before it',
  },
  ENG_ERR_TASK_DELEGATED: {
    status: 409,
    zh: '任务已委派，须由被委派人办理后交回',
    en: 'the task is delegated: the delegate must resolve it',
  },
  ENG_ERR_NOT_DELEGATED: { status: 409, zh: '任务未被委派', en: 'the task is not delegated' },
  ENG_ERR_WRONG_FORM: {
    status: 422,
    zh: '提交的表单不属于此任务',
    en: 'the submitted form belongs to another task',
  },
  ENG_ERR_FIELD_NOT_EDITABLE: {
    status: 403,
    zh: '此环节无权修改该字段',
    en: 'this step may not write the field',
  },
  ENG_ERR_BAD_VARIABLES: {
    status: 400,
    zh: '表单数据必须是 JSON 对象',
    en: 'variables must be a JSON object',
  },
  ENG_ERR_ACTOR_REQUIRED: { status: 401, zh: '此操作需要办理人身份', en: 'this command needs an actor' },
  ENG_ERR_RETURN_TARGET_NOT_REACHED: {
    status: 422,
    zh: '退回目标不是此前已办结的环节',
    en: 'the return target is not an earlier completed step',
  },
  ENG_ERR_NO_REJECT_TARGET: { status: 422, zh: '此环节未配置驳回目标', en: 'the task has no reject target' },
  ENG_ERR_NOTHING_TO_WITHDRAW: {
    status: 404,
    zh: '没有可撤回的已办环节',
    en: 'no completed step to withdraw',
  },
  ENG_ERR_WITHDRAW_TOO_LATE: {
    status: 409,
    zh: '下一环节已经办理，不能撤回',
    en: 'the next step has already been acted on',
  },
  ENG_ERR_BAD_SIGNERS: { status: 400, zh: '加签人员无效', en: 'invalid signers' },
  ENG_ERR_SIGNER_NOT_PENDING: {
    status: 409,
    zh: '只能减去尚未办理的加签人',
    en: 'only a pending signer can be removed',
  },
  ENG_ERR_LAST_SIGNER: { status: 409, zh: '不能减去最后一名签署人', en: 'cannot remove the last signer' },
  ENG_ERR_CC_NOT_FOUND: { status: 404, zh: '抄送记录不存在', en: 'no such CC item' },
  ENG_ERR_NOT_CC_RECIPIENT: {
    status: 403,
    zh: '您不是此抄送的接收人',
    en: 'the actor is not a recipient of this CC',
  },
  ENG_ERR_TIMER_NOT_FOUND: { status: 404, zh: '定时器不存在或已取消', en: 'no such timer' },
  ENG_ERR_TIMER_NOT_DUE: { status: 409, zh: '定时器尚未到期', en: 'the timer is not due yet' },
  ENG_ERR_NO_SUBSCRIPTION: {
    status: 404,
    zh: '没有等待此消息的环节',
    en: 'no element waits for this message',
  },
  ENG_ERR_CALL_NOT_FOUND: { status: 404, zh: '子流程调用不存在', en: 'no such call' },
  ENG_ERR_JOB_NOT_FOUND: { status: 404, zh: '外部任务不存在', en: 'no such job' },
  ENG_ERR_INCIDENT_NOT_FOUND: { status: 404, zh: '故障记录不存在', en: 'no such incident' },
  ENG_ERR_SCOPE_NOT_FOUND: { status: 404, zh: '变量作用域不存在', en: 'no such scope' },
  ENG_ERR_BUDGET_NOT_FOUND: { status: 404, zh: '期限不存在', en: 'no such deadline budget' },
  ENG_ERR_EXTENSION_LIMIT: {
    status: 422,
    zh: '法定期限只能延长一次',
    en: 'a statutory deadline may be extended only once',
  },
  ENG_ERR_EXTENSION_TOO_LONG: {
    status: 422,
    zh: '法定期限延长不得超过30日',
    en: 'a statutory deadline may be extended by at most 30 days',
  },
  ENG_ERR_EXTENSION_TOO_LATE: {
    status: 409,
    zh: '期限已届满，不能再延长',
    en: 'the deadline has passed: an expired period cannot be extended',
  },
  ENG_ERR_BAD_PERIOD: { status: 400, zh: '期间写法无法识别', en: 'invalid period' },
  ENG_ERR_BUDGET_PAUSED: { status: 409, zh: '期限已暂停计时', en: 'the deadline budget is already paused' },
  ENG_ERR_BUDGET_NOT_PAUSED: { status: 409, zh: '期限未暂停计时', en: 'the deadline budget is not paused' },
  // Incidents (raised while running; the case stays consistent and can be retried).
  ENG_ERR_FEEL_SYNTAX: { status: 422, zh: 'FEEL 表达式语法错误', en: 'FEEL syntax error' },
  ENG_ERR_FEEL_EVALUATION: { status: 422, zh: 'FEEL 表达式求值失败', en: 'FEEL evaluation failed' },
  ENG_ERR_CONDITION_NOT_BOOLEAN: {
    status: 422,
    zh: '条件表达式的结果不是布尔值',
    en: 'a condition did not evaluate to a boolean',
  },
  ENG_ERR_NO_OUTGOING_FLOW: {
    status: 422,
    zh: '没有满足条件的出口，也没有默认出口',
    en: 'no outgoing flow condition holds and there is no default flow',
  },
  ENG_ERR_COLLECTION_NOT_LIST: {
    status: 422,
    zh: '多实例集合不是列表',
    en: 'the multi-instance collection is not a list',
  },
  ENG_ERR_BAD_CARDINALITY: {
    status: 422,
    zh: '多实例数量不是非负整数',
    en: 'the multi-instance cardinality is not a non-negative integer',
  },
  ENG_ERR_BAD_TIMER: { status: 422, zh: '定时器表达式无效', en: 'invalid timer definition' },
  ENG_ERR_UNSUPPORTED_ELEMENT: { status: 422, zh: '不支持执行此元素', en: 'this element cannot be executed' },
  ENG_ERR_UNHANDLED_ERROR: { status: 422, zh: 'BPMN 错误事件无人捕获', en: 'a BPMN error was not caught' },
  ENG_ERR_CONNECTOR_FAILED: { status: 502, zh: '连接器执行失败', en: 'a connector failed' },
  ENG_ERR_CALL_FAILED: { status: 502, zh: '被调用的子流程失败', en: 'the called child instance failed' },
  ENG_ERR_BAD_DEADLINE: { status: 422, zh: '期限配置无法计算', en: 'the deadline cannot be computed' },
  ENG_ERR_BAD_CALLED_ELEMENT: {
    status: 422,
    zh: '调用活动的被调用流程无效',
    en: 'the call activity has no valid called element',
  },
  ENG_ERR_INTERNAL: {
    status: 500,
    zh: '引擎内部错误（状态未改变）',
    en: 'internal engine error (state unchanged)',
  },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

/** A stable error code of the engine (`ENG_ERR_…`). */
export type EngineErrorCode = keyof typeof engineErrors;

/**
 * Builds a coded error value (never thrown across the public API).
 *
 * @example
 * engineError('ENG_ERR_TASK_NOT_OPEN', { taskId: 'i1.t3' })
 */
export function engineError(
  code: EngineErrorCode,
  details?: { readonly [key: string]: Json },
  message?: string,
): EngineError {
  const entry = engineErrors[code];
  const base = `${entry.zh} (${entry.en})`;
  return details === undefined
    ? { code, message: message === undefined ? base : `${base}: ${message}` }
    : { code, message: message === undefined ? base : `${base}: ${message}`, details };
}

/** The HTTP status of an engine error code. */
export function httpStatusOf(code: string): number {
  return (engineErrors as Record<string, { status: number }>)[code]?.status ?? 500;
}

/** Thrown inside the engine to abort a command; `step` turns it into a failed `StepResult`. */
export class Refusal extends Error {
  constructor(readonly error: EngineError) {
    super(error.message);
  }
}

/** Thrown inside the engine while running a token; turned into an incident on that token. */
export class IncidentSignal extends Error {
  constructor(readonly error: EngineError) {
    super(error.message);
  }
}

/** Abort the current command with a coded error. */
export function refuse(
  code: EngineErrorCode,
  details?: { readonly [key: string]: Json },
  message?: string,
): never {
  throw new Refusal(engineError(code, details, message));
}
