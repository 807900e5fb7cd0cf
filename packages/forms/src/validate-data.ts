/**
 * Validates a whole document with every field editable (intake, or `shidian form check` without a
 * task). Rules apply: hidden fields are cleared and not validated, computed fields are filled in.
 */
import type { CompiledForm } from './compile-form.js';
import { validateSubmission, type SubmissionOptions, type SubmissionResult } from './validate-submission.js';

const NO_PERMISSIONS: readonly never[] = [];

/**
 * @example
 * ```ts
 * const { valid, errors } = validateData(form, body, { lang: 'en' });
 * ```
 */
export function validateData(
  form: CompiledForm,
  data: unknown,
  options: SubmissionOptions = {},
): SubmissionResult {
  return validateSubmission(form, NO_PERMISSIONS, undefined, data, options);
}
