import { describe, expect, it } from 'vitest';
import { checkDraft, submitDraft } from './drafts.js';
import { fixture, intakeForm } from './fixtures/load.js';

describe('drafts', () => {
  it('given partial, invalid data, then the draft is accepted as it is', async () => {
    const form = await intakeForm();
    const r = checkDraft(form, { petitioner: { name: '张', idNumber: '1101' } });
    expect(r.ok).toBe(true);
  });

  it('given hostile data, then even a draft is refused with a code', async () => {
    const form = await intakeForm();
    const r = checkDraft(form, JSON.parse('{"petitioner":{"__proto__":{"x":1}}}'));
    expect(r.ok ? [] : r.errors.map((e) => e.code)).toEqual(['FORM_ERR_FORBIDDEN_KEY']);
    const big = checkDraft(form, { reviewOpinion: 'x'.repeat(10_000_000) });
    expect(big.ok ? [] : big.errors.map((e) => e.code)).toEqual(['FORM_ERR_STRING_TOO_LONG']);
  });

  it('given a draft submitted, then it is fully validated', async () => {
    const form = await intakeForm();
    const draft = checkDraft(form, { petitioner: { name: '张三' } });
    if (!draft.ok) throw new Error('draft refused');
    expect(submitDraft(form, [], undefined, draft.draft).errors.map((e) => e.code)).toContain(
      'FORM_ERR_REQUIRED',
    );
    expect(submitDraft(form, [], undefined, fixture('intake-valid.json')).valid).toBe(true);
  });
});
