/**
 * Printing notice HTML to PDF with a headless Chromium driven by playwright-core.
 *
 * One browser is launched on the first job and reused; each job gets its own browser context and
 * page (no shared cookies, cache or storage), with JavaScript disabled, the network offline and
 * every request except `data:` URLs aborted (a notice is self-contained). Jobs run at most
 * `concurrency` at a time; the others wait in a bounded queue. Each job has a time limit that
 * covers waiting, launching and printing.
 */
import { accessSync, constants, statSync } from 'node:fs';
import { chromium, type Browser, type BrowserContext, type Route } from 'playwright-core';
import { PrintError } from './errors.js';
import { fixToUnicode } from './fix-to-unicode.js';
import {
  injectStylesheet,
  OFFICIAL_DOCUMENT_CSS,
  withoutRefresh,
  withPageSize,
} from './official-document-css.js';

/** Where Chromium is looked for when neither the option nor `CHROMIUM_PATH` names one (Debian). */
export const DEFAULT_CHROMIUM_PATH = '/usr/bin/chromium';

/** Command-line switches Chromium is started with (no sandbox: containers; nothing phones home). */
export const CHROMIUM_ARGS: readonly string[] = Object.freeze([
  '--no-sandbox',
  '--disable-gpu',
  '--disable-background-networking',
  '--disable-component-update',
  '--disable-sync',
  '--no-first-run',
]);

/** Paper sizes a job may ask for. */
export const PAGE_SIZES = ['A4'] as const;

/** A paper size of {@link PAGE_SIZES}. */
export type PageSize = (typeof PAGE_SIZES)[number];

/** Defaults of {@link PrinterOptions}. */
export const PRINTER_DEFAULTS = Object.freeze({
  concurrency: 2,
  maxQueue: 64,
  timeoutMs: 30_000,
  launchTimeoutMs: 30_000,
  maxHtmlBytes: 5 * 1024 * 1024,
});

/** Options of {@link createPrinter}; every one has a default. */
export interface PrinterOptions {
  /** The Chromium executable; default `process.env.CHROMIUM_PATH ?? '/usr/bin/chromium'`. */
  readonly executablePath?: string;
  /** Jobs printed at the same time (pages open at once); default 2. */
  readonly concurrency?: number;
  /** Jobs allowed to wait for a free slot; one more is refused with `PRINT_ERR_BUSY`; default 64. */
  readonly maxQueue?: number;
  /** Time limit of a job in ms, from the call to the PDF (queue, launch and print); default 30 000. */
  readonly timeoutMs?: number;
  /** Time limit of starting Chromium in ms; default 30 000. */
  readonly launchTimeoutMs?: number;
  /** Largest HTML accepted, in UTF-8 bytes; default 5 MiB (`PRINT_ERR_TOO_LARGE` above). */
  readonly maxHtmlBytes?: number;
  /**
   * CSS injected first in every document's `<head>`; default {@link OFFICIAL_DOCUMENT_CSS}
   * (GB/T 9704 page and fonts); `null` injects nothing.
   */
  readonly stylesheet?: string | null;
}

/** Options of one print job. */
export interface PdfOptions {
  /** Paper size; default and only value `'A4'`. */
  readonly pageSize?: PageSize;
  /** Overrides the printer's `timeoutMs` for this job. */
  readonly timeoutMs?: number;
}

/** What a printer is doing, e.g. for metrics. */
export interface PrinterStats {
  /** Whether a browser is running (or starting). */
  readonly browser: boolean;
  /** Jobs being printed now. */
  readonly running: number;
  /** Jobs waiting for a slot. */
  readonly queued: number;
  /** PDFs produced since creation. */
  readonly printed: number;
  /** Jobs failed since creation (any code). */
  readonly failed: number;
  /** Requests the pages tried to make and that were aborted. */
  readonly blockedRequests: number;
}

/** A printer: turns self-contained HTML into PDF. Create one per process and reuse it. */
export interface Printer {
  /**
   * Prints `html` to a PDF document.
   *
   * @throws PrintError `PRINT_ERR_INVALID_INPUT` (400), `PRINT_ERR_TOO_LARGE` (413),
   *   `PRINT_ERR_BUSY` (503), `PRINT_ERR_BROWSER_MISSING` (503), `PRINT_ERR_LAUNCH_FAILED` (503),
   *   `PRINT_ERR_TIMEOUT` (504), `PRINT_ERR_CLOSED` (503), `PRINT_ERR_RENDER_FAILED` (500).
   */
  pdf(html: string, opts?: PdfOptions): Promise<Uint8Array>;
  /** Counters and gauges of this printer. */
  stats(): PrinterStats;
  /** Refuses new and waiting jobs (`PRINT_ERR_CLOSED`) and closes the browser. Idempotent. */
  close(): Promise<void>;
}

const positiveInt = (name: string, value: number | undefined, fallback: number, min = 1): number => {
  const v = value ?? fallback;
  if (!Number.isInteger(v) || v < min)
    throw new PrintError('PRINT_ERR_INVALID_INPUT', [`${name}=${String(v)}`]);
  return v;
};

const reason = (err: unknown): string =>
  (err instanceof Error ? err.message : String(err)).split('\n')[0]?.slice(0, 300) ?? '';

/** Throws `PRINT_ERR_BROWSER_MISSING` unless `path` is an executable file. */
function assertExecutable(path: string): void {
  try {
    if (!statSync(path).isFile()) throw new Error('not a file');
    accessSync(path, constants.X_OK);
  } catch (err) {
    throw new PrintError('PRINT_ERR_BROWSER_MISSING', [path], { cause: err });
  }
}

interface Waiter {
  readonly resolve: () => void;
  readonly reject: (err: PrintError) => void;
}

/**
 * Creates a printer. Nothing starts until the first job: Chromium is launched then, and relaunched
 * after a crash.
 *
 * @throws PrintError `PRINT_ERR_INVALID_INPUT` for a non-positive limit.
 * @example
 * ```ts
 * import { createPrinter } from '@shidian/print';
 * const printer = createPrinter({ concurrency: 2 });
 * const pdf = await printer.pdf(renderNotice({ template, dataSchema }, data));
 * await writeFile('notice.pdf', pdf);
 * await printer.close();
 * ```
 */
export function createPrinter(options: PrinterOptions = {}): Printer {
  const executablePath = options.executablePath ?? process.env.CHROMIUM_PATH ?? DEFAULT_CHROMIUM_PATH;
  const concurrency = positiveInt('concurrency', options.concurrency, PRINTER_DEFAULTS.concurrency);
  const maxQueue = positiveInt('maxQueue', options.maxQueue, PRINTER_DEFAULTS.maxQueue, 0);
  const defaultTimeout = positiveInt('timeoutMs', options.timeoutMs, PRINTER_DEFAULTS.timeoutMs);
  const launchTimeout = positiveInt(
    'launchTimeoutMs',
    options.launchTimeoutMs,
    PRINTER_DEFAULTS.launchTimeoutMs,
  );
  const maxHtmlBytes = positiveInt('maxHtmlBytes', options.maxHtmlBytes, PRINTER_DEFAULTS.maxHtmlBytes);
  const stylesheet = options.stylesheet === undefined ? OFFICIAL_DOCUMENT_CSS : options.stylesheet;

  let closed = false;
  let browser: Promise<Browser> | undefined;
  let running = 0;
  const waiting: Waiter[] = [];
  const counters = { printed: 0, failed: 0, blockedRequests: 0 };

  function launch(): Promise<Browser> {
    if (closed) return Promise.reject(new PrintError('PRINT_ERR_CLOSED'));
    if (browser !== undefined) return browser;
    assertExecutable(executablePath);
    const started = chromium
      .launch({ executablePath, args: [...CHROMIUM_ARGS], timeout: launchTimeout, headless: true })
      .then(
        (b) => {
          b.on('disconnected', () => {
            if (browser === started) browser = undefined;
          });
          return b;
        },
        (err: unknown) => {
          if (browser === started) browser = undefined;
          throw new PrintError('PRINT_ERR_LAUNCH_FAILED', [reason(err)], { cause: err });
        },
      );
    browser = started;
    return started;
  }

  /** Waits for a free slot; rejects when `signal` aborts first or the printer closes. */
  function acquire(signal: AbortSignal): Promise<void> {
    if (running < concurrency) {
      running += 1;
      return Promise.resolve();
    }
    if (waiting.length >= maxQueue)
      return Promise.reject(new PrintError('PRINT_ERR_BUSY', [String(waiting.length)]));
    return new Promise<void>((resolve, reject) => {
      const waiter: Waiter = {
        resolve: () => {
          signal.removeEventListener('abort', onAbort);
          resolve();
        },
        reject: (err) => {
          signal.removeEventListener('abort', onAbort);
          reject(err);
        },
      };
      const onAbort = () => {
        const i = waiting.indexOf(waiter);
        if (i >= 0) waiting.splice(i, 1);
        reject(signal.reason as PrintError);
      };
      signal.addEventListener('abort', onAbort, { once: true });
      waiting.push(waiter);
    });
  }

  function release(): void {
    const next = waiting.shift();
    if (next === undefined) running -= 1;
    else next.resolve(); // the slot passes on
  }

  async function blockRequest(route: Route): Promise<void> {
    if (route.request().url().startsWith('data:')) {
      await route.continue();
      return;
    }
    counters.blockedRequests += 1;
    await route.abort('blockedbyclient');
  }

  async function render(
    html: string,
    pageSize: PageSize,
    signal: AbortSignal,
    deadline: number,
  ): Promise<Uint8Array> {
    const b = await launch();
    if (signal.aborted) throw signal.reason;
    let context: BrowserContext | undefined;
    const onAbort = () => void context?.close().catch(() => undefined);
    signal.addEventListener('abort', onAbort, { once: true });
    try {
      context = await b.newContext({
        javaScriptEnabled: false,
        offline: true,
        serviceWorkers: 'block',
        acceptDownloads: false,
        locale: 'zh-CN',
      });
      if (signal.aborted) throw signal.reason;
      await context.route('**/*', blockRequest);
      const page = await context.newPage();
      const remaining = () => Math.max(1, deadline - Date.now());
      page.setDefaultTimeout(remaining());
      const clean = withoutRefresh(html);
      const styled = stylesheet === null ? clean : injectStylesheet(clean, stylesheet);
      await page.setContent(withPageSize(styled, pageSize), { waitUntil: 'load', timeout: remaining() });
      // The paper size comes from the CSS rule appended last: Chromium sizes a CSS A4 page closest to
      // 210 × 297 mm (594.96 × 841.92 pt; `format: 'A4'` gives 595.92 × 842.88 pt).
      const pdf = await page.pdf({
        format: pageSize,
        preferCSSPageSize: true,
        printBackground: true,
        tagged: true,
      });
      return fixToUnicode(new Uint8Array(pdf.buffer, pdf.byteOffset, pdf.byteLength));
    } finally {
      signal.removeEventListener('abort', onAbort);
      await context?.close().catch(() => undefined);
    }
  }

  async function pdf(html: string, opts: PdfOptions = {}): Promise<Uint8Array> {
    if (closed) throw new PrintError('PRINT_ERR_CLOSED');
    if (typeof html !== 'string' || html.trim() === '')
      throw new PrintError('PRINT_ERR_INVALID_INPUT', ['html must be a non-empty string']);
    const pageSize: PageSize = opts.pageSize ?? 'A4';
    if (!(PAGE_SIZES as readonly string[]).includes(pageSize))
      throw new PrintError('PRINT_ERR_INVALID_INPUT', [`pageSize=${String(pageSize)}`]);
    const bytes = Buffer.byteLength(html, 'utf8');
    if (bytes > maxHtmlBytes)
      throw new PrintError('PRINT_ERR_TOO_LARGE', [String(bytes), String(maxHtmlBytes)]);
    const timeoutMs = positiveInt('timeoutMs', opts.timeoutMs, defaultTimeout);

    const controller = new AbortController();
    const deadline = Date.now() + timeoutMs;
    const timer = setTimeout(
      () => controller.abort(new PrintError('PRINT_ERR_TIMEOUT', [String(timeoutMs)])),
      timeoutMs,
    );
    const timedOut = new Promise<never>((_, reject) => {
      controller.signal.addEventListener('abort', () => reject(controller.signal.reason as Error), {
        once: true,
      });
    });
    timedOut.catch(() => undefined);
    try {
      await acquire(controller.signal);
      try {
        const job = render(html, pageSize, controller.signal, deadline);
        job.catch(() => undefined); // when the time limit wins the race, the job's own failure is moot
        const result = await Promise.race([job, timedOut]);
        counters.printed += 1;
        return result;
      } finally {
        release();
      }
    } catch (err) {
      counters.failed += 1;
      if (err instanceof PrintError) throw err;
      if (closed) throw new PrintError('PRINT_ERR_CLOSED', [], { cause: err });
      throw new PrintError('PRINT_ERR_RENDER_FAILED', [reason(err)], { cause: err });
    } finally {
      clearTimeout(timer);
    }
  }

  async function close(): Promise<void> {
    closed = true;
    for (const w of waiting.splice(0)) w.reject(new PrintError('PRINT_ERR_CLOSED'));
    const b = browser;
    browser = undefined;
    if (b !== undefined) await b.then((x) => x.close()).catch(() => undefined);
  }

  return {
    pdf,
    close,
    stats: () => ({
      browser: browser !== undefined,
      running,
      queued: waiting.length,
      ...counters,
    }),
  };
}
