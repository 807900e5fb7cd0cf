/**
 * `@shidian/print`: notice HTML to PDF with a headless Chromium (playwright-core, Debian's
 * `chromium`), laid out as an official document (GB/T 9704-2012: A4, 37 / 26 / 35 / 28 mm margins,
 * 仿宋 body, page numbers) with the Noto CJK fonts as the fallbacks that are always there.
 *
 * @example
 * ```ts
 * import { createPrinter, PrintError } from '@shidian/print';
 * const printer = createPrinter();
 * try {
 *   const pdf = await printer.pdf(html); // Uint8Array, starts with %PDF-
 * } catch (err) {
 *   if (err instanceof PrintError) console.error(err.code, err.status, err.zh);
 * } finally {
 *   await printer.close();
 * }
 * ```
 */
export { PRINT_ERRORS, PrintError, printMessage } from './errors.js';
export type { PrintErrorCode, PrintMessage } from './errors.js';
export {
  CHROMIUM_ARGS,
  createPrinter,
  DEFAULT_CHROMIUM_PATH,
  PAGE_SIZES,
  PRINTER_DEFAULTS,
} from './create-printer.js';
export type { PageSize, PdfOptions, Printer, PrinterOptions, PrinterStats } from './create-printer.js';
export {
  FANGSONG_FONTS,
  GBT_9704_PAGE,
  HEITI_FONTS,
  INJECTED_STYLE_ID,
  injectStylesheet,
  OFFICIAL_DOCUMENT_CSS,
  PAGE_SIZE_STYLE_ID,
  SONGTI_FONTS,
  withoutRefresh,
  withPageSize,
} from './official-document-css.js';
export { fixCMap, fixToUnicode, ideographOf, RADICAL_IDEOGRAPHS } from './fix-to-unicode.js';
