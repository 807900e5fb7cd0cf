import { describe, expect, it } from 'vitest';
import { canonicalJson } from './canonical-json.js';
import { isFormError } from './errors.js';
import { fixture, sharedFixtures, testDivisions } from './fixtures/load.js';
import { loadPublishedForm, publishForm, type PublishedForm } from './publish-form.js';
import { validateData } from './validate-data.js';
import { formView } from './form-view.js';

describe('publishForm', () => {
  it('given the same content with keys in another order, then the hash is the same', async () => {
    const def = fixture('intake.form.json');
    const reordered = JSON.parse(JSON.stringify(Object.fromEntries(Object.entries(def).reverse()))) as Record<
      string,
      unknown
    >;
    const a = await publishForm(def, { version: '1', shared: sharedFixtures(), divisions: testDivisions });
    const b = await publishForm(reordered, {
      version: '1',
      shared: sharedFixtures(),
      divisions: testDivisions,
    });
    expect(a.published.hash).toMatch(/^sha256:[0-9a-f]{64}$/);
    expect(b.published.hash).toBe(a.published.hash);
    expect(Object.keys(a.published.shared)).toEqual(['common.schema.json']);
  });

  it('given a change in a shared definition it uses, then the hash changes', async () => {
    const shared = sharedFixtures();
    const a = await publishForm(fixture('intake.form.json'), {
      version: '1',
      shared,
      divisions: testDivisions,
    });
    (
      (shared['common.schema.json']!.$defs as Record<string, Record<string, unknown>>).address!
        .properties as Record<string, Record<string, unknown>>
    ).detail!.maxLength = 300;
    const b = await publishForm(fixture('intake.form.json'), {
      version: '1',
      shared,
      divisions: testDivisions,
    });
    expect(b.published.hash).not.toBe(a.published.hash);
  });

  it('given a published version, then it is frozen, and tampering is detected on load', async () => {
    const { published } = await publishForm(fixture('intake.form.json'), {
      version: '1',
      shared: sharedFixtures(),
      divisions: testDivisions,
    });
    expect(Object.isFrozen(published.definition.schema)).toBe(true);
    expect(() => {
      (published.definition as { id?: string }).id = 'x';
    }).toThrow(TypeError);
    const form = await loadPublishedForm(published, { divisions: testDivisions });
    expect(form.hash).toBe(published.hash);
    expect(formView(form).formHash).toBe(published.hash);
    expect(validateData(form, fixture('intake-valid.json')).valid).toBe(true);
    const tampered = JSON.parse(JSON.stringify(published)) as PublishedForm;
    (tampered.definition.schema as Record<string, unknown>).title = '改过';
    await expect(loadPublishedForm(tampered)).rejects.toSatisfy(
      (e) => isFormError(e) && e.code === 'FORM_ERR_VERSION_MISMATCH',
    );
  });

  it('given a broken definition, then nothing is published', async () => {
    await expect(
      publishForm(
        { type: 'object', properties: { a: { $ref: 'https://x.example/a.json' } } },
        { version: '1' },
      ),
    ).rejects.toSatisfy((e) => isFormError(e) && e.code === 'FORM_ERR_REMOTE_REF');
  });
});

describe('canonicalJson', () => {
  it('given nested objects, then keys are sorted at every level and undefined members dropped', () => {
    expect(canonicalJson({ b: [{ d: 1, c: 'x' }], a: undefined, é: true })).toBe(
      '{"b":[{"c":"x","d":1}],"é":true}',
    );
  });
});
