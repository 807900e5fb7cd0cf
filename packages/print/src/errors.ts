/**
 * The errors catalogue of `@shidian/print`: one stable code per kind of failure, each with the HTTP
 * status the API answers with when a print job fails (`GET /api/notices/{id}?format=pdf`) and a
 * message in Chinese and English. Tests assert codes, never messages.
 */

/** Every code of this package. `{0}`, `{1}` are filled from the error's `args`. */
export const PRINT_ERRORS = {
  PRINT_ERR_INVALID_INPUT: {
    status: 400,
    zh: '打印输入无效：{0}',
    en: 'Invalid print input: {0}',
  },
  PRINT_ERR_TOO_LARGE: {
    status: 413,
    zh: '文书 HTML 过大：{0} 字节，上限 {1} 字节',
    en: 'Notice HTML too large: {0} bytes, the limit is {1} bytes',
  },
  PRINT_ERR_BROWSER_MISSING: {
    status: 503,
    zh: '服务器未安装用于生成 PDF 的 Chromium：{0}（安装 Debian 软件包 chromium 与 fonts-noto-cjk，或设置 CHROMIUM_PATH）',
    en: 'No Chromium to print PDF with at {0} (install the Debian packages chromium and fonts-noto-cjk, or set CHROMIUM_PATH)',
  },
  PRINT_ERR_LAUNCH_FAILED: {
    status: 503,
    zh: 'Chromium 无法启动：{0}',
    en: 'Chromium failed to start: {0}',
  },
  PRINT_ERR_BUSY: {
    status: 503,
    zh: '打印队列已满（{0} 个任务等待），请稍后重试',
    en: 'The print queue is full ({0} jobs waiting); try again later',
  },
  PRINT_ERR_TIMEOUT: {
    status: 504,
    zh: '生成 PDF 超时（{0} 毫秒）',
    en: 'Printing to PDF timed out ({0} ms)',
  },
  PRINT_ERR_CLOSED: {
    status: 503,
    zh: '打印服务已关闭',
    en: 'The printer has been closed',
  },
  PRINT_ERR_RENDER_FAILED: {
    status: 500,
    zh: '生成 PDF 失败：{0}',
    en: 'Printing to PDF failed: {0}',
  },
} as const satisfies Record<string, { status: number; zh: string; en: string }>;

/** A code of {@link PRINT_ERRORS}. */
export type PrintErrorCode = keyof typeof PRINT_ERRORS;

/** A message in both languages. */
export interface PrintMessage {
  readonly zh: string;
  readonly en: string;
}

const fill = (template: string, args: readonly string[]): string =>
  template.replace(/\{(\d+)\}/g, (_, i: string) => args[Number(i)] ?? '');

/**
 * The message of a code with its arguments filled in.
 *
 * @example
 * ```ts
 * printMessage('PRINT_ERR_TIMEOUT', ['30000']).zh; // '生成 PDF 超时（30000 毫秒）'
 * ```
 */
export function printMessage(code: PrintErrorCode, args: readonly string[] = []): PrintMessage {
  const entry = PRINT_ERRORS[code];
  return { zh: fill(entry.zh, args), en: fill(entry.en, args) };
}

/**
 * A failed print job: a stable `code`, the HTTP `status` to answer with, the English message as
 * `message` and the Chinese one as `zh`.
 *
 * @example
 * ```ts
 * try {
 *   await printer.pdf(html);
 * } catch (err) {
 *   if (err instanceof PrintError && err.code === 'PRINT_ERR_BROWSER_MISSING') reply.code(err.status);
 * }
 * ```
 */
export class PrintError extends Error {
  readonly code: PrintErrorCode;
  readonly status: number;
  readonly zh: string;
  readonly args: readonly string[];

  constructor(code: PrintErrorCode, args: readonly string[] = [], options?: { cause?: unknown }) {
    const message = printMessage(code, args);
    super(message.en, options);
    this.name = 'PrintError';
    this.code = code;
    this.status = PRINT_ERRORS[code].status;
    this.zh = message.zh;
    this.args = args;
  }
}
