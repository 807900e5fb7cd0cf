import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const fixture = (name: string) => join(root, 'packages', 'pilot', 'src', 'fixtures', name);

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    const code = await main(args);
    return { code, out: lines.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
  }
}

afterEach(() => {
  process.exitCode = undefined;
});

describe('shidian validate', () => {
  it('exits 0 on a valid bundle', async () => {
    const { code, out } = await run(['validate', join(root, 'examples', 'qingshan')]);
    expect(code).toBe(0);
    expect(out).toContain('qingshan@1.0.0');
  });

  it('exits 1 and lists every problem with file, element and code as JSON', async () => {
    const { code, out } = await run(['validate', fixture('many-problems'), '--json']);
    expect(code).toBe(1);
    const json = JSON.parse(out) as {
      ok: boolean;
      errors: number;
      problems: { code: string; file: string; element?: string }[];
    };
    expect(json.ok).toBe(false);
    expect(json.errors).toBe(json.problems.length);
    expect(json.problems).toContainEqual(
      expect.objectContaining({
        code: 'PILOT_ERR_UNKNOWN_ROLE',
        file: 'processes/mini.bpmn',
        element: 'Task_Register',
      }),
    );
    expect(json.problems).toContainEqual(
      expect.objectContaining({
        code: 'PILOT_ERR_FILE_MISSING',
        file: 'pilot.yaml',
        element: '/forms/0/file',
      }),
    );
  });

  it('exits 2 when the directory does not exist', async () => {
    const { code, out } = await run(['validate', fixture('nope'), '--json']);
    expect(code).toBe(2);
    expect((JSON.parse(out) as { error: { code: string } }).error.code).toBe('PILOT_ERR_DIR_NOT_FOUND');
  });

  it('exits 2 without a directory argument', async () => {
    const { code } = await run(['validate']);
    expect(code).toBe(2);
  });
});
