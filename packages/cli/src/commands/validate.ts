/**
 * `shidian validate <pilot-dir> [--json]`: checks a pilot bundle and lists every problem with file,
 * element and code. Exit 0 valid (warnings allowed), 1 problems, 2 usage (no such directory).
 */
import { formatProblem, loadBundle, PilotError, validateBundle, type ValidationReport } from '@shidian/pilot';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

/** The JSON printed by `--json`. */
export interface ValidateJson {
  readonly dir: string;
  readonly ok: boolean;
  readonly pilot?: { readonly id: string; readonly version: string };
  readonly errors: number;
  readonly warnings: number;
  readonly problems: ValidationReport['problems'];
}

export const register: Register = (program) => {
  program
    .command('validate')
    .description(
      '校验试点配置包 / validate a pilot bundle (manifest, forms, BPMN, cross-references, notices)',
    )
    .argument('<pilot-dir>', 'bundle directory (with pilot.yaml or pilot.json)')
    .option('--json', 'print one JSON object')
    .option('--lang <lang>', 'message language: zh or en', 'zh')
    .action(async (dir: string, opts: { json?: boolean; lang: string }) => {
      let report: ValidationReport;
      try {
        report = await validateBundle(loadBundle(dir));
      } catch (err) {
        if (err instanceof PilotError) {
          if (opts.json === true)
            console.log(
              JSON.stringify({
                dir,
                ok: false,
                error: { code: err.code, message: { zh: err.zh, en: err.message } },
              }),
            );
          else console.error(`${err.code} ${opts.lang === 'en' ? err.message : err.zh}`);
          throw new CliExit(2);
        }
        throw err;
      }
      const errors = report.problems.filter((p) => p.severity === 'error').length;
      const warnings = report.problems.length - errors;
      if (opts.json === true) {
        const out: ValidateJson = {
          dir,
          ok: report.ok,
          ...(report.bundle
            ? { pilot: { id: report.bundle.manifest.id, version: report.bundle.manifest.version } }
            : {}),
          errors,
          warnings,
          problems: report.problems,
        };
        console.log(JSON.stringify(out, null, 2));
      } else {
        const lang = opts.lang === 'en' ? 'en' : 'zh';
        for (const p of report.problems) console.log(formatProblem(p, lang));
        const name = report.bundle ? `${report.bundle.manifest.id}@${report.bundle.manifest.version}` : dir;
        console.log(
          report.ok
            ? `✓ ${name}: valid (${warnings} warning(s))`
            : `✗ ${name}: ${errors} error(s), ${warnings} warning(s)`,
        );
      }
      if (!report.ok) throw new CliExit(1);
    });
};
