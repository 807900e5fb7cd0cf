import { describe, expect, it } from 'vitest';
import { fixture, intakeForm } from './fixtures/load.js';
import { formView } from './form-view.js';
import { maskValue } from './mask.js';

type Doc = Record<string, unknown>;
const caseData = (): Doc => fixture('intake-valid.json');

describe('formView', () => {
  it('given a role without access to sensitive data, then sensitive values are masked', async () => {
    const form = await intakeForm();
    const view = formView(form, { data: caseData() });
    const p = view.data.petitioner as Doc;
    expect(p.idNumber).toBe('110105********002X');
    expect(p.phone).toBe('138****5678');
    expect(p.name).toBe('张*');
    expect(p.landline).toBe('010-62345678');
  });

  it('given a role that may see sensitive data, then values are shown as stored', async () => {
    const form = await intakeForm();
    const view = formView(form, { data: caseData(), canSeeSensitive: true });
    expect((view.data.petitioner as Doc).idNumber).toBe('11010519491231002X');
  });

  it('given hidden fields, then they leave the data, the schema, the UI and the field list', async () => {
    const form = await intakeForm();
    const data = { ...caseData(), reviewOpinion: '内部意见' };
    const view = formView(form, {
      permissions: [
        { path: '*', mode: 'read' },
        { path: '#review', mode: 'hidden' },
        { path: 'petitioner.idNumber', mode: 'hidden' },
      ],
      data,
      lang: 'en',
    });
    expect(view.data.reviewOpinion).toBeUndefined();
    expect((view.data.petitioner as Doc).idNumber).toBeUndefined();
    const props = view.schema.properties as Record<string, Doc>;
    expect(props.reviewOpinion).toBeUndefined();
    expect((props.petitioner!.properties as Doc).idNumber).toBeUndefined();
    expect(props.channel!.readOnly).toBe(true);
    expect(view.ui.sections?.map((s) => s.id)).toEqual(['petitioner', 'matter']);
    expect(view.fields.find((f) => f.path === 'petitioner.idNumber')).toBeUndefined();
    expect(view.fields.find((f) => f.path === 'petitioner.name')).toMatchObject({
      label: 'Petitioner name',
      mode: 'read',
      section: 'petitioner',
    });
  });

  it('given rules, then computed values are filled and rule-hidden values removed', async () => {
    const form = await intakeForm();
    const view = formView(form, { data: { ...caseData(), headCount: 3 } });
    expect(view.data.claimCount).toBe(2);
    expect(view.data.headCount).toBeUndefined();
    expect(view.ruleState.hidden).toContain('headCount');
    expect(view.ruleState.hidden).toContain('claims.1.route');
  });

  it('given a required field, then the view schema lists it as required', async () => {
    const form = await intakeForm();
    const view = formView(form, {
      permissions: [
        { path: '*', mode: 'read' },
        { path: 'reviewOpinion', mode: 'required' },
      ],
    });
    expect(view.schema.required).toEqual(['reviewOpinion']);
  });
});

describe('maskValue', () => {
  it('given each kind, then the documented characters are kept', () => {
    expect(maskValue('110101199001011234', 'idcard')).toBe('110101********1234');
    expect(maskValue('北京市朝阳区建国路 1 号', 'address')).toBe('北京市朝阳区*******');
    expect(maskValue({ a: 'x', b: 3 }, 'text')).toEqual({ a: '****', b: null });
  });
});
