import { describe, expect, it } from 'vitest';
import {
  GBT_9704_PAGE,
  INJECTED_STYLE_ID,
  injectStylesheet,
  OFFICIAL_DOCUMENT_CSS,
  withoutRefresh,
  withPageSize,
} from './official-document-css.js';

describe('injectStylesheet', () => {
  it('puts the stylesheet first in <head>, before the template styles that refine it', () => {
    const out = injectStylesheet(
      '<html lang="zh-CN"><HEAD data-x="1"><style>p{}</style></HEAD></html>',
      'a{}',
    );
    expect(out).toBe(
      `<html lang="zh-CN"><HEAD data-x="1"><style id="${INJECTED_STYLE_ID}">a{}</style><style>p{}</style></HEAD></html>`,
    );
  });

  it('creates a head when the document has none, after <html> or the doctype', () => {
    expect(injectStylesheet('<html><body>x</body></html>', 'a{}')).toMatch(
      /^<html><head><style [^>]+>a\{\}<\/style><\/head><body>/,
    );
    expect(injectStylesheet('<!doctype html><p>x</p>', 'a{}')).toMatch(/^<!doctype html><head><style/);
    expect(injectStylesheet('<p>x</p>', 'a{}')).toMatch(/^<head><style/);
  });

  it('does not mistake <header> for <head>', () => {
    expect(injectStylesheet('<header>x</header>', 'a{}')).toMatch(
      /^<head><style[^>]*>a\{\}<\/style><\/head><header>/,
    );
  });

  it('cannot be closed early by the CSS it carries', () => {
    expect(injectStylesheet('<head></head>', 'a{}</style><script>x</script>')).not.toContain(
      '</style><script>',
    );
  });
});

describe('the GB/T 9704 stylesheet', () => {
  it('has the 37 / 26 / 35 / 28 mm margins that leave a 156 × 225 mm text area on A4', () => {
    const p = GBT_9704_PAGE;
    expect(p.width - p.marginLeft - p.marginRight).toBe(p.textWidth);
    expect(p.height - p.marginTop - p.marginBottom).toBe(p.textHeight);
    expect(OFFICIAL_DOCUMENT_CSS).toContain('@page { size: A4; margin: 37mm 26mm 35mm 28mm; }');
    expect(OFFICIAL_DOCUMENT_CSS).toContain('"Noto Serif CJK SC"');
  });
});

describe('withPageSize and withoutRefresh', () => {
  it('appends the size rule last so it wins', () => {
    expect(withPageSize('<p>x</p>', 'A4')).toMatch(/<p>x<\/p><style[^>]*>@page \{ size: A4; \}<\/style>$/);
  });

  it('removes meta refresh in its spellings and keeps other meta elements', () => {
    const html = `<meta charset="utf-8"><META HTTP-EQUIV=Refresh content="0;url=http://x"><meta http-equiv='refresh' content=1><p>a</p>`;
    expect(withoutRefresh(html)).toBe('<meta charset="utf-8"><p>a</p>');
  });
});
