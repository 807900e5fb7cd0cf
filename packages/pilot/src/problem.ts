/**
 * One finding of bundle validation: what is wrong (a stable code), where (file, element, line),
 * and a message in Chinese and English.
 */
import { pilotMessage, type LocalMessage, type PilotErrorCode } from './errors.js';

/** How bad a problem is: errors make a bundle invalid (and undeployable), warnings do not. */
export type ProblemSeverity = 'error' | 'warning';

/** A validation finding (plain JSON). */
export interface Problem {
  readonly code: PilotErrorCode;
  readonly severity: ProblemSeverity;
  /** Bundle-relative path (`forms/intake.schema.json`), `@shidian/…` for a platform file, or the manifest file. */
  readonly file: string;
  /**
   * What inside the file: a BPMN element id, a JSON pointer into the manifest (`/roles/2/id`),
   * a form field path, or a template placeholder.
   */
  readonly element?: string;
  readonly line?: number;
  readonly column?: number;
  /** The underlying code of another package (`BPMN_ERR_…`, `FORM_ERR_…`), when this problem wraps one. */
  readonly cause?: string;
  readonly message: LocalMessage;
}

/** Builds a problem. */
export function problem(
  code: PilotErrorCode,
  file: string,
  args: readonly string[] = [],
  where: {
    element?: string;
    line?: number;
    column?: number;
    cause?: string;
    severity?: ProblemSeverity;
  } = {},
): Problem {
  const p: Problem = {
    code,
    severity: where.severity ?? 'error',
    file,
    ...(where.element !== undefined ? { element: where.element } : {}),
    ...(where.line !== undefined ? { line: where.line } : {}),
    ...(where.column !== undefined ? { column: where.column } : {}),
    ...(where.cause !== undefined ? { cause: where.cause } : {}),
    message: pilotMessage(code, args),
  };
  return Object.freeze(p);
}

/** `file:line:col element CODE message` for terminals. */
export function formatProblem(p: Problem, lang: 'zh' | 'en' = 'zh'): string {
  const at = p.line !== undefined ? `:${p.line}${p.column !== undefined ? `:${p.column}` : ''}` : '';
  const el = p.element !== undefined ? ` [${p.element}]` : '';
  const cause = p.cause !== undefined ? ` (${p.cause})` : '';
  return `${p.file}${at}${el} ${p.severity === 'warning' ? 'warning' : 'error'} ${p.code}${cause} ${lang === 'en' ? p.message.en : p.message.zh}`;
}
