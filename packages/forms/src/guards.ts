/**
 * Bounds on untrusted input, checked before anything else touches it. The walk stops at the depth
 * limit (default 32), so 10,000-deep nesting gives a coded error instead of a stack overflow, and at
 * the first limit passed, so a 10 MB string costs one length check.
 */
import { formError, type FormErrorCode } from './errors.js';

/** Keys that could pollute prototypes when data is merged or copied. */
export const FORBIDDEN_KEYS: ReadonlySet<string> = new Set(['__proto__', 'constructor', 'prototype']);

/** Same as `FORBIDDEN_KEYS.has(k)`, without a hash lookup. */
export function isForbiddenKey(k: string): boolean {
  return k === '__proto__' || k === 'constructor' || k === 'prototype';
}

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
  // Recursive, but the depth limit stops it long before the stack could overflow. The clean path
  // allocates nothing; the path of a problem is collected on the way back.
  const w = new Walk(limits);
  const code = w.walk(value, 0);
  if (code === OK) return undefined;
  return { code: CODES[code]!, path: w.segments.reverse().join('.') };
}

/** `Walk.walk` result for a clean value. */
export const OK = 0;
const CODES: readonly FormErrorCode[] = [
  'FORM_ERR_TYPE', // unused slot for OK
  'FORM_ERR_DATA_TOO_LARGE',
  'FORM_ERR_STRING_TOO_LONG',
  'FORM_ERR_TYPE',
  'FORM_ERR_DATA_TOO_DEEP',
  'FORM_ERR_FORBIDDEN_KEY',
];

/**
 * The walk behind {@link inspectData}, reusable by a single-pass caller (the submission merge walks
 * the parts of a document it keeps with it and counts the nodes it compares in `nodes`). Internal.
 */
export class Walk {
  nodes = 0;
  readonly segments: string[] = [];
  readonly maxNodes: number;
  readonly maxDepth: number;
  readonly maxString: number;
  constructor(limits: DataLimits) {
    this.maxNodes = limits.maxNodes;
    this.maxDepth = limits.maxDepth;
    this.maxString = limits.maxStringLength;
  }

  /** 0 when clean, else an index into `CODES`. */
  walk(v: unknown, depth: number): number {
    if (++this.nodes > this.maxNodes) return 1;
    const t = typeof v;
    if (t === 'string') return (v as string).length > this.maxString ? 2 : OK;
    if (t === 'number' || t === 'boolean' || v === null || v === undefined) return OK;
    if (t !== 'object') return 3;
    if (depth >= this.maxDepth) return 4;
    if (Array.isArray(v)) {
      for (let i = 0; i < v.length; i++) {
        const r = this.walk(v[i], depth + 1);
        if (r !== OK) {
          this.segments.push(String(i));
          return r;
        }
      }
      return OK;
    }
    const proto = Object.getPrototypeOf(v) as unknown;
    if (proto !== Object.prototype && proto !== null) return 3;
    const keys = Object.keys(v as object);
    for (let i = 0; i < keys.length; i++) {
      const k = keys[i]!;
      if (isForbiddenKey(k)) {
        this.segments.push(k);
        return 5;
      }
      const r = this.walk((v as Record<string, unknown>)[k], depth + 1);
      if (r !== OK) {
        this.segments.push(k);
        return r;
      }
    }
    return OK;
  }
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
