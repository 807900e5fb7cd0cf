/**
 * The error catalogue of `@shidian/calendar`. Every failure the package can report has a stable
 * `CAL_ERR_…` code, an HTTP status for when it reaches the API, a zh-CN message (first) and an
 * English one. Tests and callers match on `code`, never on the message text.
 */

/** Every error code of the calendar package, with its HTTP status and messages. */
export const calendarErrors = {
  CAL_ERR_INVALID_DATE: {
    status: 400,
    zh: '日期格式无效，应为 YYYY-MM-DD 的真实日期',
    en: 'invalid date: expected a real YYYY-MM-DD date',
  },
  CAL_ERR_YEAR_NOT_COVERED: {
    status: 422,
    zh: '该年份没有节假日安排数据，不能计算期限（请加载国务院当年的放假安排）',
    en: 'no holiday schedule for this year: load the State Council schedule for it',
  },
  CAL_ERR_PERIOD_SYNTAX: {
    status: 400,
    zh: '期间写法无法识别（示例：P15D、15d、15日、5wd、P5WD、5个工作日）',
    en: 'unknown period syntax (examples: P15D, 15d, 5wd, P5WD)',
  },
  CAL_ERR_PERIOD_NOT_POSITIVE: {
    status: 400,
    zh: '期间天数必须为正整数',
    en: 'a period must be a positive whole number of days',
  },
  CAL_ERR_PERIOD_TOO_LONG: {
    status: 400,
    zh: '期间过长（上限 3660 日）',
    en: 'period too long (at most 3660 days)',
  },
  CAL_ERR_INVALID_TIME_ZONE: {
    status: 400,
    zh: '时区无效（示例：Asia/Shanghai）',
    en: 'invalid IANA time zone (e.g. Asia/Shanghai)',
  },
  CAL_ERR_INVALID_INSTANT: {
    status: 400,
    zh: '时间点无效：需要带时区偏移的 ISO 8601 时间（如 2025-01-27T23:30:00+08:00）',
    en: 'invalid instant: expected an ISO 8601 date-time with an offset (e.g. 2025-01-27T23:30:00+08:00)',
  },
  CAL_ERR_INVALID_YEAR_DATA: {
    status: 422,
    zh: '年度节假日安排数据无效',
    en: 'invalid yearly holiday schedule data',
  },
  CAL_ERR_CONFLICTING_DAYS: {
    status: 422,
    zh: '同一天既被设为休息日又被设为工作日',
    en: 'the same day is listed both as a rest day and as a workday',
  },
  CAL_ERR_INVALID_PAUSE: {
    status: 400,
    zh: '期限中止（暂停）记录无效',
    en: 'invalid pause in the deadline ledger',
  },
  CAL_ERR_INVALID_EXTENSION: {
    status: 400,
    zh: '延长期限记录无效（需写明期间、理由和批准人）',
    en: 'invalid extension: it needs a period, a reason and an approver',
  },
  CAL_ERR_EXTENSION_NOT_ALLOWED: {
    status: 422,
    zh: '延长期限超出规定（次数、天数或批准时间）',
    en: 'extension not allowed by the policy (count, length or approval date)',
  },
  CAL_ERR_INVALID_THRESHOLD: {
    status: 400,
    zh: '预警阈值无效（示例：20%、3wd、5d）',
    en: 'invalid warning threshold (examples: 20%, 3wd, 5d)',
  },
  CAL_ERR_INVALID_OPTIONS: {
    status: 400,
    zh: '日历选项无效（uncoveredYears 只能为 refuse 或 provisional，provisionalHorizon 只能为 1 或 2）',
    en: 'invalid calendar options (uncoveredYears: refuse | provisional; provisionalHorizon: 1 | 2)',
  },
  CAL_ERR_PILOT_CALENDAR: {
    status: 422,
    zh: '试点日历配置无法读取或格式无效',
    en: 'the pilot calendar configuration cannot be read or is invalid',
  },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

/** A stable error code of the calendar package (`CAL_ERR_…`). */
export type CalendarErrorCode = keyof typeof calendarErrors;

/**
 * The one error class of the package. `message` is zh-CN (with the detail appended),
 * `messageEn` is English; `status` is the HTTP status the API should answer with.
 *
 * @example
 * try { parsePeriod('15x'); } catch (e) { if (e instanceof CalendarError) console.log(e.code); } // CAL_ERR_PERIOD_SYNTAX
 */
export class CalendarError extends Error {
  override readonly name = 'CalendarError';
  readonly status: number;
  readonly messageEn: string;

  constructor(
    readonly code: CalendarErrorCode,
    /** What exactly was wrong (the offending value, the year, the file); kept out of the code. */
    readonly detail?: string,
    readonly details?: Readonly<Record<string, unknown>>,
  ) {
    const entry = calendarErrors[code];
    const suffix = detail === undefined ? '' : `: ${detail}`;
    super(`${entry.zh}${suffix}`);
    this.status = entry.status;
    this.messageEn = `${entry.en}${suffix}`;
  }
}

/** True when `err` is a {@link CalendarError}, optionally with the given code. */
export function isCalendarError(err: unknown, code?: CalendarErrorCode): err is CalendarError {
  return err instanceof CalendarError && (code === undefined || err.code === code);
}
