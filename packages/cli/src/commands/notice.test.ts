import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const baishui = join(root, 'examples', 'baishui');
const data = join(root, 'packages', 'print', 'test', 'fixtures', 'baishui-acceptance.json');
const tmp = mkdtempSync(join(tmpdir(), 'shidian-notice-'));

async function run(args: string[]): Promise<{ code: number; out: string; err: string }> {
  const out: string[] = [];
  const err: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void out.push(a.join(' ')));
  const error = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void err.push(a.join(' ')));
  try {
    const code = await main(args);
    return { code, out: out.join('\n'), err: err.join('\n') };
  } finally {
    log.mockRestore();
    error.mockRestore();
  }
}

afterEach(() => {
  process.exitCode = undefined;
});
afterAll(() => rmSync(tmp, { recursive: true, force: true }));

describe('shidian notice render', () => {
  it('prints the filled 受理告知书 of an example county as HTML (exit 0)', async () => {
    const { code, out } = await run(['notice', 'render', baishui, 'acceptance', data]);
    expect(code).toBe(0);
    expect(out).toContain('<h1>受理告知书</h1>');
    expect(out).toContain('白信受〔2026〕37号');
    expect(out).toContain('2026年5月15日');
    expect(out).not.toMatch(/\{\{/);
  });

  it('writes a PDF with --format pdf --out (exit 0)', async () => {
    const file = join(tmp, 'acceptance.pdf');
    const { code } = await run([
      'notice',
      'render',
      baishui,
      'acceptance',
      data,
      '--format',
      'pdf',
      '--out',
      file,
    ]);
    expect(code).toBe(0);
    expect(readFileSync(file).subarray(0, 5).toString('latin1')).toBe('%PDF-');
  });

  it('exits 1 with PILOT_ERR_NOTICE_DATA_INVALID when the data lacks a required content', async () => {
    const bad = JSON.parse(readFileSync(data, 'utf8')) as Record<string, unknown>;
    delete bad['dueOn'];
    const file = join(tmp, 'bad.json');
    writeFileSync(file, JSON.stringify(bad));
    const { code, err } = await run(['notice', 'render', baishui, 'acceptance', file]);
    expect(code).toBe(1);
    expect(err).toContain('PILOT_ERR_NOTICE_DATA_INVALID');
  });

  it('exits 2 on usage and input errors', async () => {
    expect((await run(['notice', 'render', baishui, 'no-such-notice', data])).code).toBe(2);
    expect((await run(['notice', 'render', join(tmp, 'no-such-dir'), 'acceptance', data])).code).toBe(2);
    expect((await run(['notice', 'render', baishui, 'acceptance', join(tmp, 'missing.json')])).code).toBe(2);
    expect((await run(['notice', 'render', baishui, 'acceptance', data, '--format', 'docx'])).code).toBe(2);
    expect((await run(['notice', 'render', baishui, 'acceptance'])).code).toBe(2);
  });

  it('exits 2 with PRINT_ERR_BROWSER_MISSING when there is no Chromium', async () => {
    const saved = process.env.CHROMIUM_PATH;
    process.env.CHROMIUM_PATH = join(tmp, 'no-chromium');
    try {
      const { code, err } = await run([
        'notice',
        'render',
        baishui,
        'acceptance',
        data,
        '--format',
        'pdf',
        '--out',
        join(tmp, 'x.pdf'),
      ]);
      expect(code).toBe(2);
      expect(err).toContain('PRINT_ERR_BROWSER_MISSING');
    } finally {
      if (saved === undefined) delete process.env.CHROMIUM_PATH;
      else process.env.CHROMIUM_PATH = saved;
    }
  });
});
