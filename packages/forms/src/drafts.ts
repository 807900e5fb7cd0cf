/**
 * Drafts (暂存): partial data saved as the user types, without validation; the full checks run when
 * the draft is submitted (`validateSubmission`). Only the safety bounds apply to a draft (size, depth,
 * forbidden keys), so a draft can never become a way to store hostile data.
 */
import type { CompiledForm } from './compile-form.js';
import type { FieldError, Lang } from './errors.js';
import { toFieldErrors } from './field-errors.js';
import { inspectData } from './guards.js';
import {
  validateSubmission,
  type PermissionSource,
  type SubmissionOptions,
  type SubmissionResult,
} from './validate-submission.js';

/** Result of {@link checkDraft}. */
export type DraftResult =
  | { readonly ok: true; readonly draft: Readonly<Record<string, unknown>> }
  | { readonly ok: false; readonly errors: readonly FieldError[] };

/**
 * Accepts any partial object within the safety bounds.
 *
 * @example
 * ```ts
 * const r = checkDraft(form, { petitioner: { name: '张' } });
 * if (r.ok) await store.saveDraft(taskId, r.draft);
 * ```
 */
export function checkDraft(form: CompiledForm, partial: unknown, lang: Lang = 'zh'): DraftResult {
  const p = inspectData(partial, form.dataLimits);
  if (p !== undefined)
    return {
      ok: false,
      errors: toFieldErrors(
        form.root,
        [{ segments: p.path === '' ? [] : p.path.split('.'), code: p.code }],
        lang,
      ),
    };
  if (partial === null || typeof partial !== 'object' || Array.isArray(partial))
    return {
      ok: false,
      errors: toFieldErrors(form.root, [{ segments: [], code: 'FORM_ERR_NOT_OBJECT' }], lang),
    };
  return { ok: true, draft: partial as Record<string, unknown> };
}

/** Submits a saved draft: the same checks as any submission. */
export function submitDraft(
  form: CompiledForm,
  permissions: PermissionSource,
  previousData: Readonly<Record<string, unknown>> | undefined,
  draft: Readonly<Record<string, unknown>>,
  options: SubmissionOptions = {},
): SubmissionResult {
  return validateSubmission(form, permissions, previousData, draft, options);
}
