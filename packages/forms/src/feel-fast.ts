/**
 * A small subset of FEEL evaluated directly in JavaScript, for the rule conditions forms use most
 * (`collective = true`, `item.kind = "申诉" or item.kind = "求决"`, `count(claims)`): literals
 * (strings without escapes, numbers, booleans, `null`), names and dotted paths, `=` `!=` `<` `<=` `>`
 * `>=`, `and`, `or`, `not(…)`, `count(…)` and parentheses.
 *
 * It is a fast path of feelin, never a second interpretation: for each input it either returns exactly
 * the value feelin returns, or {@link FALLBACK} and the caller evaluates with feelin. It answers only
 * where FEEL's result is plain: comparisons of two values of the same primitive type or with `null`
 * (a missing name or member reads as `null`, as in feelin), three-valued `and` / `or` / `not` over
 * booleans and `null`, `count` of a list. Everything else (type mismatches, lists met on a path,
 * contexts whose keys would change feelin's context-sensitive parse, names shadowing `count` / `not`)
 * falls back. `feel-fast.test.ts` compares it with feelin on random inputs.
 */
import { parseExpression } from 'feelin';

/** Returned when the fast path does not answer (evaluate with feelin). */
export const FALLBACK: unique symbol = Symbol('fallback');

/**
 * A compiled expression: the value, or {@link FALLBACK}. `item` / `index`: those of the rule instance
 * (`undefined` outside a list), `doc`: the document, `extra`: further names (`role`).
 */
export type FastFeel = (
  item: unknown,
  index: number | undefined,
  doc: Readonly<Record<string, unknown>>,
  extra: Readonly<Record<string, unknown>>,
  /** The caller checked that every plain object of `doc`, `extra` and `item` has only plain keys. */
  vetted?: boolean,
) => unknown;

type Node = {
  readonly name: string;
  readonly from: number;
  readonly to: number;
  readonly firstChild: Node | null;
  readonly nextSibling: Node | null;
};

const PLAIN = /^[\p{L}\p{N}_$?]+$/u;
const IDENT = /^[A-Za-z_$][\w$]*$/;
const NUMBER = /^-?\d+(?:\.\d+)?$/;
const SHAPE_BUDGET = 4096;
/** Keys already found plain (keys from `JSON.parse` are interned, so this is a cheap look-up). */
const plainKeys = new Set<string>();

/** True for a key feelin's parser reads as a plain name (see feel-cache.ts); remembered. */
export function isPlainKey(k: string): boolean {
  if (plainKeys.has(k)) return true;
  if (!PLAIN.test(k)) return false;
  if (plainKeys.size >= 8192) plainKeys.clear();
  plainKeys.add(k);
  return true;
}

/** Children of a syntax node. */
function kids(n: Node): Node[] {
  const out: Node[] = [];
  for (let c = n.firstChild; c !== null; c = c.nextSibling) out.push(c);
  return out;
}

/** The names the helpers of an emitted expression are called by (see {@link FEEL_HELPERS}). */
export const FEEL_HELPER_NAMES = [
  'shapeOk',
  'get',
  'norm',
  'eq',
  'ne',
  'lt',
  'le',
  'gt',
  'ge',
  'or',
  'and',
  'not',
  'count',
] as const;

/**
 * An expression of the subset as JavaScript statements, for embedding in generated code: `lines`
 * compute the value into `result` (a `const` declared by them) and run `fallback` (a statement, e.g.
 * `return FALLBACK;`) wherever the fast path does not answer, including when the value itself is not
 * plain. The code reads the names `item`, `index`, `doc`, `extra`, `vetted` from its scope (as given
 * in `scope`), the helpers by {@link FEEL_HELPER_NAMES}, and `hasOwn`; `prefix` makes its own locals
 * unique. `undefined` when the source uses anything outside the subset.
 */
export interface EmittedFeel {
  readonly lines: readonly string[];
  readonly result: string;
}

/** Names an emitted expression reads its context from. */
export interface FeelScope {
  readonly item: string;
  readonly index: string;
  readonly doc: string;
  readonly extra: string;
  readonly vetted: string;
  /**
   * When given: the only names `extra` can hold. Other names are then read from `doc` directly
   * (`doc[k]`, for keys no prototype provides), which equals the own-key look-up for plain objects.
   */
  readonly extraNames?: readonly string[];
}

const FN_SCOPE: FeelScope = { item: 'item', index: 'index', doc: 'doc', extra: 'extra', vetted: 'vetted' };

/** See {@link EmittedFeel}. */
export function emitFastFeel(
  source: string,
  reads: readonly string[],
  scope: FeelScope,
  prefix: string,
  fallback: string,
): EmittedFeel | undefined {
  let tree: { topNode: Node };
  try {
    tree = parseExpression(source, {}, undefined) as unknown as { topNode: Node };
  } catch {
    return undefined;
  }
  const text = (n: Node): string => source.slice(n.from, n.to);
  const vars = new Map<string, string>();
  const pathLocals = new Map<string, string>();
  const pathLines: string[] = [];
  const emit = (n: Node): string | undefined => {
    const cs = kids(n);
    switch (n.name) {
      case 'Expression':
      case 'ParenthesizedExpression': {
        const inner = cs.filter((c) => c.name !== '(' && c.name !== ')');
        return inner.length === 1 ? emit(inner[0]!) : undefined;
      }
      case 'BooleanLiteral': {
        const t = text(n);
        return t === 'true' || t === 'false' ? t : undefined;
      }
      case 'null':
        return 'null';
      case 'StringLiteral': {
        const t = text(n);
        if (t.length < 2 || !t.startsWith('"') || !t.endsWith('"') || /[\\"]/.test(t.slice(1, -1)))
          return undefined;
        return JSON.stringify(t.slice(1, -1));
      }
      case 'NumericLiteral': {
        const t = text(n).replace(/\s+/g, '');
        if (!NUMBER.test(t)) return undefined;
        const v = Number(t);
        return Number.isFinite(v) ? `(${JSON.stringify(v)})` : undefined;
      }
      case 'VariableName':
      case 'PathExpression': {
        const path = text(n).split('.');
        if (!path.every((s) => IDENT.test(s) && !(s in Object.prototype))) return undefined;
        const [first, ...rest] = path as [string, ...string[]];
        if (!reads.includes(first)) return undefined;
        let v = vars.get(first);
        if (v === undefined) vars.set(first, (v = `${prefix}v${vars.size}`));
        let code = v;
        for (const k of rest) code = `get(${code}, ${JSON.stringify(k)})`;
        // Each path is read once, into a local (the reads are pure and never throw).
        const key = path.join('.');
        let local = pathLocals.get(key);
        if (local === undefined) {
          local = `${prefix}p${pathLocals.size}`;
          pathLocals.set(key, local);
          pathLines.push(`const ${local} = norm(${code});`);
        }
        return local;
      }
      case 'Comparison': {
        if (cs.length !== 3 || cs[1]!.name !== 'CompareOp') return undefined;
        const a = emit(cs[0]!);
        const b = emit(cs[2]!);
        const op = COMPARE[text(cs[1]!)];
        if (a === undefined || b === undefined || op === undefined) return undefined;
        // A path compared with a string, boolean or number literal: `eq` / `ne` in place (the value
        // of the same type compared, `null` unequal, anything else falls back).
        const lit = (c: Node): string | undefined =>
          c.name === 'StringLiteral'
            ? 'string'
            : c.name === 'BooleanLiteral'
              ? 'boolean'
              : c.name === 'NumericLiteral'
                ? 'number'
                : undefined;
        const isPath = (c: Node): boolean => c.name === 'VariableName' || c.name === 'PathExpression';
        if (op === 'eq' || op === 'ne') {
          const [x, l, type] =
            isPath(cs[0]!) && lit(cs[2]!) !== undefined
              ? [a, b, lit(cs[2]!)!]
              : isPath(cs[2]!) && lit(cs[0]!) !== undefined
                ? [b, a, lit(cs[0]!)!]
                : [undefined, undefined, undefined];
          if (x !== undefined)
            return op === 'eq'
              ? `(typeof ${x} === '${type}' ? ${x} === ${l} : ${x} === null ? false : FALLBACK)`
              : `(typeof ${x} === '${type}' ? ${x} !== ${l} : ${x} === null ? true : FALLBACK)`;
        }
        return `${op}(${a}, ${b})`;
      }
      case 'Disjunction':
      case 'Conjunction': {
        const ops = cs.filter((c) => c.name !== 'or' && c.name !== 'and');
        if (ops.length !== 2 || cs.length !== 3) return undefined;
        const a = emit(ops[0]!);
        const b = emit(ops[1]!);
        if (a === undefined || b === undefined) return undefined;
        return `${n.name === 'Disjunction' ? 'or' : 'and'}(${a}, ${b})`;
      }
      case 'FunctionInvocation': {
        if (cs.length !== 4 || cs[0]!.name !== 'VariableName' || cs[2]!.name !== 'PositionalParameters')
          return undefined;
        const fname = text(cs[0]!);
        const params = kids(cs[2]!).filter((c) => c.name !== ',');
        if (params.length !== 1 || (fname !== 'not' && fname !== 'count')) return undefined;
        const arg = emit(params[0]!);
        return arg === undefined ? undefined : `${fname}(${arg})`;
      }
      default:
        return undefined;
    }
  };
  const body = emit(tree.topNode);
  if (body === undefined) return undefined;
  const { item, index, doc, extra, vetted, extraNames } = scope;
  const direct = (name: string): boolean =>
    extraNames !== undefined && !extraNames.includes(name) && !(name in Object.prototype);
  const lookup = (name: string): string => {
    const k = JSON.stringify(name);
    return direct(name)
      ? `${doc}[${k}]`
      : `hasOwn(${doc}, ${k}) ? ${doc}[${k}] : hasOwn(${extra}, ${k}) ? ${extra}[${k}] : undefined`;
  };
  const lines: string[] = [];
  // Names that shadow a built-in function: feelin would call the value. (`in` also sees inherited
  // members: only more fallbacks.)
  for (const s of reads)
    if (s === 'count' || s === 'not')
      lines.push(
        direct(s)
          ? `if (${JSON.stringify(s)} in ${doc}) ${fallback}`
          : `if (hasOwn(${doc}, ${JSON.stringify(s)}) || hasOwn(${extra}, ${JSON.stringify(s)})) ${fallback}`,
      );
  for (const [name, v] of vars) {
    lines.push(
      name === 'item'
        ? `const ${v} = ${item} ?? null;`
        : name === 'index'
          ? `const ${v} = ${index} ?? null;`
          : `const ${v} = ${lookup(name)};`,
    );
  }
  // Every read name is in feelin's context: one whose value would change its parse falls back.
  let x = 0;
  for (const name of reads) {
    let v = vars.get(name);
    if (v === undefined) {
      v = `${prefix}x${x++}`;
      lines.push(
        name === 'item'
          ? `const ${v} = ${item};`
          : name === 'index'
            ? `const ${v} = undefined;`
            : `const ${v} = ${lookup(name)};`,
      );
    }
    lines.push(
      `if (${vetted} !== true && typeof ${v} === 'object' && ${v} !== null && !shapeOk(${v})) ${fallback}`,
    );
  }
  const result = `${prefix}r`;
  lines.push(...pathLines);
  lines.push(
    `const ${result} = ${body};`,
    `if (${result} === FALLBACK || Array.isArray(${result})) ${fallback}`,
  );
  return { lines, result };
}

/** The helpers of {@link FEEL_HELPER_NAMES}, in that order. */
export function feelHelpers(): readonly unknown[] {
  return [shapeOk, get, norm, eq, ne, lt, le, gt, ge, or, and, not, count];
}

/**
 * Compiles `source` (already checked by `compileExpr`) to the fast path: generated JavaScript (with
 * `new Function`; literals are embedded only through `JSON.stringify`). `undefined` when the source
 * uses anything outside the subset. `reads`: the top-level names it reads.
 */
export function compileFastFeel(source: string, reads: readonly string[]): FastFeel | undefined {
  const e = emitFastFeel(source, reads, FN_SCOPE, '', 'return FALLBACK;');
  if (e === undefined) return undefined;
  const lines = [
    "'use strict';",
    'return function feel(item, index, doc, extra, vetted) {',
    ...e.lines,
    `return ${e.result};`,
    '};',
  ];
  const factory = new Function('FALLBACK', 'hasOwn', ...FEEL_HELPER_NAMES, lines.join('\n')) as (
    ...a: unknown[]
  ) => FastFeel;
  return factory(FALLBACK, Object.hasOwn, ...feelHelpers());
}

const COMPARE: Readonly<Record<string, string>> = {
  '=': 'eq',
  '!=': 'ne',
  '<': 'lt',
  '<=': 'le',
  '>': 'gt',
  '>=': 'ge',
};

function isPlainObject(v: unknown): v is Record<string, unknown> {
  if (v === null || typeof v !== 'object' || Array.isArray(v)) return false;
  const proto = Object.getPrototypeOf(v) as unknown;
  return proto === Object.prototype || proto === null;
}

/**
 * True when a context value has only plain keys in its nested plain objects (feel-cache's `shapeKey`
 * finds none), within the same budget of keys.
 */
function shapeOk(v: unknown): boolean {
  if (!isPlainObject(v)) return true;
  budget = SHAPE_BUDGET;
  return plainShape(v);
}
let budget = SHAPE_BUDGET;

function plainShape(o: Record<string, unknown>): boolean {
  // Inherited keys (only if something enumerable was added to `Object.prototype`) are checked too:
  // that can only make the fast path fall back more often.
  for (const k in o) {
    if (--budget < 0) return false;
    if (!isPlainKey(k)) return false;
    const x = o[k];
    if (typeof x === 'object' && x !== null && isPlainObject(x) && !plainShape(x)) return false;
  }
  return true;
}

/** One member step of a path: `null` through missing values and scalars, as feelin. */
function get(v: unknown, k: string): unknown {
  if (v === FALLBACK) return FALLBACK;
  if (v === null || v === undefined) return null;
  const t = typeof v;
  if (t === 'string' || t === 'number' || t === 'boolean') return null;
  if (!isPlainObject(v)) return FALLBACK; // lists (FEEL maps the path over them) and the rest
  return Object.hasOwn(v, k) ? v[k] : null;
}

/** The value a path reads: JSON scalars and lists pass, anything else falls back. */
function norm(v: unknown): unknown {
  if (v === undefined) return null;
  if (v === null || v === FALLBACK || typeof v === 'string' || typeof v === 'boolean') return v;
  if (typeof v === 'number') return Number.isFinite(v) ? v : FALLBACK;
  if (Array.isArray(v)) return v; // only `count` takes a list; the rest falls back on it
  return FALLBACK;
}

function equal(x: unknown, y: unknown): boolean | typeof FALLBACK {
  if (x === FALLBACK || y === FALLBACK || Array.isArray(x) || Array.isArray(y)) return FALLBACK;
  if (x === null || y === null) return x === y;
  const t = typeof x;
  if (t !== typeof y || (t !== 'string' && t !== 'number' && t !== 'boolean')) return FALLBACK;
  return x === y;
}
function eq(x: unknown, y: unknown): unknown {
  return equal(x, y);
}
function ne(x: unknown, y: unknown): unknown {
  const r = equal(x, y);
  return r === FALLBACK ? r : !r;
}
function lt(x: unknown, y: unknown): unknown {
  return typeof x === 'number' && typeof y === 'number' ? x < y : FALLBACK;
}
function le(x: unknown, y: unknown): unknown {
  return typeof x === 'number' && typeof y === 'number' ? x <= y : FALLBACK;
}
function gt(x: unknown, y: unknown): unknown {
  return typeof x === 'number' && typeof y === 'number' ? x > y : FALLBACK;
}
function ge(x: unknown, y: unknown): unknown {
  return typeof x === 'number' && typeof y === 'number' ? x >= y : FALLBACK;
}

function or(x: unknown, y: unknown): unknown {
  if (!isTruth(x) || !isTruth(y)) return FALLBACK;
  if (x === true || y === true) return true;
  return x === false && y === false ? false : null;
}
function and(x: unknown, y: unknown): unknown {
  if (!isTruth(x) || !isTruth(y)) return FALLBACK;
  if (x === false || y === false) return false;
  return x === true && y === true ? true : null;
}
function not(x: unknown): unknown {
  if (!isTruth(x)) return FALLBACK;
  return x === null ? null : !x;
}
function count(x: unknown): unknown {
  return Array.isArray(x) ? x.length : FALLBACK;
}
/** A three-valued operand: `true`, `false` or `null`. */
function isTruth(v: unknown): v is boolean | null {
  return v === true || v === false || v === null;
}
