/**
 * `shidian lint <file-or-dir>… [--json] [--lang zh|en] [--require-forms]`: reads BPMN files (a
 * directory is searched for `*.bpmn` recursively), lints and compiles them, and reports every
 * problem with its stable code, element id and line/column.
 *
 * Exit 0 when every process of every file is executable (warnings allowed), 1 when problems were
 * found, 2 on a usage error (missing path, no BPMN file).
 */
import { readdirSync, readFileSync, statSync } from 'node:fs';
import { join, relative } from 'node:path';
import {
  BPMN_CODES,
  compileBpmn,
  DEFAULT_MAX_BYTES,
  formatProblem,
  renderMessage,
  type CompileResult,
  type Lang,
  type Problem,
} from '@shidian/bpmn';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

/** One problem in `--json` output. */
export interface LintJsonProblem {
  readonly code: string;
  readonly severity: 'error' | 'warning';
  readonly elementId?: string;
  readonly line?: number;
  readonly column?: number;
  readonly message: string;
}

/** The object printed per file (one JSON object per line) by `--json`. */
export interface LintJson {
  readonly file: string;
  readonly processes: readonly {
    readonly id: string;
    readonly executable: boolean;
    readonly problems: readonly LintJsonProblem[];
  }[];
  /** Problems that belong to no single process (XML, DOCTYPE, collaboration …). */
  readonly problems: readonly LintJsonProblem[];
  readonly supported: readonly string[];
  readonly unsupported: readonly string[];
}

const print = (text: string): void => void process.stdout.write(text + '\n');
const printErr = (text: string): void => void process.stderr.write(text + '\n');

/** Files larger than this are not even read (the compiler would refuse them anyway). */
const READ_LIMIT = 8 * DEFAULT_MAX_BYTES;

export const register: Register = (program) => {
  program
    .command('lint')
    .description(
      '检查 BPMN 文件 / lint BPMN files: unsupported elements, gateways, dead ends, FEEL, assignments',
    )
    .argument('<paths...>', 'BPMN files or directories (searched for *.bpmn)')
    .option('--json', 'print one JSON object per file')
    .option('--lang <lang>', 'message language: zh or en (default from LANG, else zh)')
    .option('--require-forms', 'every user task must bind a form')
    .action(async (paths: string[], opts: { json?: boolean; lang?: string; requireForms?: boolean }) => {
      const lang = pickLang(opts.lang);
      const files = collectFiles(paths, lang);
      let failed = false;
      const rows: Row[] = [];
      const summaries: string[] = [];
      for (const file of files) {
        const result = await lintFile(file, lang, opts.requireForms === true);
        const bad =
          result.problems.some((p) => p.severity === 'error') || result.summaries.some((s) => !s.executable);
        failed ||= bad;
        if (opts.json === true) {
          print(JSON.stringify(toJson(file, result)));
          continue;
        }
        for (const p of result.problems) rows.push(toRow(file, p, lang));
        summaries.push(summaryLine(file, result, lang));
      }
      if (opts.json !== true) {
        if (rows.length > 0) print(renderTable(rows, lang));
        for (const s of summaries) print(s);
      }
      if (failed) throw new CliExit(1);
    });
};

function pickLang(option: string | undefined): Lang {
  if (option === 'en' || option === 'zh') return option;
  if (option !== undefined) {
    printErr(`--lang must be zh or en, not "${option}"`);
    throw new CliExit(2);
  }
  const env = process.env.LC_ALL || process.env.LC_MESSAGES || process.env.LANG || '';
  return /^en/i.test(env) ? 'en' : 'zh';
}

function collectFiles(paths: readonly string[], lang: Lang): string[] {
  const files: string[] = [];
  for (const p of paths) {
    let st;
    try {
      st = statSync(p);
    } catch {
      printErr(lang === 'en' ? `no such file or directory: ${p}` : `文件或目录不存在：${p}`);
      throw new CliExit(2);
    }
    if (st.isDirectory()) {
      const found = readdirSync(p, { recursive: true, encoding: 'utf8' })
        .filter((f) => f.toLowerCase().endsWith('.bpmn') && !f.split(/[\\/]/).includes('node_modules'))
        .sort()
        .map((f) => join(p, f));
      if (found.length === 0) {
        printErr(lang === 'en' ? `no .bpmn file in ${p}` : `目录中没有 .bpmn 文件：${p}`);
        throw new CliExit(2);
      }
      files.push(...found);
    } else files.push(p);
  }
  return files;
}

async function lintFile(file: string, lang: Lang, requireForms: boolean): Promise<CompileResult> {
  const size = statSync(file).size;
  if (size > READ_LIMIT) {
    const params = { size: String(size), limit: String(DEFAULT_MAX_BYTES) };
    return {
      processes: [],
      summaries: [],
      problems: [
        {
          code: 'BPMN_ERR_TOO_LARGE',
          severity: BPMN_CODES.BPMN_ERR_TOO_LARGE.severity,
          message: renderMessage('BPMN_ERR_TOO_LARGE', params, lang),
          params,
        },
      ],
      supported: [],
      unsupported: [],
      dialect: 'bpmn',
    };
  }
  return compileBpmn(readFileSync(file, 'utf8'), { lang, requireForms });
}

function jsonProblem(p: Problem): LintJsonProblem {
  return {
    code: p.code,
    severity: p.severity,
    ...(p.elementId === undefined ? {} : { elementId: p.elementId }),
    ...(p.line === undefined ? {} : { line: p.line, column: p.column }),
    message: p.message,
  };
}

function toJson(file: string, r: CompileResult): LintJson {
  return {
    file,
    processes: r.summaries.map((s) => ({
      id: s.id,
      executable: s.executable,
      problems: r.problems.filter((p) => p.processId === s.id).map(jsonProblem),
    })),
    problems: r.problems.filter((p) => p.processId === undefined).map(jsonProblem),
    supported: r.supported,
    unsupported: r.unsupported,
  };
}

// ── human output ───────────────────────────────────────────────────────────────────────────

type Row = readonly [
  file: string,
  process: string,
  element: string,
  position: string,
  severity: string,
  code: string,
  message: string,
];

const HEADERS: Record<Lang, Row> = {
  zh: ['文件', '流程', '元素', '行:列', '级别', '代码', '说明'],
  en: ['file', 'process', 'element', 'line:col', 'severity', 'code', 'message'],
};

function toRow(file: string, p: Problem, lang: Lang): Row {
  const severity =
    p.severity === 'error' ? (lang === 'en' ? 'error' : '错误') : lang === 'en' ? 'warning' : '警告';
  return [
    displayPath(file),
    p.processId ?? '-',
    p.elementId ?? '-',
    p.line === undefined ? '-' : `${p.line}:${p.column ?? 1}`,
    severity,
    p.code,
    formatProblem(p, lang),
  ];
}

function summaryLine(file: string, r: CompileResult, lang: Lang): string {
  const errors = r.problems.filter((p) => p.severity === 'error').length;
  const warnings = r.problems.length - errors;
  const runnable = r.summaries.filter((s) => s.executable).length;
  const ok = errors === 0 && runnable === r.summaries.length;
  const name = displayPath(file);
  return lang === 'en'
    ? `${ok ? '✓' : '✗'} ${name}: ${runnable}/${r.summaries.length} process(es) executable, ${errors} error(s), ${warnings} warning(s)`
    : `${ok ? '✓' : '✗'} ${name}：${r.summaries.length} 个流程中 ${runnable} 个可执行，${errors} 个错误，${warnings} 个警告`;
}

function displayPath(file: string): string {
  const rel = relative(process.cwd(), file);
  return rel === '' || rel.startsWith('..') ? file : rel;
}

/** Display width in a terminal: East Asian wide and full-width characters take two columns. */
function width(s: string): number {
  let w = 0;
  for (const ch of s) {
    const c = ch.codePointAt(0) ?? 0;
    w +=
      (c >= 0x1100 && c <= 0x115f) ||
      (c >= 0x2e80 && c <= 0xa4cf) ||
      (c >= 0xac00 && c <= 0xd7a3) ||
      (c >= 0xf900 && c <= 0xfaff) ||
      (c >= 0xfe30 && c <= 0xfe4f) ||
      (c >= 0xff00 && c <= 0xff60) ||
      (c >= 0xffe0 && c <= 0xffe6) ||
      c >= 0x20000
        ? 2
        : 1;
  }
  return w;
}

function renderTable(rows: readonly Row[], lang: Lang): string {
  const all = [HEADERS[lang], ...rows];
  // The last column (message) is not padded.
  const widths = HEADERS[lang].map((_, i) => Math.max(...all.map((r) => width(r[i] ?? ''))));
  const line = (r: Row) =>
    r
      .map((cell, i) => (i === r.length - 1 ? cell : cell + ' '.repeat((widths[i] ?? 0) - width(cell))))
      .join('  ');
  const rule = widths.map((w, i) => '─'.repeat(i === widths.length - 1 ? Math.min(w, 40) : w)).join('  ');
  return [line(HEADERS[lang]), rule, ...rows.map(line)].join('\n');
}
