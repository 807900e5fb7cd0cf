import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';
import type { LintJson } from './lint.js';

const fixtures = fileURLToPath(new URL('../../../bpmn/src/fixtures', import.meta.url));
const good = `${fixtures}/acceptance-camunda8.bpmn`;
const bad = `${fixtures}/lint-errors.bpmn`;

let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(
    (chunk: string | Uint8Array) => (out.push(String(chunk)), true),
  );
  vi.spyOn(process.stderr, 'write').mockImplementation(
    (chunk: string | Uint8Array) => (err.push(String(chunk)), true),
  );
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const code = await main(argv);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('shidian lint', () => {
  it('given an executable model, then exit 0 and a ✓ summary', async () => {
    const r = await run('lint', '--lang', 'en', good);
    expect(r.code).toBe(0);
    expect(r.stdout).toMatch(/✓ .*acceptance-camunda8\.bpmn: 1\/1 process\(es\) executable/);
  });

  it('given a broken model, then exit 1 and a table row per problem with code and line:col', async () => {
    const r = await run('lint', '--lang', 'zh', bad);
    expect(r.code).toBe(1);
    expect(r.stdout).toContain('代码');
    expect(r.stdout).toMatch(/f_juel\s+10:5\s+错误\s+BPMN_ERR_JUEL_EXPRESSION/);
    expect(r.stdout).toMatch(/✗ /);
  });

  it('--json prints one object per file in the documented shape', async () => {
    const r = await run('lint', '--json', good, bad);
    expect(r.code).toBe(1);
    const lines = r.stdout
      .trim()
      .split('\n')
      .map((l) => JSON.parse(l) as LintJson);
    expect(lines.map((l) => l.processes.map((p) => [p.id, p.executable]))).toEqual([
      [['acceptance', true]],
      [['broken', false]],
    ]);
    expect(lines[1]?.processes[0]?.problems).toContainEqual(
      expect.objectContaining({
        code: 'BPMN_ERR_GATEWAY_NO_CONDITION',
        severity: 'error',
        elementId: 'f_plain',
        line: 16,
      }),
    );
    expect(lines[1]?.unsupported).toEqual(['bpmn:ComplexGateway']);
    expect(lines[0]?.supported).toContain('bpmn:UserTask');
  });

  it('given a directory, then every .bpmn file in it is linted', async () => {
    const r = await run('lint', '--json', fixtures);
    const files = r.stdout
      .trim()
      .split('\n')
      .map((l) => (JSON.parse(l) as LintJson).file);
    expect(files.map((f) => f.split('/').pop())).toEqual(
      expect.arrayContaining(['acceptance-camunda8.bpmn', 'lint-errors.bpmn']),
    );
  });

  it('--require-forms turns a missing form into an error', async () => {
    const r = await run('lint', '--json', '--require-forms', `${fixtures}/handling-camunda7.bpmn`);
    expect(r.code).toBe(1);
    const json = JSON.parse(r.stdout) as LintJson;
    expect(json.processes[0]?.problems.map((p) => p.code)).toEqual(['BPMN_ERR_FORM_REQUIRED', 'BPMN_ERR_DECISION_UNSUPPORTED']);
  });

  it('without --lang, follows LANG (en_US → English) and falls back to Chinese', async () => {
    const saved = {
      LANG: process.env.LANG,
      LC_ALL: process.env.LC_ALL,
      LC_MESSAGES: process.env.LC_MESSAGES,
    };
    try {
      delete process.env.LC_ALL;
      delete process.env.LC_MESSAGES;
      process.env.LANG = 'en_US.UTF-8';
      expect((await run('lint', good)).stdout).toMatch(/process\(es\) executable/);
      out = [];
      process.env.LANG = 'C';
      expect((await run('lint', good)).stdout).toMatch(/个流程中 1 个可执行/);
    } finally {
      for (const [k, v] of Object.entries(saved)) {
        if (v === undefined) delete process.env[k];
        else process.env[k] = v;
      }
    }
  });

  it('given a missing path or a bad --lang, then exit 2', async () => {
    expect((await run('lint', `${fixtures}/nope.bpmn`)).code).toBe(2);
    expect((await run('lint', '--lang', 'fr', good)).code).toBe(2);
    expect((await run('lint')).code).toBe(2);
  });
});
