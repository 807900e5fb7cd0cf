import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';
import type { FormCheckJson } from './form.js';

const fx = fileURLToPath(new URL('../../../forms/src/fixtures', import.meta.url));
const form = `${fx}/intake.form.json`;

let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const code = await main(argv);
  return { code, stdout: out.join('\n'), stderr: err.join('\n') };
}

describe('shidian form check', () => {
  it('given valid data, then exit 0 and valid: true', async () => {
    const r = await run('form', 'check', form, `${fx}/intake-valid.json`, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({ valid: true, errors: [] });
  });

  it('given invalid data, then exit 1 and coded errors with labels in the chosen language', async () => {
    const r = await run('form', 'check', form, `${fx}/intake-invalid.json`, '--json', '--lang', 'en');
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as FormCheckJson;
    expect(json.valid).toBe(false);
    expect(json.errors.map((e) => `${e.path}:${e.code}`)).toEqual([
      'channel:FORM_ERR_ENUM',
      'petitioner.idNumber:FORM_ERR_CN_IDCARD',
      'claims:FORM_ERR_TOO_FEW_ITEMS',
    ]);
    expect(json.errors[1]!.label).toBe('ID number');
  });

  it('given invalid data without --json, then one line per error', async () => {
    const r = await run('form', 'check', form, `${fx}/intake-invalid.json`);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('FORM_ERR_CN_IDCARD  petitioner.idNumber  公民身份号码：');
  });

  it('given a task of a BPMN process, then its permissions apply to the submission', async () => {
    const args = [
      '--task',
      'Task_Decide',
      '--process',
      `${fx}/handling.bpmn`,
      '--previous',
      `${fx}/handling-previous.json`,
      '--json',
    ];
    const ok = await run('form', 'check', form, `${fx}/handling-submitted.json`, ...args);
    expect(ok.code).toBe(0);
    out = [];
    const bad = await run('form', 'check', form, `${fx}/handling-bad.json`, ...args);
    expect(bad.code).toBe(1);
    expect((JSON.parse(bad.stdout) as FormCheckJson).errors.map((e) => e.code)).toEqual([
      'FORM_ERR_READONLY_WRITE',
      'FORM_ERR_APPEND_ONLY',
      'FORM_ERR_REQUIRED',
      'FORM_ERR_REQUIRED',
    ]);
  });

  it('given usage errors or a broken form, then exit 2 with a code', async () => {
    expect((await run('form', 'check', form, `${fx}/intake-valid.json`, '--task', 'Task_Decide')).code).toBe(
      2,
    );
    expect((await run('form', 'check', form, `${fx}/intake-valid.json`, '--lang', 'fr')).code).toBe(2);
    out = [];
    const missing = await run('form', 'check', `${fx}/nope.form.json`, `${fx}/intake-valid.json`, '--json');
    expect(missing.code).toBe(2);
    expect(JSON.parse(missing.stdout).error.code).toBe('FORM_ERR_FILE_READ');
    out = [];
    const task = await run(
      'form',
      'check',
      form,
      `${fx}/intake-valid.json`,
      '--task',
      'Nope',
      '--process',
      `${fx}/handling.bpmn`,
      '--json',
    );
    expect(task.code).toBe(2);
    expect(JSON.parse(task.stdout).error.code).toBe('FORM_ERR_TASK_NOT_FOUND');
  });
});
