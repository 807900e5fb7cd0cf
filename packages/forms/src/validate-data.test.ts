import { describe, expect, it } from 'vitest';
import { compileForm } from './compile-form.js';
import { fixture, intakeForm } from './fixtures/load.js';
import { validateData } from './validate-data.js';
import { validateSubmission } from './validate-submission.js';

const valid = (): Record<string, unknown> => fixture('intake-valid.json');
const codes = (r: { errors: readonly { path: string; code: string }[] }): string[] =>
  r.errors.map((e) => `${e.path}:${e.code}`);

describe('validateData', () => {
  it('given a valid intake, then it is valid and computed fields are filled in', async () => {
    const form = await intakeForm();
    const r = validateData(form, valid());
    expect(r.errors).toEqual([]);
    expect(r.valid).toBe(true);
    expect(r.data.claimCount).toBe(2);
  });

  it('given wrong values, then each error has path, label, code and a zh-CN message with the label', async () => {
    const form = await intakeForm();
    const data = valid();
    const p = data.petitioner as Record<string, unknown>;
    p.idNumber = '110105194912310021';
    p.phone = '12345';
    p.landline = '62345678';
    p.postcode = '1000';
    p.employerCode = '91350100M000100Y44';
    p.residence = { division: '119999' };
    data.placeOfMatter = '110000';
    data.channel = '微信';
    (data.claims as Record<string, unknown>[])[1]!.kind = undefined;
    const r = validateData(form, JSON.parse(JSON.stringify(data)));
    expect(r.valid).toBe(false);
    expect(codes(r)).toEqual([
      'channel:FORM_ERR_ENUM',
      'petitioner.idNumber:FORM_ERR_CN_IDCARD',
      'petitioner.phone:FORM_ERR_CN_MOBILE',
      'petitioner.landline:FORM_ERR_CN_PHONE',
      'petitioner.residence.division:FORM_ERR_CN_DIVISION',
      'petitioner.postcode:FORM_ERR_CN_POSTCODE',
      'petitioner.employerCode:FORM_ERR_CN_USCC',
      'placeOfMatter:FORM_ERR_CN_DIVISION',
      'claims.1.kind:FORM_ERR_REQUIRED',
    ]);
    const id = r.errors.find((e) => e.path === 'petitioner.idNumber')!;
    expect(id.label).toBe('公民身份号码');
    expect(id.message).toContain('公民身份号码');
    expect(id.message).toContain('校验位');
    const kind = r.errors.find((e) => e.path === 'claims.1.kind')!;
    expect(kind.message).toContain('诉求第2项');
  });

  it('given lang en, then labels and messages are English', async () => {
    const form = await intakeForm();
    const r = validateData(form, { ...valid(), petitioner: { name: '张三' } }, { lang: 'en' });
    expect(r.errors).toEqual([
      {
        path: 'petitioner.idNumber',
        label: 'ID number',
        code: 'FORM_ERR_REQUIRED',
        message: 'ID number is required',
      },
    ]);
  });

  it('given a rule-hidden field with a value, then it is cleared and not validated', async () => {
    const form = await intakeForm();
    const r = validateData(form, { ...valid(), collective: false, headCount: -3, representatives: ['甲'] });
    expect(r.valid).toBe(true);
    expect(r.data.headCount).toBeUndefined();
    expect(r.data.representatives).toBeUndefined();
  });

  it('given a rule-required field that is empty, then FORM_ERR_REQUIRED; when filled, its schema applies', async () => {
    const form = await intakeForm();
    expect(codes(validateData(form, { ...valid(), collective: true }))).toEqual([
      'headCount:FORM_ERR_REQUIRED',
    ]);
    expect(codes(validateData(form, { ...valid(), collective: true, headCount: 0 }))).toEqual([
      'headCount:FORM_ERR_TOO_SMALL',
    ]);
    expect(
      validateData(form, { ...valid(), collective: true, headCount: 12, representatives: ['甲', '乙'] })
        .valid,
    ).toBe(true);
  });

  it('given an item-level rule, then it is evaluated per array item', async () => {
    const form = await intakeForm();
    const r = validateData(form, valid());
    const claims = r.data.claims as Record<string, unknown>[];
    expect(claims[0]!.route).toBe('劳动仲裁');
    const again = validateData(form, {
      ...valid(),
      claims: [{ kind: '建议', facts: '建议加强监察力度', route: '诉讼' }],
    });
    expect((again.data.claims as Record<string, unknown>[])[0]!.route).toBeUndefined();
  });

  it('given a catastrophic pattern and a long input, then validation stays linear', async () => {
    const form = await compileForm({
      type: 'object',
      properties: {
        a: { type: 'string', pattern: '(a+)+$' },
        b: { type: 'string', pattern: '^(\\w+\\s?)*$' },
      },
    });
    // With JavaScript's backtracking engine this call would not return (the test would time out).
    const r = validateData(form, { a: 'a'.repeat(50_000) + '!', b: 'word '.repeat(10_000) + '!' });
    expect(codes(r)).toEqual(['a:FORM_ERR_PATTERN', 'b:FORM_ERR_PATTERN']);
    expect(validateData(form, { a: 'a'.repeat(50_000), b: 'word '.repeat(10_000) }).valid).toBe(true);
  });

  it('given a 10 MB string, then FORM_ERR_STRING_TOO_LONG before any check runs', async () => {
    const form = await intakeForm();
    const r = validateData(form, { ...valid(), reviewOpinion: 'x'.repeat(10_000_000) });
    expect(codes(r)).toEqual(['reviewOpinion:FORM_ERR_STRING_TOO_LONG']);
  });

  it('given data nested 10,000 deep, then FORM_ERR_DATA_TOO_DEEP without a stack overflow', async () => {
    const form = await intakeForm();
    let deep: unknown = 'x';
    for (let i = 0; i < 10_000; i++) deep = { d: deep };
    expect(validateData(form, { ...valid(), extra: deep }).errors[0]?.code).toBe('FORM_ERR_DATA_TOO_DEEP');
  });

  it('given __proto__ or constructor keys, then FORM_ERR_FORBIDDEN_KEY and no prototype is touched', async () => {
    const form = await intakeForm();
    const r = validateData(form, JSON.parse('{"channel":"来访","__proto__":{"polluted":true}}'));
    expect(codes(r)).toEqual(['__proto__:FORM_ERR_FORBIDDEN_KEY']);
    expect(codes(validateData(form, { petitioner: { constructor: { prototype: {} } } }))).toEqual([
      'petitioner.constructor:FORM_ERR_FORBIDDEN_KEY',
    ]);
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  it('given data that is not an object, then FORM_ERR_NOT_OBJECT', async () => {
    const form = await intakeForm();
    expect(codes(validateData(form, [1, 2]))).toEqual([':FORM_ERR_NOT_OBJECT']);
    expect(codes(validateData(form, 'x'))).toEqual([':FORM_ERR_NOT_OBJECT']);
  });
});

describe('validateData, more schema shapes', () => {
  it('given a oneOf of const options, then a wrong value is FORM_ERR_ENUM', async () => {
    const form = await compileForm({
      type: 'object',
      properties: {
        c: {
          title: '渠道',
          oneOf: [
            { const: 'a', title: 'A' },
            { const: 'b', title: 'B' },
          ],
        },
      },
    });
    expect(codes(validateData(form, { c: 'z' }))).toEqual(['c:FORM_ERR_ENUM']);
  });

  it('given x-onHide keep, then a rule-hidden value is reset to the stored one, not dropped', async () => {
    const form = await compileForm({
      schema: {
        type: 'object',
        properties: { flag: { type: 'boolean' }, note: { type: 'string', 'x-onHide': 'keep' } },
      },
      rules: [{ field: 'note', visible: 'flag = true' }],
    });
    const r = validateSubmission(form, [], { note: '原值' }, { flag: false, note: '新值' });
    expect(r.valid).toBe(true);
    expect(r.data.note).toBe('原值');
  });

  it('given a rule that reads the role, then it applies per role', async () => {
    const form = await compileForm({
      schema: { type: 'object', properties: { a: { type: 'string' } } },
      rules: [{ field: 'a', readonly: 'role = "clerk"' }],
    });
    expect(codes(validateSubmission(form, [], { a: 'x' }, { a: 'y' }, { role: 'clerk' }))).toEqual([
      'a:FORM_ERR_READONLY_WRITE',
    ]);
    expect(validateSubmission(form, [], { a: 'x' }, { a: 'y' }, { role: 'leader' }).valid).toBe(true);
  });

  it('given Chinese patterns in ECMAScript syntax, then they run on the linear engine with the same answers', async () => {
    const form = await compileForm({
      type: 'object',
      properties: {
        a: { type: 'string', pattern: '^[\\u4e00-\\u9fa5]{2,4}$' },
        b: { type: 'string', pattern: '^\\p{Script=Han}+$' },
      },
    });
    expect(validateData(form, { a: '张三', b: '信访' }).valid).toBe(true);
    expect(codes(validateData(form, { a: 'ab', b: 'x' }))).toEqual([
      'a:FORM_ERR_PATTERN',
      'b:FORM_ERR_PATTERN',
    ]);
  });
});
