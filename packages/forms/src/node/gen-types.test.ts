import { existsSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { generateTypes, typeSources } from './gen-types.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixtureRoot = join(here, '..', 'fixtures', 'repo');
const repoRoot = join(here, '..', '..', '..', '..');

describe('generateTypes', () => {
  it('given a repo with shared schemas and an example pilot form, then one file per schema in a generated/ folder beside it', async () => {
    const out = await generateTypes(fixtureRoot);
    expect(out.map((g) => g.output)).toEqual([
      'examples/demo/forms/generated/intake.ts',
      'schemas/generated/common.ts',
    ]);
    const intake = out[0]!.content;
    expect(intake).toContain('export interface Intake');
    expect(intake).toMatch(/channel: "网上" \| "来信" \| "来电" \| "传真" \| "来访"/);
    expect(intake).toContain('claims: {');
    expect(intake).toContain('residence?: Common_Address;');
    expect(intake).not.toContain('x-sensitive');
    expect(out[1]!.content).toContain('export type IdNumber = string;');
  });

  it('given the same input twice, then the output is byte-identical', async () => {
    const [a, b] = [await generateTypes(fixtureRoot), await generateTypes(fixtureRoot)];
    expect(b).toEqual(a);
  });
});

describe('committed generated types of this repository', () => {
  it('given schemas/ and examples/*/forms, then every generated file exists and matches a fresh generation (no drift)', async () => {
    const generated = await generateTypes(repoRoot);
    expect(generated.length).toBe(typeSources(repoRoot).length);
    const drift = generated
      .filter(
        (g) =>
          !existsSync(join(repoRoot, g.output)) ||
          readFileSync(join(repoRoot, g.output), 'utf8') !== g.content,
      )
      .map((g) => g.output);
    // Fix with: pnpm -s shidian gen-types
    expect(drift).toEqual([]);
  });
});

describe('generateTypes with nothing to do', () => {
  it('given a root without schemas/ or examples/, then no files and no error', async () => {
    expect(await generateTypes(join(here, '..', 'fixtures', 'schemas'))).toEqual([]);
  });
});
