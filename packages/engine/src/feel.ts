/**
 * FEEL evaluation for the engine (feelin 8.x), with a per-source cache.
 *
 * Each distinct source is compiled once: the common simple shapes (`name`, `not(name)`,
 * `a.b = "x"`, `n >= 3`, …) get a direct evaluator that answers only when the run-time value has the
 * literal's type (where FEEL and JavaScript agree exactly) and otherwise defers to feelin; every
 * other source goes to feelin's `compileExpression` (added by the workspace patch
 * `patches/feelin@8.2.0.patch`), which parses once and evaluates many times. feelin's parser is
 * context-sensitive (a key such as `first-name` or `a b`, also nested in objects, changes the
 * parse), so a compiled tree is kept per (source, set of non-plain context keys). The direct
 * evaluators stay because they are about 45× faster than a compiled feelin call (0.15 µs against
 * 7 µs per expression, measured 2026-11-22). Property tests check that all paths agree with
 * feelin's `evaluate()`.
 */
import { compileExpression, evaluate as feelEvaluate } from 'feelin';
import type { Expr } from '@shidian/bpmn';
import { IncidentSignal, engineError } from './errors.js';
import type { Json } from './types.js';

type Context = Readonly<Record<string, Json>>;
/** `undefined` means: let feelin decide. */
type FastEval = (ctx: Context) => Json | undefined;

interface Compiled {
  readonly source: string;
  readonly fast?: FastEval;
}

type FeelFn = (ctx?: Record<string, unknown>) => { value: unknown; warnings: unknown[] };

const cache = new Map<string, Compiled>();
const CACHE_LIMIT = 10_000;
/** feelin-compiled trees by source (+ shape key); bounded, oldest first out. */
const trees = new Map<string, FeelFn>();
const TREES_LIMIT = 4096;
/** Object members inspected per context for the shape key; beyond it, plain `evaluate()` is used. */
const SHAPE_BUDGET = 4096;
const PLAIN_KEY = /^[\p{L}\p{N}_$?]+$/u;

/**
 * The context keys (in nested plain objects too, not inside lists) that are not plain names, which
 * change how feelin parses: `''` when there are none, `undefined` when the context is too large.
 */
function shapeKey(ctx: Context): string | undefined {
  let odd: string[] | undefined;
  let budget = SHAPE_BUDGET;
  // Paths, not bare keys: `first-name` at the top parses otherwise than `x.first-name`.
  const stack: { readonly o: object; readonly at: string }[] = [{ o: ctx, at: '' }];
  while (stack.length > 0) {
    const { o, at } = stack.pop()!;
    for (const k in o) {
      if (!Object.hasOwn(o, k)) continue;
      if (--budget < 0) return undefined;
      const path = at === '' ? k : `${at}\u0002${k}`;
      if (!PLAIN_KEY.test(k)) (odd ??= []).push(path);
      const v = (o as Record<string, unknown>)[k];
      if (v !== null && typeof v === 'object' && !Array.isArray(v)) {
        const proto = Object.getPrototypeOf(v) as unknown;
        if (proto === Object.prototype || proto === null) stack.push({ o: v, at: path });
      }
    }
  }
  return odd === undefined ? '' : odd.sort().join('\u0000');
}

/**
 * Evaluates with feelin, parsing each (source, context shape) once: the same value and warnings as
 * feelin's `evaluate(source, ctx)`, and the same throw on a syntax error. Raw feelin values (not JSON).
 *
 * @example
 * evaluateCompiled('count(claims) > 1', { claims: [1, 2] }).value // true
 */
export function evaluateCompiled(
  source: string,
  ctx: Context,
): { readonly value: unknown; readonly warnings: readonly unknown[] } {
  const vars = ctx as Record<string, unknown>;
  const shape = shapeKey(ctx);
  if (shape === undefined) return feelEvaluate(source, vars);
  const key = shape === '' ? source : `${source}\u0001${shape}`;
  let fn = trees.get(key);
  if (fn === undefined) {
    fn = compileExpression(source, vars);
    if (trees.size >= TREES_LIMIT) trees.delete(trees.keys().next().value as string);
    trees.set(key, fn);
  }
  return fn(vars);
}

const IDENT = String.raw`[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*(?:\.[A-Za-z_\u4e00-\u9fff][\w\u4e00-\u9fff]*)*`;
const LITERAL = String.raw`"[^"\\]*"|-?\d+(?:\.\d+)?|true|false`;
const COMPARISON = new RegExp(String.raw`^(${IDENT})\s*(=|!=|<=|>=|<|>)\s*(${LITERAL})$`);
const BARE = new RegExp(String.raw`^(${IDENT})$`);
const NOT = new RegExp(String.raw`^not\(\s*(${IDENT})\s*\)$`);
const RESERVED = new Set([
  'true',
  'false',
  'null',
  'not',
  'and',
  'or',
  'in',
  'between',
  'instance',
  'of',
  'if',
  'then',
  'else',
  'for',
  'return',
  'some',
  'every',
  'satisfies',
  'function',
]);

function lookup(ctx: Context, path: readonly string[]): Json | undefined {
  let value: Json | undefined = ctx as Json;
  for (const key of path) {
    if (value === null || typeof value !== 'object' || Array.isArray(value)) return undefined;
    if (!Object.prototype.hasOwnProperty.call(value, key)) return undefined;
    value = (value as Record<string, Json>)[key];
  }
  return value;
}

function isPrimitive(v: Json | undefined): v is string | number | boolean {
  return typeof v === 'string' || typeof v === 'number' || typeof v === 'boolean';
}

function compileFast(source: string): FastEval | undefined {
  const bare = BARE.exec(source);
  if (bare?.[1] !== undefined) {
    const path = bare[1].split('.');
    if (path.some((p) => RESERVED.has(p))) return undefined;
    return (ctx) => {
      const v = lookup(ctx, path);
      return isPrimitive(v) ? v : undefined;
    };
  }
  const not = NOT.exec(source);
  if (not?.[1] !== undefined) {
    const path = not[1].split('.');
    if (path.some((p) => RESERVED.has(p))) return undefined;
    return (ctx) => {
      const v = lookup(ctx, path);
      return typeof v === 'boolean' ? !v : undefined;
    };
  }
  const cmp = COMPARISON.exec(source);
  if (cmp?.[1] !== undefined && cmp[2] !== undefined && cmp[3] !== undefined) {
    const path = cmp[1].split('.');
    if (path.some((p) => RESERVED.has(p))) return undefined;
    const op = cmp[2];
    const raw = cmp[3];
    const literal: string | number | boolean = raw.startsWith('"')
      ? raw.slice(1, -1)
      : raw === 'true'
        ? true
        : raw === 'false'
          ? false
          : Number(raw);
    const ordered = op !== '=' && op !== '!=';
    if (ordered && typeof literal !== 'number') return undefined;
    return (ctx) => {
      const v = lookup(ctx, path);
      if (typeof v !== typeof literal) return undefined;
      switch (op) {
        case '=':
          return v === literal;
        case '!=':
          return v !== literal;
        case '<':
          return (v as number) < (literal as number);
        case '<=':
          return (v as number) <= (literal as number);
        case '>':
          return (v as number) > (literal as number);
        default:
          return (v as number) >= (literal as number);
      }
    };
  }
  return undefined;
}

function compile(source: string): Compiled {
  let compiled = cache.get(source);
  if (compiled === undefined) {
    const trimmed = source.trim();
    const fast = compileFast(trimmed);
    compiled = fast === undefined ? { source: trimmed } : { source: trimmed, fast };
    if (cache.size >= CACHE_LIMIT) cache.clear();
    cache.set(source, compiled);
  }
  return compiled;
}

/** Converts a feelin result to JSON (temporal values become their ISO text). */
export function toJson(value: unknown): Json {
  if (value === null || value === undefined) return null;
  if (typeof value === 'string' || typeof value === 'boolean') return value;
  if (typeof value === 'number') return Number.isFinite(value) ? value : null;
  if (Array.isArray(value)) return value.map(toJson);
  if (typeof value === 'object') {
    const proto = Object.getPrototypeOf(value) as unknown;
    if (proto === Object.prototype || proto === null) {
      const out: Record<string, Json> = {};
      for (const [k, v] of Object.entries(value as Record<string, unknown>)) out[k] = toJson(v);
      return out;
    }
    return String(value);
  }
  return null;
}

/** Strips the Zeebe `=` marker. */
function feelSource(expr: Expr): string {
  const s = expr.source.trim();
  return s.startsWith('=') ? s.slice(1) : s;
}

/** Evaluates FEEL with feelin's `evaluate()` only (no fast path, no compiled tree): the reference of the tests. */
export function evaluateWithFeelin(source: string, ctx: Context): Json {
  return toJson(feelEvaluate(source, ctx as Record<string, unknown>).value);
}

/** Evaluates FEEL source text against a context; throws `IncidentSignal` on a syntax or run-time error. */
export function evaluateFeel(source: string, ctx: Context): Json {
  const compiled = compile(source);
  if (compiled.fast !== undefined) {
    const v = compiled.fast(ctx);
    if (v !== undefined) return v;
  }
  try {
    return toJson(evaluateCompiled(compiled.source, ctx).value);
  } catch (e) {
    const message = e instanceof Error ? e.message : String(e);
    const syntax =
      (e instanceof Error && e.name === 'SyntaxError') ||
      (typeof e === 'object' && e !== null && 'position' in e);
    throw new IncidentSignal(
      engineError(syntax ? 'ENG_ERR_FEEL_SYNTAX' : 'ENG_ERR_FEEL_EVALUATION', { source }, message),
    );
  }
}

/**
 * Evaluates an expression of the graph: FEEL is evaluated, a literal is its text, anything else
 * (JUEL, JavaScript) is refused as an incident.
 */
export function evaluateExpr(expr: Expr, ctx: Context): Json {
  if (expr.kind === 'literal') return expr.source;
  if (expr.kind !== 'feel')
    throw new IncidentSignal(
      engineError('ENG_ERR_UNSUPPORTED_ELEMENT', { source: expr.source }, 'only FEEL expressions run'),
    );
  return evaluateFeel(feelSource(expr), ctx);
}

/** Evaluates a condition: anything but `true` / `false` (including `null`) is an incident. */
export function evaluateCondition(expr: Expr, ctx: Context): boolean {
  const v = evaluateExpr(expr, ctx);
  if (typeof v !== 'boolean') {
    throw new IncidentSignal(engineError('ENG_ERR_CONDITION_NOT_BOOLEAN', { source: expr.source, value: v }));
  }
  return v;
}
