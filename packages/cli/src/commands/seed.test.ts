import { describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

async function run(args: string[]): Promise<number> {
  const err = vi.spyOn(console, 'error').mockImplementation(() => {});
  try {
    return await main(args);
  } finally {
    err.mockRestore();
    process.exitCode = undefined;
  }
}

describe('shidian seed (usage)', () => {
  it.each([
    [['seed', '--cases', '0']],
    [['seed', '--cases', 'many']],
    [['seed', '--seed', '-1']],
    [['seed', '--from', '2026-13-45']],
    [['seed', '--days', '1.5']],
  ])('exits 2 on bad options %j before touching a database', async (args) => {
    expect(await run(args)).toBe(2);
  });
});
