/**
 * Bounds on untrusted input, checked before anything else touches it. The walk stops at the depth
 * limit (default 32), so 10,000-deep nesting gives a coded error instead of a stack overflow, and at
 * the first limit passed, so a 10 MB string costs one length check.
 */
import { formError, type FormErrorCode } from './errors.js';

/** Keys that could pollute prototypes when data is merged or copied. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Limits for submitted data. */
export interface DataLimits {
  /** Deepest nesting of objects / arrays (default 32). */
  readonly maxDepth: number;
  /** Longest string, in UTF-16 code units (default 200,000 ≈ a 100-page letter). */
  readonly maxStringLength: number;
  /** Most values (objects, arrays, scalars) in one document (default 100,000). */
  readonly maxNodes: number;
}
/** Default data limits. */
export const DEFAULT_DATA_LIMITS: DataLimits = { maxDepth: 32, maxStringLength: 200_000, maxNodes: 100_000 };

/** Limits for schemas and form definitions. */
export interface SchemaLimits {
  readonly maxDepth: number;
  readonly maxNodes: number;
  readonly maxStringLength: number;
}
/** Default schema limits: 64 levels, 200,000 nodes, strings up to 100,000 characters. */
export const DEFAULT_SCHEMA_LIMITS: SchemaLimits = {
  maxDepth: 64,
  maxNodes: 200_000,
  maxStringLength: 100_000,
};

/** One problem found by {@link inspectData}: a code and the dotted path where it was found. */
export interface DataProblem {
  readonly code: FormErrorCode;
  readonly path: string;
}

/**
 * Checks a JSON value against the limits and for forbidden keys; returns the first problem or
 * `undefined`. Non-JSON values (functions, symbols, class instances other than plain objects/arrays)
 * are reported as `FORM_ERR_TYPE`.
 */
export function inspectData(
  value: unknown,
  limits: DataLimits = DEFAULT_DATA_LIMITS,
): DataProblem | undefined {
  // Recursive, but the depth limit stops it long before the stack could overflow; the path is
  // built only on the way back from a problem.
  const counter = { nodes: 0 };
  const found = walk(value, 0, limits, counter);
  if (found === undefined) return undefined;
  return { code: found.code, path: found.segments.reverse().join('.') };
}

function walk(
  v: unknown,
  depth: number,
  limits: DataLimits,
  counter: { nodes: number },
): { code: FormErrorCode; segments: string[] } | undefined {
  if (++counter.nodes > limits.maxNodes) return { code: 'FORM_ERR_DATA_TOO_LARGE', segments: [] };
  if (typeof v === 'string')
    return v.length > limits.maxStringLength ? { code: 'FORM_ERR_STRING_TOO_LONG', segments: [] } : undefined;
  if (v === null || v === undefined || typeof v === 'number' || typeof v === 'boolean') return undefined;
  if (typeof v !== 'object') return { code: 'FORM_ERR_TYPE', segments: [] };
  if (depth >= limits.maxDepth) return { code: 'FORM_ERR_DATA_TOO_DEEP', segments: [] };
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) {
      const r = walk(v[i], depth + 1, limits, counter);
      if (r !== undefined) {
        r.segments.push(String(i));
        return r;
      }
    }
    return undefined;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) return { code: 'FORM_ERR_TYPE', segments: [] };
  for (const k in v) {
    if (!Object.hasOwn(v, k)) continue;
    if (FORBIDDEN_KEYS.has(k)) return { code: 'FORM_ERR_FORBIDDEN_KEY', segments: [k] };
    const r = walk((v as Record<string, unknown>)[k], depth + 1, limits, counter);
    if (r !== undefined) {
      r.segments.push(k);
      return r;
    }
  }
  return undefined;
}

/**
 * Checks a schema or definition document; throws a `FormError` (`FORM_ERR_SCHEMA_TOO_DEEP`,
 * `FORM_ERR_SCHEMA_TOO_LARGE`, `FORM_ERR_FORBIDDEN_KEY`) at the first problem.
 * `where` names the document in the error details.
 */
export function assertSafeSchema(
  value: unknown,
  where: string,
  limits: SchemaLimits = DEFAULT_SCHEMA_LIMITS,
): void {
  const p = inspectData(value, {
    maxDepth: limits.maxDepth,
    maxNodes: limits.maxNodes,
    maxStringLength: limits.maxStringLength,
  });
  if (p === undefined) return;
  const code: FormErrorCode =
    p.code === 'FORM_ERR_DATA_TOO_DEEP'
      ? 'FORM_ERR_SCHEMA_TOO_DEEP'
      : p.code === 'FORM_ERR_DATA_TOO_LARGE' || p.code === 'FORM_ERR_STRING_TOO_LONG'
        ? 'FORM_ERR_SCHEMA_TOO_LARGE'
        : p.code === 'FORM_ERR_FORBIDDEN_KEY'
          ? 'FORM_ERR_FORBIDDEN_KEY'
          : 'FORM_ERR_DEFINITION_SHAPE';
  throw formError(code, { at: `${where}${p.path === '' ? '' : ':' + p.path}` });
}
