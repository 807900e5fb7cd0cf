/**
 * `shidian notice render <pilot-dir> <notice-id> <data.json> [--format html|pdf] [--out <file>]`:
 * fills one of a pilot's notice templates (告知书 / 意见书) with case data, as HTML or as a PDF
 * printed by Chromium (`@shidian/print`, GB/T 9704 layout).
 *
 * Exit 0 written; 1 problems (the data does not match the notice's data schema, or the template has
 * validation errors); 2 usage or input error (no such bundle or notice, unreadable data, unknown
 * format, no Chromium, document too large).
 */
import { readFileSync } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import {
  formatProblem,
  loadBundle,
  PilotError,
  renderNotice,
  validateBundle,
  type SchemaNode,
  type ValidationReport,
} from '@shidian/pilot';
import { createPrinter, PrintError } from '@shidian/print';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

/** Output formats of `notice render`. */
export const NOTICE_FORMATS = ['html', 'pdf'] as const;

interface RenderOpts {
  format: string;
  out?: string;
  lang: string;
}

const usage = (zh: string, en: string, lang: string): never => {
  console.error(lang === 'en' ? en : zh);
  throw new CliExit(2);
};

export const register: Register = (program) => {
  const notice = program.command('notice').description('告知书与意见书 / notices');
  notice
    .command('render')
    .description('用案件数据填写文书模板并输出 HTML 或 PDF / render a notice of a pilot as HTML or PDF')
    .argument('<pilot-dir>', 'bundle directory (with pilot.yaml or pilot.json)')
    .argument('<notice-id>', 'id of the notice in the manifest (e.g. acceptance)')
    .argument('<data.json>', 'the notice data (JSON), checked against its data schema')
    .option('--format <format>', 'html or pdf', 'html')
    .option('--out <file>', 'write to this file (default: standard output)')
    .option('--lang <lang>', 'message language: zh or en', 'zh')
    .action(async (dir: string, noticeId: string, dataFile: string, opts: RenderOpts) => {
      const lang = opts.lang === 'en' ? 'en' : 'zh';
      if (!(NOTICE_FORMATS as readonly string[]).includes(opts.format))
        usage(
          `未知格式：${opts.format}（html 或 pdf）`,
          `Unknown format: ${opts.format} (html or pdf)`,
          lang,
        );

      const bundle = (() => {
        try {
          return loadBundle(dir);
        } catch (err) {
          if (err instanceof PilotError)
            return usage(`${err.code} ${err.zh}`, `${err.code} ${err.message}`, lang);
          throw err;
        }
      })();
      const report: ValidationReport = await validateBundle(bundle);
      if (report.bundle === undefined) {
        for (const p of report.problems) console.error(formatProblem(p, lang));
        throw new CliExit(1);
      }
      const spec = report.bundle.manifest.notices?.find((n) => n.id === noticeId);
      if (spec === undefined) {
        const known = (report.bundle.manifest.notices ?? []).map((n) => n.id).join(', ');
        usage(
          `试点中没有文书：${noticeId}（可用：${known}）`,
          `No notice ${noticeId} in the pilot (known: ${known})`,
          lang,
        );
        return;
      }
      // Problems of this notice's own files block it; the rest of the bundle does not.
      const own = report.problems.filter(
        (p) => p.severity === 'error' && (p.file === spec.template || p.file === spec.data),
      );
      const template = bundle.files.get(spec.template);
      const schemaText = bundle.files.get(spec.data);
      if (own.length > 0 || template === undefined || schemaText === undefined) {
        for (const p of own) console.error(formatProblem(p, lang));
        if (own.length === 0)
          console.error(
            lang === 'en' ? `Notice files missing: ${spec.template}` : `文书文件缺失：${spec.template}`,
          );
        throw new CliExit(1);
      }

      let data: unknown;
      try {
        data = JSON.parse(readFileSync(dataFile, 'utf8')) as unknown;
      } catch (err) {
        usage(
          `无法读取数据文件 ${dataFile}：${err instanceof Error ? err.message : String(err)}`,
          `Cannot read the data file ${dataFile}: ${err instanceof Error ? err.message : String(err)}`,
          lang,
        );
      }

      let html: string;
      try {
        html = renderNotice({ template, dataSchema: JSON.parse(schemaText) as SchemaNode }, data);
      } catch (err) {
        if (err instanceof PilotError) {
          console.error(`${err.code} ${lang === 'en' ? err.message : err.zh}`);
          throw new CliExit(err.code === 'PILOT_ERR_NOTICE_DATA_INVALID' ? 1 : 2);
        }
        throw err;
      }

      if (opts.format === 'html') {
        if (opts.out === undefined) console.log(html);
        else await writeFile(opts.out, html, 'utf8');
        return;
      }

      if (opts.out === undefined && process.stdout.isTTY === true)
        usage(
          'PDF 不输出到终端：请用 --out <文件> 或重定向',
          'Not writing a PDF to a terminal: use --out <file> or redirect',
          lang,
        );
      const printer = createPrinter();
      try {
        const pdf = await printer.pdf(html);
        if (opts.out === undefined) process.stdout.write(pdf);
        else await writeFile(opts.out, pdf);
        if (opts.out !== undefined)
          console.error(
            lang === 'en'
              ? `✓ ${opts.out}: ${pdf.byteLength} bytes`
              : `✓ ${opts.out}：${pdf.byteLength} 字节`,
          );
      } catch (err) {
        if (err instanceof PrintError) {
          console.error(`${err.code} ${lang === 'en' ? err.message : err.zh}`);
          throw new CliExit(2);
        }
        throw err;
      } finally {
        await printer.close();
      }
    });
};
