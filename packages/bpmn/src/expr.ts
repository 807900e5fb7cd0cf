/**
 * Classifying the expressions found in a model (FEEL, JUEL/JavaScript, or a literal) and checking
 * FEEL syntax with @bpmn-io/feel-lint (plus a few mistakes feel-lint accepts, such as `a == b`); simple
 * expressions are recognised by a fast path first (`feel-fast.ts`).
 */
import { lintExpression } from '@bpmn-io/feel-lint';
import { isSimpleFeel } from './feel-fast.js';
import type { Expr } from './graph.js';

const JUEL = /[$#]\{/;
const IDENT = /^[\p{L}_][\p{L}\p{N}_]*$/u;

/** A FEEL expression. */
export const feel = (source: string): Expr => ({ kind: 'feel', source });
/** A literal value. */
export const literal = (source: string): Expr => ({ kind: 'literal', source });
/** A JUEL / JavaScript expression (kept only so that lint can report it). */
export const juel = (source: string): Expr => ({ kind: 'juel', source });

/**
 * A value of a Camunda 8 style attribute: `=…` is FEEL, anything else is a literal, except that a
 * `${…}`/`#{…}` anywhere is JUEL.
 */
export function zeebeValue(value: string): Expr {
  if (JUEL.test(value)) return juel(value);
  const t = value.trim();
  return t.startsWith('=') ? feel(t.slice(1).trim()) : literal(value);
}

/**
 * A value of a Camunda 7 style attribute: `${…}`/`#{…}` is JUEL, `=…` is FEEL (our extension),
 * anything else a literal.
 */
export function camundaValue(value: string): Expr {
  return zeebeValue(value);
}

/**
 * A value that names a collection or variable (Camunda 7 `camunda:collection`): a bare identifier
 * is FEEL (a variable reference), `=…` is FEEL, `${…}` is JUEL, anything else a literal.
 */
export function variableValue(value: string): Expr {
  if (JUEL.test(value)) return juel(value);
  const t = value.trim();
  if (t.startsWith('=')) return feel(t.slice(1).trim());
  return IDENT.test(t) ? feel(t) : literal(value);
}

const SCRIPT_LANGUAGES = /javascript|ecmascript|js|groovy|python|jython|ruby|juel|java|nashorn|graal/i;

/**
 * The body of a `<conditionExpression>` / `<completionCondition>` / `<condition>` etc.: FEEL unless it is
 * JUEL (`${…}`) or written in a script language (`language="javascript"`). A leading `=` is dropped.
 */
export function bodyExpr(body: string, language: string | undefined): Expr {
  const t = body.trim();
  if (JUEL.test(t)) return juel(t);
  if (language !== undefined && SCRIPT_LANGUAGES.test(language) && !/feel/i.test(language)) return juel(t);
  return feel(t.startsWith('=') ? t.slice(1).trim() : t);
}

const lintCache = new Map<string, string | null>();
const LINT_CACHE_MAX = 5000;

/**
 * The first FEEL syntax problem of `source`, or null when it parses. Results are cached.
 *
 * @example
 * ```ts
 * feelSyntaxError('a > 1');   // null
 * feelSyntaxError('a == 1');  // 'FEEL compares with =, not =='
 * ```
 */
export function feelSyntaxError(source: string): string | null {
  const hit = lintCache.get(source);
  if (hit !== undefined) return hit;
  const result = check(source);
  if (lintCache.size >= LINT_CACHE_MAX) lintCache.clear();
  lintCache.set(source, result);
  return result;
}

function check(source: string): string | null {
  // Most expressions of a model are simple: recognised without the full parser. The subset has no
  // `==`, `===`, `!==`, `&&` or `||` and is never empty, so the checks below could not fire for it.
  if (isSimpleFeel(source)) return null;
  if (source.trim() === '') return 'empty expression';
  const outside = source.replace(/"(?:[^"\\]|\\.)*"/g, '""');
  if (/===?|!==/.test(outside)) return 'FEEL compares with =, not == (and != for not equal)';
  if (/&&|\|\|/.test(outside)) return 'FEEL uses and / or, not && / ||';
  try {
    const messages = lintExpression(source);
    const err = messages.find((m) => m.severity === 'error');
    return err === undefined ? null : `${err.message} at ${err.from}`;
  } catch (e) {
    return e instanceof Error ? e.message : String(e);
  }
}
