/**
 * `shidian form check <form> <data.json> [--task <id> --process <bpmn>] [--previous <json>] [--schemas <dir>] [--lang zh|en] [--json]`:
 * validates data against a form (a `*.form.json` or a `*.schema.json` with optional `.ui.json` /
 * `.rules.json` siblings; shared definitions from the nearest `schemas/` folder).
 *
 * With `--task` and `--process`, the task's field permissions (from the BPMN) apply: the data is
 * checked as that step's submission over `--previous` (default: the data itself, i.e. "is this
 * document complete for the step").
 *
 * Prints `{ "valid": bool, "errors": [{ "path", "label", "code", "message" }] }` with `--json`.
 * Exit 0 valid, 1 invalid, 2 usage error or a broken form / process definition.
 */
import { readFileSync } from 'node:fs';
import { compileBpmn, type FieldPermission } from '@shidian/bpmn';
import { FormError, isFormError, validateSubmission, type FieldError, type Lang } from '@shidian/forms';
import { loadForm, readJsonFile } from '@shidian/forms/node';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

/** What `--json` prints for a check. */
export interface FormCheckJson {
  readonly valid: boolean;
  readonly errors: readonly FieldError[];
}

interface CheckOptions {
  readonly task?: string;
  readonly process?: string;
  readonly previous?: string;
  readonly schemas?: string;
  readonly lang?: string;
  readonly json?: boolean;
}

export const register: Register = (program) => {
  const form = program.command('form').description('表单工具 / form tools');
  form
    .command('check')
    .description(
      '按表单（及流程环节权限）校验数据 / validate data against a form (and a task’s field permissions)',
    )
    .argument('<form>', 'form file: *.form.json, or *.schema.json (+ .ui.json / .rules.json)')
    .argument('<data>', 'data file (JSON)')
    .option('--task <id>', 'user task id whose field permissions apply (needs --process)')
    .option('--process <bpmn>', 'BPMN file holding the task')
    .option('--previous <json>', 'previous case data (JSON file) the submission is merged over')
    .option('--schemas <dir>', 'folder of shared schemas (default: the nearest schemas/ above the form)')
    .option('--lang <lang>', 'message language: zh or en (default zh)')
    .option('--json', 'print one JSON object')
    .action(async (formPath: string, dataPath: string, opts: CheckOptions) => {
      const lang = pickLang(opts.lang, opts.json === true);
      try {
        if ((opts.task === undefined) !== (opts.process === undefined)) {
          usage(
            opts.json === true,
            lang,
            '--task and --process go together',
            '--task 与 --process 须同时给出',
          );
        }
        const compiled = await loadForm(
          formPath,
          opts.schemas === undefined ? {} : { sharedDir: opts.schemas },
        );
        const data = readJsonFile(dataPath);
        const previous = opts.previous === undefined ? data : readJsonFile(opts.previous);
        const permissions =
          opts.task !== undefined && opts.process !== undefined
            ? await taskPermissions(opts.process, opts.task, lang)
            : [];
        const prev =
          previous !== null && typeof previous === 'object' && !Array.isArray(previous)
            ? (previous as Record<string, unknown>)
            : undefined;
        const result = validateSubmission(compiled, permissions, prev, data, { lang, canSeeSensitive: true });
        const out: FormCheckJson = { valid: result.valid, errors: result.errors };
        if (opts.json === true) console.log(JSON.stringify(out, null, 2));
        else if (result.valid) console.log(lang === 'en' ? `valid: ${dataPath}` : `校验通过：${dataPath}`);
        else {
          console.log(
            lang === 'en'
              ? `invalid: ${dataPath} (${result.errors.length} problems)`
              : `校验未通过：${dataPath}（${result.errors.length} 个问题）`,
          );
          for (const e of result.errors)
            console.log(`  ${e.code}  ${e.path === '' ? '(form)' : e.path}  ${e.message}`);
        }
        if (!result.valid) throw new CliExit(1);
      } catch (err) {
        if (err instanceof CliExit) throw err;
        if (isFormError(err)) {
          const message = new FormError(err.code, err.details, lang).message;
          if (opts.json === true)
            console.log(
              JSON.stringify(
                { valid: false, errors: [], error: { code: err.code, message, details: err.details } },
                null,
                2,
              ),
            );
          else console.error(message);
          throw new CliExit(2);
        }
        throw err;
      }
    });
};

async function taskPermissions(
  bpmnPath: string,
  taskId: string,
  lang: Lang,
): Promise<readonly FieldPermission[]> {
  let xml: string;
  try {
    xml = readFileSync(bpmnPath, 'utf8');
  } catch (err) {
    throw new FormError('FORM_ERR_FILE_READ', {
      at: bpmnPath,
      reason: err instanceof Error ? err.message : String(err),
    });
  }
  const result = await compileBpmn(xml, { lang });
  for (const graph of result.processes) {
    const node = graph.nodes[taskId];
    if (node === undefined) continue;
    if (node.kind === 'userTask') return node.permissions;
    if (node.kind === 'startEvent') return [];
    throw new FormError('FORM_ERR_TASK_NOT_FOUND', {
      at: taskId,
      reason: `${taskId} is a ${node.kind}, not a user task`,
    });
  }
  if (result.processes.length === 0) {
    throw new FormError('FORM_ERR_PROCESS_INVALID', {
      at: bpmnPath,
      reason: result.problems.map((p) => p.code).join(', '),
    });
  }
  throw new FormError('FORM_ERR_TASK_NOT_FOUND', { at: taskId });
}

function usage(json: boolean, lang: Lang, en: string, zh: string): never {
  const message = lang === 'en' ? en : zh;
  if (json)
    console.log(JSON.stringify({ valid: false, errors: [], error: { code: 'USAGE', message } }, null, 2));
  else console.error(message);
  throw new CliExit(2);
}

function pickLang(option: string | undefined, json: boolean): Lang {
  if (option === undefined || option === 'zh') return 'zh';
  if (option === 'en') return 'en';
  return usage(
    json,
    'zh',
    `--lang must be zh or en, not "${option}"`,
    `--lang 只能是 zh 或 en，而不是“${option}”`,
  );
}
