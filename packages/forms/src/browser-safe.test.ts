import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';

const here = dirname(fileURLToPath(import.meta.url));

/** Every module reachable from `@shidian/forms` (the browser entry), i.e. all but node/, tests and fixtures. */
function browserModules(dir: string, rel = ''): string[] {
  const out: string[] = [];
  for (const e of readdirSync(join(dir, rel), { withFileTypes: true })) {
    const p = rel === '' ? e.name : `${rel}/${e.name}`;
    if (e.isDirectory()) {
      if (e.name !== 'node' && e.name !== 'fixtures') out.push(...browserModules(dir, p));
    } else if (e.name.endsWith('.ts') && !e.name.endsWith('.test.ts')) out.push(p);
  }
  return out;
}

describe('the browser entry', () => {
  it('given every module behind @shidian/forms, then none imports a Node built-in or the node/ helpers', () => {
    const modules = browserModules(here);
    expect(modules).toContain('compile-form.ts');
    const offenders = modules.filter((m) => {
      const text = readFileSync(join(here, m), 'utf8');
      return /from\s+'node:|import\(\s*'node:|from\s+'(?:fs|path|url|crypto)'|from\s+'\.\/node\//.test(text);
    });
    expect(offenders).toEqual([]);
  });
});
