import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { bundleFromFiles, loadBundle } from './bundle.js';
import { PilotError } from './errors.js';
import { validateBundle } from './validate-bundle.js';

const here = dirname(fileURLToPath(import.meta.url));
const fixture = (name: string) => join(here, 'fixtures', name);
const codes = async (name: string) =>
  (await validateBundle(loadBundle(fixture(name)))).problems.map((p) => p.code);

describe('validateBundle', () => {
  it('accepts a minimal valid bundle and returns its compiled graphs', async () => {
    // given a bundle whose every reference resolves
    // when it is validated
    const report = await validateBundle(loadBundle(fixture('valid')));
    // then there is no problem, and the stage of the file applies to its elements
    expect(report.problems).toEqual([]);
    expect(report.ok).toBe(true);
    expect(report.bundle?.graphs.get('mini')?.nodes.Task_Register?.stage).toBe('acceptance');
  });

  it('reports a missing file with the manifest pointer', async () => {
    const report = await validateBundle(loadBundle(fixture('missing-file')));
    expect(report.ok).toBe(false);
    expect(report.problems).toMatchObject([
      { code: 'PILOT_ERR_FILE_MISSING', file: 'pilot.yaml', element: '/forms/0/file' },
    ]);
  });

  it('reports a form binding to nothing on the BPMN element', async () => {
    const report = await validateBundle(loadBundle(fixture('unbound-form')));
    expect(report.problems).toMatchObject([
      { code: 'PILOT_ERR_FORM_BINDING', file: 'processes/mini.bpmn', element: 'Task_Register' },
    ]);
  });

  it('reports a candidate group that is not a role of the pilot', async () => {
    expect(await codes('unknown-role')).toEqual(['PILOT_ERR_UNKNOWN_ROLE']);
  });

  it('reports stage typos both in the manifest stage map and in the BPMN', async () => {
    const report = await validateBundle(loadBundle(fixture('stage-typo')));
    expect(report.problems.map((p) => [p.code, p.file])).toEqual([
      ['PILOT_ERR_UNKNOWN_STAGE', 'pilot.yaml'],
      ['PILOT_ERR_UNKNOWN_STAGE', 'processes/mini.bpmn'],
    ]);
  });

  it('reports a notice placeholder that no data provides, with its line, and the required content it lost', async () => {
    const report = await validateBundle(loadBundle(fixture('bad-placeholder')));
    expect(report.problems).toMatchObject([
      {
        code: 'PILOT_ERR_PLACEHOLDER_UNRESOLVED',
        file: 'notices/acceptance.html',
        element: '{{handlingOffice}}',
        line: expect.any(Number) as number,
      },
      { code: 'PILOT_ERR_NOTICE_CONTENT_MISSING', file: 'notices/acceptance.html', element: 'handlingBody' },
    ]);
  });

  it('reports a BPMN that does not lint, wrapping the BPMN code', async () => {
    const report = await validateBundle(loadBundle(fixture('bpmn-lint')));
    expect(report.problems.length).toBeGreaterThan(0);
    for (const p of report.problems)
      expect(p).toMatchObject({
        code: 'PILOT_ERR_BPMN_INVALID',
        cause: 'BPMN_ERR_GATEWAY_NO_CONDITION',
        file: 'processes/mini.bpmn',
      });
  });

  it('reports a directory without manifest, and a manifest that does not parse', async () => {
    expect(await codes('no-manifest')).toEqual(['PILOT_ERR_MANIFEST_MISSING']);
    const report = await validateBundle(loadBundle(fixture('bad-yaml')));
    expect(report.problems).toMatchObject([{ code: 'PILOT_ERR_MANIFEST_PARSE', line: 3 }]);
  });

  it('lists every problem of a bundle at once', async () => {
    // given a bundle with many independent faults
    // when validated
    const found = await codes('many-problems');
    // then each is listed
    expect(found.sort()).toEqual(
      [
        'PILOT_ERR_DEADLINE_NOT_STRICTER',
        'PILOT_ERR_FILE_MISSING',
        'PILOT_ERR_FORM_BINDING',
        'PILOT_ERR_METRIC_FEEL',
        'PILOT_ERR_STATUTORY_LIMIT',
        'PILOT_ERR_STATUTORY_LIMIT',
        'PILOT_ERR_UNKNOWN_ELEMENT',
        'PILOT_ERR_UNKNOWN_NOTICE',
        'PILOT_ERR_UNKNOWN_ROLE',
      ].sort(),
    );
  });

  it('reports schema violations of the manifest with their JSON pointer', async () => {
    const files = Object.fromEntries(loadBundle(fixture('valid')).files);
    files['pilot.yaml'] = files['pilot.yaml']!.replace("division: '339001'", "division: 'x'").replace(
      'id: fixture',
      'id: Fixture!',
    );
    const report = await validateBundle(bundleFromFiles(files));
    expect(report.problems.map((p) => [p.code, p.element])).toEqual([
      ['PILOT_ERR_MANIFEST_SCHEMA', '/id'],
      ['PILOT_ERR_MANIFEST_SCHEMA', '/division'],
    ]);
  });

  it('reports duplicate ids and a permission on a field the bound form lacks', async () => {
    const files = Object.fromEntries(loadBundle(fixture('valid')).files);
    files['pilot.yaml'] = files['pilot.yaml']!.replace(
      'roles:\n',
      'roles:\n  - { id: registrar, name: { zh: 重复 } }\n',
    );
    files['processes/mini.bpmn'] = files['processes/mini.bpmn']!.replace('path="name"', 'path="nickname"');
    const report = await validateBundle(bundleFromFiles(files));
    expect(report.problems.map((p) => [p.code, p.element])).toEqual([
      ['PILOT_ERR_DUPLICATE_ID', '/roles/1/id'],
      ['PILOT_ERR_PERMISSION_PATH', 'Task_Register'],
    ]);
  });

  it('reports a form that does not compile, with the forms code as cause', async () => {
    const files = Object.fromEntries(loadBundle(fixture('valid')).files);
    files['forms/intake.schema.json'] = JSON.stringify({
      type: 'object',
      properties: { name: { type: 'strnig' } },
    });
    const report = await validateBundle(bundleFromFiles(files));
    expect(report.problems).toMatchObject([
      { code: 'PILOT_ERR_FORM_INVALID', file: 'forms/intake.schema.json', element: 'intake' },
    ]);
    expect(report.problems[0]?.cause).toMatch(/^FORM_ERR_/);
  });

  it('reads pilot.json as well as pilot.yaml', async () => {
    const files = Object.fromEntries(loadBundle(fixture('valid')).files);
    const { parse } = await import('yaml');
    files['pilot.json'] = JSON.stringify(parse(files['pilot.yaml']!));
    delete files['pilot.yaml'];
    const report = await validateBundle(bundleFromFiles(files));
    expect(report.ok).toBe(true);
    expect(report.manifestFile).toBe('pilot.json');
  });

  it('refuses a directory that does not exist with a coded error', () => {
    expect(() => loadBundle(fixture('does-not-exist'))).toThrow(PilotError);
    try {
      loadBundle(fixture('does-not-exist'));
    } catch (err) {
      expect((err as PilotError).code).toBe('PILOT_ERR_DIR_NOT_FOUND');
    }
  });

  it('loads platform files named with @shidian/ into the bundle', () => {
    const bundle = loadBundle(fixture('valid'));
    expect(bundle.files.get('@shidian/schemas/notices/acceptance.html')).toBe(
      readFileSync(join(here, '../../../schemas/notices/acceptance.html'), 'utf8'),
    );
  });
});
