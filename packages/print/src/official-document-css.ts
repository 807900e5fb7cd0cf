/**
 * The print stylesheet of official documents (党政机关公文格式, GB/T 9704-2012), injected into every
 * notice before it is printed, so that a PDF is laid out as a 公文 even when a template has no print
 * rules of its own.
 *
 * - Paper A4 (210 × 297 mm); top margin (天头) 37 mm, left margin (订口) 28 mm, text area (版心)
 *   156 × 225 mm, hence right 26 mm and bottom 35 mm.
 * - Body in 3号 (16 pt) 仿宋 with a 28 pt line pitch (about 22 lines of 28 characters a page).
 * - Page numbers (页码) in 4号 (14 pt) 宋体 Arabic numerals between two dashes, `— 1 —`, 7 mm below
 *   the text area: odd pages at the right, even pages at the left, one character in from the edge
 *   of the text area.
 *
 * Fonts: the Windows / macOS / 方正 names come first, then the free Noto CJK fonts that Debian's
 * `fonts-noto-cjk` installs. Noto has no 仿宋 or 楷体 design, so on a server with only Noto installed
 * 仿宋 and 楷体 fall back to `Noto Serif CJK SC` (a 宋体 design), 黑体 to `Noto Sans CJK SC`. The
 * document stays correct and complete; for a pixel-exact 公文 install licensed 仿宋_GB2312 /
 * 方正小标宋 fonts on the print server (see docs/printing.md).
 *
 * The stylesheet is inserted *first* in `<head>`: it is the baseline, and a template's own rules
 * (the reference templates have the same `@page` margins) refine it.
 */

/** 仿宋 (body text) with fallbacks down to the Noto CJK serif. */
export const FANGSONG_FONTS =
  '"FangSong", "仿宋", "FangSong_GB2312", "仿宋_GB2312", "STFangsong", "Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", serif';

/** 宋体 (page numbers, 小标宋 titles) with fallbacks down to the Noto CJK serif. */
export const SONGTI_FONTS =
  '"SimSun", "宋体", "STSong", "Noto Serif CJK SC", "Source Han Serif SC", "Source Han Serif CN", serif';

/** 黑体 (first-level headings) with fallbacks down to the Noto CJK sans. */
export const HEITI_FONTS =
  '"SimHei", "黑体", "STHeiti", "Noto Sans CJK SC", "Source Han Sans SC", "Source Han Sans CN", sans-serif';

/** The page geometry of GB/T 9704-2012 in millimetres. */
export const GBT_9704_PAGE = Object.freeze({
  width: 210,
  height: 297,
  marginTop: 37,
  marginRight: 26,
  marginBottom: 35,
  marginLeft: 28,
  textWidth: 156,
  textHeight: 225,
});

const page = GBT_9704_PAGE;
const pageNumber = `content: "— " counter(page) " —"; font-family: ${SONGTI_FONTS}; font-size: 14pt; line-height: 14pt; vertical-align: top; padding-top: 7mm;`;

/**
 * The GB/T 9704 print stylesheet (CSS text, without `<style>`).
 *
 * @example
 * ```ts
 * const html = injectStylesheet(noticeHtml, OFFICIAL_DOCUMENT_CSS);
 * ```
 */
export const OFFICIAL_DOCUMENT_CSS = `
@page { size: A4; margin: ${page.marginTop}mm ${page.marginRight}mm ${page.marginBottom}mm ${page.marginLeft}mm; }
@page :right { @bottom-right { ${pageNumber} text-align: right; padding-right: 1em; } }
@page :left { @bottom-left { ${pageNumber} text-align: left; padding-left: 1em; } }
@media print {
  html { font-family: ${FANGSONG_FONTS}; font-size: 16pt; line-height: 28pt; color: #000; background: none; }
  html, body { -webkit-print-color-adjust: exact; print-color-adjust: exact; }
  body { margin: 0; padding: 0; box-shadow: none; background: none; }
  h1 { font-family: ${SONGTI_FONTS}; font-size: 22pt; font-weight: normal; text-align: center; }
  h2 { font-family: ${HEITI_FONTS}; font-size: 16pt; font-weight: normal; }
  p, h1, h2, h3, li { orphans: 2; widows: 2; }
  h1, h2, h3 { break-after: avoid; }
}
`;

/** The `id` of the injected `<style>` element. */
export const INJECTED_STYLE_ID = 'shidian-print';

const escapeStyleText = (css: string): string => css.replace(/<\/style/gi, '<\\/style');

/**
 * Inserts `css` as the first element of the document's `<head>` (creating the head when the
 * document has none), so the document's own styles still override it.
 *
 * @example
 * ```ts
 * injectStylesheet('<html><head><title>x</title></head>…', 'p { color: red }');
 * // '<html><head><style id="shidian-print">p { color: red }</style><title>x</title></head>…'
 * ```
 */
export function injectStylesheet(html: string, css: string): string {
  const style = `<style id="${INJECTED_STYLE_ID}">${escapeStyleText(css)}</style>`;
  const head = /<head(?:\s[^>]*)?>/i.exec(html);
  if (head !== null) {
    const at = head.index + head[0].length;
    return html.slice(0, at) + style + html.slice(at);
  }
  const root = /<html(?:\s[^>]*)?>/i.exec(html);
  if (root !== null) {
    const at = root.index + root[0].length;
    return `${html.slice(0, at)}<head>${style}</head>${html.slice(at)}`;
  }
  const doctype = /^\s*<!doctype[^>]*>/i.exec(html);
  const at = doctype === null ? 0 : doctype[0].length;
  return `${html.slice(0, at)}<head>${style}</head>${html.slice(at)}`;
}

/** The `id` of the appended `<style>` that fixes the paper size. */
export const PAGE_SIZE_STYLE_ID = 'shidian-page-size';

/**
 * Appends a last `@page { size }` rule, so the paper size asked for wins over any size a template
 * declares (margins and everything else stay the template's).
 *
 * @example
 * ```ts
 * withPageSize('<p>x</p>', 'A4'); // '<p>x</p><style id="shidian-page-size">@page { size: A4; }</style>'
 * ```
 */
export function withPageSize(html: string, size: 'A4'): string {
  return `${html}<style id="${PAGE_SIZE_STYLE_ID}">@page { size: ${size}; }</style>`;
}

/**
 * Removes `<meta http-equiv="refresh">`: the page must not navigate away from the document it was
 * given (the navigation would be blocked, and Chromium cannot print the error page it leaves).
 *
 * @example
 * ```ts
 * withoutRefresh('<meta http-equiv="refresh" content="0;url=https://x"><p>a</p>'); // '<p>a</p>'
 * ```
 */
export function withoutRefresh(html: string): string {
  return html.replace(/<meta\b[^>]*\bhttp-equiv\s*=\s*(["']?)\s*refresh\s*\1[^>]*>/gi, '');
}
