import { describe, expect, it } from 'vitest';
import { fixture, intakeForm } from './fixtures/load.js';
import { formView } from './form-view.js';
import type { FieldPermission } from './permissions.js';
import { validateSubmission } from './validate-submission.js';

type Doc = Record<string, unknown>;
const caseData = (): Doc => ({ ...fixture('intake-valid.json'), claimCount: 2 });
const codes = (r: { errors: readonly { path: string; code: string }[] }): string[] =>
  r.errors.map((e) => `${e.path}:${e.code}`);

/** The handling step: everything read-only, decisions editable, the review opinion append-only. */
const HANDLING: readonly FieldPermission[] = [
  { path: '*', mode: 'read' },
  { path: 'claims.*.decision', mode: 'required' },
  { path: 'reviewOpinion', mode: 'append' },
  { path: 'petitioner.employerCode', mode: 'hidden' },
];

describe('validateSubmission with a permission overlay', () => {
  it('given the data of the view sent back with the editable fields filled in, then it is valid and merged', async () => {
    const form = await intakeForm();
    const view = formView(form, { permissions: HANDLING, data: caseData() });
    const sent = structuredClone(view.data) as Doc;
    (sent.claims as Doc[]).forEach((c) => (c.decision = '解释说明'));
    sent.reviewOpinion = '同意。';
    const r = validateSubmission(form, view, caseData(), sent);
    expect(r.errors).toEqual([]);
    // Masked values sent back mean "unchanged": the stored data keeps the real ones.
    expect((r.data.petitioner as Doc).idNumber).toBe('11010519491231002X');
    expect((r.data.claims as Doc[])[1]!.decision).toBe('解释说明');
  });

  it('given a change to a read-only field, then FORM_ERR_READONLY_WRITE and the old value is kept', async () => {
    const form = await intakeForm();
    const sent = caseData();
    sent.channel = '来信';
    (sent.claims as Doc[]).forEach((c) => (c.decision = '予以支持'));
    const r = validateSubmission(form, HANDLING, caseData(), sent);
    expect(codes(r)).toEqual(['channel:FORM_ERR_READONLY_WRITE']);
    expect(r.data.channel).toBe('来访');
  });

  it('given a value for a hidden field, then FORM_ERR_HIDDEN_WRITE', async () => {
    const form = await intakeForm();
    const sent = caseData();
    (sent.petitioner as Doc).employerCode = '91350100M000100Y43';
    (sent.claims as Doc[]).forEach((c) => (c.decision = '予以支持'));
    expect(codes(validateSubmission(form, HANDLING, caseData(), sent))).toEqual([
      'petitioner.employerCode:FORM_ERR_HIDDEN_WRITE',
    ]);
  });

  it('given a required field left empty, then FORM_ERR_REQUIRED at each item', async () => {
    const form = await intakeForm();
    expect(codes(validateSubmission(form, HANDLING, caseData(), caseData(), { lang: 'en' }))).toEqual([
      'claims.0.decision:FORM_ERR_REQUIRED',
      'claims.1.decision:FORM_ERR_REQUIRED',
    ]);
  });

  it('given an append-only opinion, then it may grow but not change', async () => {
    const form = await intakeForm();
    const before = { ...caseData(), reviewOpinion: '初审：属实。' };
    const withDecisions = (d: Doc): Doc => ({
      ...d,
      claims: (d.claims as Doc[]).map((c) => ({ ...c, decision: '予以支持' })),
    });
    const grown = validateSubmission(
      form,
      HANDLING,
      before,
      withDecisions({ ...before, reviewOpinion: '初审：属实。复审：同意。' }),
    );
    expect(grown.valid).toBe(true);
    expect(grown.data.reviewOpinion).toBe('初审：属实。复审：同意。');
    const edited = validateSubmission(
      form,
      HANDLING,
      before,
      withDecisions({ ...before, reviewOpinion: '初审：不属实。' }),
    );
    expect(codes(edited)).toEqual(['reviewOpinion:FORM_ERR_APPEND_ONLY']);
    expect(edited.data.reviewOpinion).toBe('初审：属实。');
  });

  it('given an append-only list, then new items may be added at the end only', async () => {
    const form = await intakeForm();
    const perms: FieldPermission[] = [
      { path: '*', mode: 'read' },
      { path: 'claims', mode: 'append' },
    ];
    const before = caseData();
    const claims = before.claims as Doc[];
    expect(
      validateSubmission(form, perms, before, {
        ...before,
        claims: [...claims, { kind: '意见', facts: '补充一项意见' }],
      }).valid,
    ).toBe(true);
    expect(
      codes(validateSubmission(form, perms, before, { ...before, claims: [claims[1], claims[0]] })),
    ).toEqual(['claims:FORM_ERR_APPEND_ONLY']);
    expect(codes(validateSubmission(form, perms, before, { ...before, claims: [claims[0]] }))).toEqual([
      'claims:FORM_ERR_APPEND_ONLY',
    ]);
  });

  it('given a read-only array with editable item fields, then items cannot be added or removed', async () => {
    const form = await intakeForm();
    const before = caseData();
    const sent = {
      ...before,
      claims: [...(before.claims as Doc[]), { kind: '意见', facts: '再加一项意见', decision: '解释说明' }],
    };
    expect(
      codes(
        validateSubmission(
          form,
          [
            { path: '*', mode: 'read' },
            { path: 'claims.*.decision', mode: 'edit' },
          ],
          before,
          sent,
        ),
      ),
    ).toEqual(['claims:FORM_ERR_READONLY_WRITE']);
  });

  it('given a section default and a more specific field entry, then the field entry wins', async () => {
    const form = await intakeForm();
    const perms: FieldPermission[] = [
      { path: '*', mode: 'read' },
      { path: '#petitioner', mode: 'edit' },
      { path: 'petitioner.idNumber', mode: 'read' },
    ];
    const before = caseData();
    const sent = structuredClone(before);
    (sent.petitioner as Doc).phone = '13900001111';
    expect(validateSubmission(form, perms, before, sent).valid).toBe(true);
    (sent.petitioner as Doc).idNumber = '440305199001011234';
    expect(codes(validateSubmission(form, perms, before, sent))).toEqual([
      'petitioner.idNumber:FORM_ERR_READONLY_WRITE',
    ]);
  });

  it('given schema errors on fields the step cannot write, then they are not the submitter’s to fix', async () => {
    const form = await intakeForm();
    const before = caseData();
    (before.petitioner as Doc).phone = 'bad';
    const r = validateSubmission(
      form,
      [
        { path: '*', mode: 'read' },
        { path: 'reviewOpinion', mode: 'edit' },
      ],
      before,
      { ...before, reviewOpinion: '同意' },
    );
    expect(r.valid).toBe(true);
  });

  it('given an unknown permission path or section, then FORM_ERR_PERMISSION_INVALID is thrown', async () => {
    const form = await intakeForm();
    expect(() => validateSubmission(form, [{ path: 'nope.*', mode: 'edit' }], {}, {})).toThrow(
      /FORM_ERR_PERMISSION_INVALID/,
    );
    expect(() => validateSubmission(form, [{ path: '#nope', mode: 'edit' }], {}, {})).toThrow(
      /FORM_ERR_PERMISSION_INVALID/,
    );
    expect(() => validateSubmission(form, [{ path: 'channel', mode: 'write' as never }], {}, {})).toThrow(
      /FORM_ERR_PERMISSION_INVALID/,
    );
  });
});
