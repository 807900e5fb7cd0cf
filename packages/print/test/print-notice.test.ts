/**
 * Browser integration tests: real notices of the example counties printed by Debian's Chromium,
 * then read back with pdf.js.
 */
import { readFileSync } from 'node:fs';
import { createServer, type Server } from 'node:http';
import { type AddressInfo } from 'node:net';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle, renderNotice, validateBundle, type NoticeSource, type SchemaNode } from '@shidian/pilot';
import { createPrinter, GBT_9704_PAGE, PrintError, type Printer } from '../src/index.js';
import { inspectPdf, MM, xrefPointsAtObjects, type InspectedPdf } from './pdf-inspect.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const A4 = { width: 210 * MM, height: 297 * MM };

/** The notice `noticeId` as the example county's manifest declares it (template and data schema). */
async function exampleNotice(county: string, noticeId: string): Promise<NoticeSource> {
  const bundle = loadBundle(join(root, 'examples', county));
  const report = await validateBundle(bundle);
  const spec = report.bundle?.manifest.notices?.find((n) => n.id === noticeId);
  if (spec === undefined) throw new Error(`${county} has no notice ${noticeId}`);
  return {
    template: bundle.files.get(spec.template) ?? '',
    dataSchema: JSON.parse(bundle.files.get(spec.data) ?? '{}') as SchemaNode,
  };
}

const fixture = (name: string): unknown => JSON.parse(readFileSync(join(here, 'fixtures', name), 'utf8'));

async function codeOf(promise: Promise<unknown>): Promise<string> {
  try {
    await promise;
  } catch (err) {
    if (err instanceof PrintError) return err.code;
    throw err;
  }
  throw new Error('expected a PrintError');
}

const tiny = (text: string) =>
  `<!doctype html><html lang="zh-CN"><head><meta charset="utf-8"><title>t</title></head><body><p>${text}</p></body></html>`;

let printer: Printer;
beforeAll(() => {
  printer = createPrinter({ concurrency: 2 });
});
afterAll(async () => {
  await printer.close();
});

describe('printing a notice of an example county', () => {
  let pdf: Uint8Array;
  let read: InspectedPdf;

  beforeAll(async () => {
    // given the 受理告知书 of 白水县, filled with a case's data
    const html = renderNotice(
      await exampleNotice('baishui', 'acceptance'),
      fixture('baishui-acceptance.json'),
    );
    // when it is printed
    pdf = await printer.pdf(html, { pageSize: 'A4' });
    read = await inspectPdf(pdf);
  });

  it('is a PDF of A4 pages', () => {
    expect(new TextDecoder().decode(pdf.subarray(0, 5))).toBe('%PDF-');
    expect(read.pages.length).toBeGreaterThanOrEqual(1);
    for (const page of read.pages) {
      expect(Math.abs(page.width - A4.width)).toBeLessThan(1);
      expect(Math.abs(page.height - A4.height)).toBeLessThan(1);
    }
  });

  it('carries the Chinese text: title, document number, each claim, handling body, due date', () => {
    const text = read.pages.map((p) => p.text).join('');
    expect(text).toContain('受理告知书');
    expect(text).toContain('白信受〔2026〕37号');
    expect(text).toContain('要求西河镇政府兑现2025年土地流转补偿款一万二千元');
    expect(text).toContain('对镇村两级核定的补偿面积有异议，要求重新丈量');
    expect(text).toContain('白水县西河镇人民政府');
    expect(text).toContain('2026年5月15日');
    expect(text).toContain('白水县信访局');
  });

  it('copies as the ideographs shown, never as the CJK radicals that share their glyphs', () => {
    const text = read.pages.map((p) => p.text).join('');
    // 长 shares its glyph with ⻓ U+2ED3 in Noto CJK; Chromium alone would write the radical
    expect(text).toContain('可以适当延长办理期限');
    expect(text).not.toMatch(/[\u2E80-\u2EF3\u2F00-\u2FD5]/u);
    // and the repaired file is still well formed
    expect(xrefPointsAtObjects(pdf)).toBe(true);
  });

  it('embeds a Noto CJK font and no font is left unembedded', () => {
    expect([...read.fonts].some((f) => /^[A-Z]{6}\+Noto(Serif|Sans)CJK/.test(f))).toBe(true);
    expect([...read.fonts].some((f) => /NotoSerifCJKsc/.test(f))).toBe(true); // 仿宋 / 宋体 fallback
    expect([...read.missingFonts]).toEqual([]);
  });

  it('lays the page out per GB/T 9704: text inside the 156 × 225 mm area at 37 mm top, 28 mm left', () => {
    const page = read.pages[0]!;
    const body = page.runs.filter((r) => !/^—\s*\d+\s*—$/.test(r.str));
    const left = Math.min(...body.map((r) => r.x));
    const right = Math.max(...body.map((r) => r.x + r.width));
    const top = Math.max(...body.map((r) => r.y + r.size));
    const bottom = Math.min(...body.map((r) => r.y));
    const { marginLeft, marginTop, textWidth, textHeight } = GBT_9704_PAGE;
    expect(left).toBeCloseTo(marginLeft * MM, 0); // the salutation starts at the margin
    expect(right).toBeLessThanOrEqual((marginLeft + textWidth) * MM + 1);
    expect(top).toBeLessThanOrEqual(page.height - marginTop * MM + 1);
    expect(top).toBeGreaterThan(page.height - (marginTop + 15) * MM);
    expect(bottom).toBeGreaterThanOrEqual(page.height - (marginTop + textHeight) * MM - 1);
  });

  it('numbers the page — 1 — below the text area, at the right on odd pages', () => {
    const number = read.pages[0]!.runs.find((r) => /^—\s*1\s*—$/.test(r.str));
    expect(number).toBeDefined();
    expect(number!.y).toBeLessThan(GBT_9704_PAGE.marginBottom * MM);
    expect(number!.x).toBeGreaterThan(A4.width / 2);
  });
});

describe('a notice over two pages', () => {
  it('prints every claim and numbers the even page at the left', async () => {
    // given the 处理意见书 of 青山县 with two claims (long enough for two pages)
    const html = renderNotice(
      await exampleNotice('qingshan', 'decision'),
      JSON.parse(
        readFileSync(
          join(root, 'packages', 'pilot', 'src', 'fixtures', 'notice-data', 'decision.json'),
          'utf8',
        ),
      ),
    );
    // when printed
    const read = await inspectPdf(await printer.pdf(html));
    // then both claims, the remedy and the page numbers are there
    const text = read.pages.map((p) => p.text).join('');
    expect(text).toContain('处理意见书');
    expect(text).toContain('要求支付拖欠工资三万元');
    expect(text).toContain('青山县人民政府'); // 青 ⻘ U+2ED8, 山 ⼭ U+2F2D share glyphs
    expect(text).toContain('信访事项处理意见书'); // 见 ⻅ U+2EC5
    expect(text).not.toMatch(/[\u2E80-\u2EF3\u2F00-\u2FD5]/u);
    expect(read.pages.length).toBeGreaterThanOrEqual(2);
    const second = read.pages[1]!.runs.find((r) => /^—\s*2\s*—$/.test(r.str));
    expect(second).toBeDefined();
    expect(second!.x).toBeLessThan(A4.width / 2);
  });
});

describe('bad input', () => {
  it('refuses HTML over the size limit with PRINT_ERR_TOO_LARGE before starting a job', async () => {
    const small = createPrinter({ maxHtmlBytes: 64 * 1024 });
    try {
      const huge = tiny('信'.repeat(30_000)); // 90 000 bytes of UTF-8
      expect(await codeOf(small.pdf(huge))).toBe('PRINT_ERR_TOO_LARGE');
      expect(small.stats().browser).toBe(false);
    } finally {
      await small.close();
    }
    expect(await codeOf(printer.pdf(tiny('x'.repeat(6 * 1024 * 1024))))).toBe('PRINT_ERR_TOO_LARGE');
  });

  it('refuses empty HTML and unknown page sizes with PRINT_ERR_INVALID_INPUT', async () => {
    expect(await codeOf(printer.pdf('  '))).toBe('PRINT_ERR_INVALID_INPUT');
    expect(await codeOf(printer.pdf(tiny('x'), { pageSize: 'Letter' as 'A4' }))).toBe(
      'PRINT_ERR_INVALID_INPUT',
    );
  });

  describe('HTML that reaches for the network or the file system', () => {
    let server: Server;
    let hits = 0;
    let origin = '';
    beforeAll(async () => {
      server = createServer((req, res) => {
        hits += 1;
        res.end('<p>远程内容 REMOTE-CONTENT</p>');
      });
      await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
      origin = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
    });
    afterAll(async () => {
      await new Promise<void>((resolve) => server.close(() => resolve()));
    });

    it('blocks every request, still prints the document, and keeps data: images', async () => {
      // given a document with remote images, styles, fonts, frames and a refresh, and a local file frame
      const html = `<!doctype html><html><head><meta charset="utf-8">
        <link rel="stylesheet" href="${origin}/style.css">
        <style>@import url("${origin}/import.css"); @font-face { font-family: X; src: url("${origin}/font.woff2"); }
          p { font-family: X, "Noto Serif CJK SC"; }</style>
        </head><body>
        <p>本地正文仍然打印</p>
        <img src="${origin}/pixel.png"><img src="data:image/gif;base64,R0lGODlhAQABAAAAACw=">
        <iframe src="${origin}/frame.html"></iframe><iframe src="file:///etc/hostname"></iframe>
        <object data="${origin}/object.pdf"></object>
        <a href="${origin}/link">链接</a>
        </body></html>`;
      const before = printer.stats().blockedRequests;
      // when printed
      const read = await inspectPdf(await printer.pdf(html));
      // then nothing reached the server, the requests were counted as blocked, and the text is there
      expect(hits).toBe(0);
      expect(printer.stats().blockedRequests - before).toBeGreaterThanOrEqual(5);
      const text = read.pages.map((p) => p.text).join('');
      expect(text).toContain('本地正文仍然打印');
      expect(text).not.toContain('REMOTE-CONTENT');
      expect(text).not.toContain(readFileSync('/etc/hostname', 'utf8').trim() || '\u0000');
    });

    it('does not follow a meta refresh to a remote page', async () => {
      const html = `<!doctype html><html><head><meta charset="utf-8"><meta http-equiv="refresh" content="0;url=${origin}/away"></head><body><p>留在原文书</p></body></html>`;
      const read = await inspectPdf(await printer.pdf(html));
      expect(hits).toBe(0);
      expect(read.pages.map((p) => p.text).join('')).toContain('留在原文书');
    });

    it('runs no JavaScript in the page', async () => {
      const html = `<!doctype html><html><head><meta charset="utf-8"></head><body><p id="p">脚本未执行</p>
        <script>document.getElementById('p').textContent = 'SCRIPT-RAN'; fetch('${origin}/js');</script></body></html>`;
      const text = (await inspectPdf(await printer.pdf(html))).pages.map((p) => p.text).join('');
      expect(text).toContain('脚本未执行');
      expect(text).not.toContain('SCRIPT-RAN');
      expect(hits).toBe(0);
    });
  });
});

describe('jobs at the same time', () => {
  it('prints concurrent jobs each into its own document, at most `concurrency` at once', async () => {
    // given five jobs started together on a printer with two slots
    const names = ['甲', '乙', '丙', '丁', '戊'];
    let peak = 0;
    const watch = setInterval(() => (peak = Math.max(peak, printer.stats().running)), 5);
    const before = printer.stats().printed;
    // when they all finish
    const pdfs = await Promise.all(names.map((n) => printer.pdf(tiny(`第${n}号文书`))));
    clearInterval(watch);
    // then each PDF holds its own text only
    const texts = await Promise.all(
      pdfs.map(async (p) => (await inspectPdf(p)).pages.map((x) => x.text).join('')),
    );
    names.forEach((n, i) => {
      expect(texts[i]).toContain(`第${n}号文书`);
      for (const other of names.filter((o) => o !== n)) expect(texts[i]).not.toContain(`第${other}号文书`);
    });
    expect(printer.stats().printed - before).toBe(names.length);
    expect(peak).toBeLessThanOrEqual(2);
    expect(printer.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('refuses a job when the queue is full with PRINT_ERR_BUSY', async () => {
    const one = createPrinter({ concurrency: 1, maxQueue: 1 });
    try {
      const first = one.pdf(tiny('一'));
      const second = one.pdf(tiny('二'));
      expect(await codeOf(one.pdf(tiny('三')))).toBe('PRINT_ERR_BUSY');
      await expect(Promise.all([first, second])).resolves.toHaveLength(2);
    } finally {
      await one.close();
    }
  });
});

describe('failures', () => {
  it('times a job out with PRINT_ERR_TIMEOUT and keeps printing afterwards', async () => {
    expect(await codeOf(printer.pdf(tiny('慢'), { timeoutMs: 1 }))).toBe('PRINT_ERR_TIMEOUT');
    const read = await inspectPdf(await printer.pdf(tiny('超时之后仍可打印')));
    expect(read.pages[0]!.text).toContain('超时之后仍可打印');
    expect(printer.stats()).toMatchObject({ running: 0, queued: 0 });
  });

  it('reports a missing Chromium with PRINT_ERR_BROWSER_MISSING (503)', async () => {
    const none = createPrinter({ executablePath: join(here, 'no-such-chromium') });
    try {
      await none.pdf(tiny('x'));
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PrintError);
      expect((err as PrintError).code).toBe('PRINT_ERR_BROWSER_MISSING');
      expect((err as PrintError).status).toBe(503);
    } finally {
      await none.close();
    }
  });

  it('takes the executable from CHROMIUM_PATH when no option names one', async () => {
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = '/nonexistent/chromium';
    try {
      const fromEnv = createPrinter();
      expect(await codeOf(fromEnv.pdf(tiny('x')))).toBe('PRINT_ERR_BROWSER_MISSING');
      await fromEnv.close();
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
  });

  it('refuses jobs after close with PRINT_ERR_CLOSED', async () => {
    const p = createPrinter();
    await p.pdf(tiny('关闭前'));
    await p.close();
    expect(await codeOf(p.pdf(tiny('关闭后')))).toBe('PRINT_ERR_CLOSED');
    expect(p.stats().browser).toBe(false);
  });
});
