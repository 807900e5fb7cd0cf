/**
 * The submission merge of one form under one permission overlay, generated as straight-line
 * JavaScript (with `new Function`, as ajv does for validators): one small function per field of the
 * merge tree, the field's mode, kind, depth, key and summaries folded in as constants, so merging
 * looks nothing up by path and walks no generic field tree.
 *
 * The generated merge is a fast path of the interpreted merge in `validate-submission.ts`: it either
 * returns exactly what that merge returns (the merged document and the same problems in the same
 * order) or gives up ({@link BAIL}), and the caller then runs the interpreted merge. It gives up on
 * everything uncommon: a passed safety limit, a forbidden key, a value that is not plain JSON, a write
 * to a read-only or hidden field (which the interpreted merge locates and reports). The only problem
 * it reports itself is `FORM_ERR_APPEND_ONLY`. Node counting, depth, string length and the object
 * checks follow the interpreted merge step by step, so "no limit passed here" means "none passed
 * there" (`submission-plan.test.ts` compares both on random and hostile submissions).
 *
 * Keys are embedded only as `JSON.stringify` literals; function names are generated (`m0`, `m1`, …).
 */
import type { SensitiveKind } from './definition.js';
import type { FormErrorCode } from './errors.js';
import type { RawProblem } from './field-errors.js';
import type { DataLimits } from './guards.js';
import { isPlainKey } from './feel-fast.js';
import { maskValue } from './mask.js';
import type { MergeNode } from './submission-plan.js';

/** Returned by a generated merge that gave up (the interpreted merge then runs). */
export const BAIL: unique symbol = Symbol('bail');

/** A generated merge of one overlay. */
export interface GeneratedMerge {
  /** The merged document, or {@link BAIL}. Problems are pushed to `problems`. */
  run(prev: unknown, sub: unknown, problems: RawProblem[]): unknown;
  /**
   * After `run`: false when every plain object of the merged document has only plain keys (names
   * feelin's parser treats as names), checked on the way; true when some part was not checked or a
   * key is not plain. The rules use it to skip their own check of the values they read.
   */
  readonly unvetted: boolean;
}

/** Mutable state shared by the generated functions and the helpers (one per generated merge). */
class State {
  n = 0;
  problems: RawProblem[] = [];
  /** See {@link GeneratedMerge.unvetted}. */
  odd = false;
  constructor(
    readonly maxNodes: number,
    readonly maxDepth: number,
    readonly maxString: number,
  ) {}
}

/** Thrown inside the generated code to give up; never escapes it. */
const GIVE_UP = { bail: true };

/**
 * Walks a kept value under the limits (as `Walk.walk`), counting its nodes; gives up on any
 * problem instead of locating it.
 */
function walk(st: State, v: unknown, depth: number): void {
  if (++st.n > st.maxNodes) throw GIVE_UP;
  switch (typeof v) {
    case 'string':
      if (v.length > st.maxString) throw GIVE_UP;
      return;
    case 'number':
    case 'boolean':
    case 'undefined':
      return;
    case 'object':
      break;
    default:
      throw GIVE_UP;
  }
  if (v === null) return;
  if (depth >= st.maxDepth) throw GIVE_UP;
  if (Array.isArray(v)) {
    for (let i = 0; i < v.length; i++) walk(st, v[i], depth + 1);
    return;
  }
  const proto = Object.getPrototypeOf(v) as unknown;
  if (proto !== Object.prototype && proto !== null) throw GIVE_UP;
  st.odd = true; // an object kept as sent: its keys are not checked here (the rules check them)
  const keys = Object.keys(v);
  for (let i = 0; i < keys.length; i++) {
    const k = keys[i]!;
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw GIVE_UP;
    walk(st, (v as Record<string, unknown>)[k], depth + 1);
  }
}

/** The interpreted merge's `same`: deep equality that applies the limits to `b`; gives up where it trips. */
function same(st: State, a: unknown, b: unknown, depth: number): boolean {
  if (++st.n > st.maxNodes) throw GIVE_UP;
  switch (typeof b) {
    case 'string':
      if (b.length > st.maxString) throw GIVE_UP;
      return a === b;
    case 'number':
    case 'boolean':
    case 'undefined':
      return a === b;
    case 'object':
      break;
    default:
      throw GIVE_UP;
  }
  if (b === null) return a === null;
  if (depth >= st.maxDepth) throw GIVE_UP;
  if (Array.isArray(b)) {
    if (!Array.isArray(a) || a.length !== b.length) return false;
    for (let i = 0; i < b.length; i++) if (!same(st, a[i], b[i], depth + 1)) return false;
    return true;
  }
  const proto = Object.getPrototypeOf(b) as unknown;
  if (proto !== Object.prototype && proto !== null) throw GIVE_UP;
  if (typeof a !== 'object' || a === null || Array.isArray(a)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw GIVE_UP;
    if (!isPlainKey(k)) st.odd = true;
    if (!Object.hasOwn(b, k)) return false;
    if (!same(st, (a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k], depth + 1))
      return false;
  }
  return true;
}

/** `unchanged` of the interpreted merge (equal, or equal to the masked previous value). */
function unchanged(
  st: State,
  masked: boolean,
  sensitive: SensitiveKind | undefined,
  p: unknown,
  s: unknown,
  depth: number,
): boolean {
  const mark = st.n;
  if (same(st, p, s, depth)) return true;
  st.n = mark;
  if (masked && sensitive !== undefined && p !== undefined) {
    if (same(st, maskValue(p, sensitive), s, depth)) {
      if (typeof p === 'object' && p !== null) st.odd = true; // the stored value was not walked
      return true;
    }
    st.n = mark;
  }
  return false;
}

/** Structural equality of JSON values (own enumerable keys, any order), as `deepEqual` of validate-submission.ts. */
export function deepEqual(a: unknown, b: unknown): boolean {
  if (a === b) return true;
  if (typeof a !== 'object' || typeof b !== 'object' || a === null || b === null) return false;
  if (Array.isArray(a)) {
    if (!Array.isArray(b) || a.length !== b.length) return false;
    for (let i = 0; i < a.length; i++) if (!deepEqual(a[i], b[i])) return false;
    return true;
  }
  if (Array.isArray(b)) return false;
  const ka = Object.keys(a);
  if (ka.length !== Object.keys(b).length) return false;
  for (let i = 0; i < ka.length; i++) {
    const k = ka[i]!;
    if (!Object.hasOwn(b, k)) return false;
    if (!deepEqual((a as Record<string, unknown>)[k], (b as Record<string, unknown>)[k])) return false;
  }
  return true;
}

/** Append-only check of the interpreted merge. */
function extends_(prev: unknown, sub: unknown): boolean {
  if (prev === undefined || prev === null) return true;
  if (typeof prev === 'string') return typeof sub === 'string' && sub.startsWith(prev);
  if (Array.isArray(prev)) {
    if (!Array.isArray(sub) || sub.length < prev.length) return false;
    for (let i = 0; i < prev.length; i++) if (!deepEqual(prev[i], sub[i])) return false;
    return true;
  }
  return deepEqual(prev, sub);
}

const EMPTY: Readonly<Record<string, unknown>> = Object.freeze({});
const NONE: readonly unknown[] = Object.freeze([]);

/** A JavaScript string literal of `s` (JSON is a subset of JavaScript since ES2019). */
const lit = (s: string): string => JSON.stringify(s);

/**
 * The functions of the merge of a merge tree (see {@link generateMerge}). `masked`: whether the
 * submitter saw sensitive values masked (a separate function for each, so the flag folds away).
 */
export function emitMerge(root: MergeNode, limits: DataLimits, masked: boolean): MergeSource {
  const fns: string[] = [];
  const sensitives: (SensitiveKind | undefined)[] = [];
  let ids = 0;

  /**
   * Emits the function of node `n` at `depth`; `at` is the data path as JavaScript expressions
   * (string literals and the index variables of the enclosing arrays), `idx` those variables.
   */
  const emit = (n: MergeNode, depth: number, at: readonly string[], idx: readonly string[]): string => {
    const name = `m${ids++}`;
    const params = ['p', 's', ...idx].join(', ');
    const b: string[] = [];
    const sens = sensitives.length;
    sensitives.push(n.sensitive);
    const unch = `unchanged(st, ${masked}, SENS[${sens}], p, s, ${depth})`;
    const keep = `walk(st, s, ${depth}); return s;`;
    if (n.allEdit) {
      if (!masked || !n.sensitiveBelow) {
        b.push(`if (s !== undefined) ${check(n, depth)}(s); return s;`);
        fns.push(`function ${name}(${params}) {\n${b.join('\n')}\n}`);
        return name;
      }
      b.push(`if (p === undefined) { if (s !== undefined) ${check(n, depth)}(s); return s; }`);
    }
    b.push(
      n.editable && n.mode !== 'append'
        ? 'if (s === undefined) return undefined;'
        : "if (s === undefined) { if (typeof p === 'object' && p !== null) st.odd = true; return p; }",
    );
    if (!n.writableBelow) {
      // Read-only or hidden throughout: unchanged, or a write the interpreted merge reports.
      b.push(`if (${unch}) return p;`);
      if (!(masked && n.sensitiveBelow && (n.kind === 'object' || n.kind === 'array'))) {
        b.push('throw GIVE_UP;');
        fns.push(`function ${name}(${params}) {\n${b.join('\n')}\n}`);
        return name;
      }
      // Masked values below: descend as the interpreted merge does (each member unchanged or masked).
    }
    if (n.mode === 'append') {
      b.push(
        'if (!extends_(p, s)) {',
        `  st.problems.push({ segments: [${at.join(', ')}], code: ${lit('FORM_ERR_APPEND_ONLY' satisfies FormErrorCode)} });`,
        `  walk(st, s, ${depth});`,
        "  if (typeof p === 'object' && p !== null) st.odd = true;",
        '  return p;',
        '}',
        keep,
      );
      fns.push(`function ${name}(${params}) {\n${b.join('\n')}\n}`);
      return name;
    }
    if (n.kind === 'object') {
      const kids = n.children.map((c) => ({
        c,
        fn: emit(c, depth + 1, [...at, lit(c.field.key)], idx),
      }));
      b.push(
        "if (s !== null && typeof s === 'object' && !Array.isArray(s)) {",
        '  if (++st.n > st.maxNodes) throw GIVE_UP;',
        depth >= limits.maxDepth ? '  throw GIVE_UP;' : '',
        '  const pr = Object.getPrototypeOf(s);',
        '  if (pr !== OBJECT_PROTO && pr !== null) throw GIVE_UP;',
        "  const q = p !== null && typeof p === 'object' && !Array.isArray(p) ? p : EMPTY;",
        '  const o = {};',
        '  let sc, pc, v, mk, sk = 0, qk = 0;',
      );
      for (const { c, fn } of kids) {
        const k = lit(c.field.key);
        const rest = idx.map((x) => ', ' + x).join('');
        b.push(
          c.protoKey
            ? `  sc = hasOwn(s, ${k}) ? s[${k}] : undefined; pc = hasOwn(q, ${k}) ? q[${k}] : undefined;`
            : `  sc = s[${k}]; pc = q[${k}];`,
          '  if (pc !== undefined) qk++;',
          // A member present as `undefined` gives up. `in` (cached per object shape) equals the own-key
          // test for keys no prototype provides; were one added to `Object.prototype`, it only gives up more.
          `  if (sc === undefined) { if (${c.protoKey ? `hasOwn(s, ${k})` : `${k} in s`}) throw GIVE_UP; v = ${fn}(pc, undefined${rest}); }`,
        );
        if (!c.writableBelow && !c.allEdit && (!masked || !c.sensitiveBelow))
          // Read-only throughout, no masked value possible: equal, or give up (a write or an omission).
          b.push(
            `  else if (pc !== undefined) { sk++; ${compareAt(c, depth + 1, 'pc', 'sc')} v = pc; }`,
            `  else { sk++; v = ${fn}(pc, sc${rest}); }`,
          );
        else if (!c.writableBelow && !c.allEdit)
          b.push(
            `  else if (sk++, pc !== undefined && (mk = st.n, same(st, pc, sc, ${depth + 1}))) v = pc;`,
            `  else { if (pc !== undefined) st.n = mk; v = ${fn}(pc, sc${rest}); }`,
          );
        else b.push(`  else { sk++; v = ${fn}(pc, sc${rest}); }`);
        b.push(`  if (v !== undefined) o[${k}] = v;`);
      }
      const known = n.children.map((c) => `case ${lit(c.field.key)}:`).join(' ');
      // Keys other than the fields' (counted without allocating): forbidden keys, unknown members.
      b.push(
        '  if (keyCount(s) !== sk) {',
        '    st.odd = true;',
        '    const ks = Object.keys(s);',
        '    for (let j = 0; j < ks.length; j++) {',
        '      const k = ks[j];',
        known === '' ? '' : `      switch (k) { ${known} continue; }`,
        "      if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw GIVE_UP;",
        '    }',
        '    for (let j = 0; j < ks.length; j++) {',
        '      const k = ks[j];',
        known === '' ? '' : `      switch (k) { ${known} continue; }`,
        '      const sv = s[k];',
        '      if (sv === undefined) throw GIVE_UP;',
        n.editable
          ? `      walk(st, sv, ${depth + 1}); o[k] = sv;`
          : `      if (!same(st, hasOwn(q, k) ? q[k] : undefined, sv, ${depth + 1})) throw GIVE_UP;`,
        '    }',
        '  }',
      );
      if (!n.editable)
        b.push(
          '  if (keyCount(q) !== qk) {',
          '    st.odd = true;',
          '    const kq = Object.keys(q);',
          '    for (let j = 0; j < kq.length; j++) {',
          '      const k = kq[j];',
          known === '' ? '' : `      switch (k) { ${known} continue; }`,
          '      if (!(k in o)) o[k] = q[k];',
          '    }',
          '  }',
        );
      b.push('  return o;', '}');
    } else if (n.kind === 'array' && n.item !== undefined) {
      const i = `i${idx.length}`;
      const fn = emit(n.item, depth + 1, [...at, `String(${i})`], [...idx, i]);
      b.push(
        'if (Array.isArray(s)) {',
        '  const q = Array.isArray(p) ? p : NONE;',
        n.editable ? '' : '  if (s.length !== q.length) throw GIVE_UP;',
        '  if (++st.n > st.maxNodes) throw GIVE_UP;',
        depth >= limits.maxDepth ? '  throw GIVE_UP;' : '',
        '  const o = new Array(s.length);',
        `  for (let ${i} = 0; ${i} < s.length; ${i}++) {`,
        `    const e = s[${i}];`,
        '    if (e === undefined) throw GIVE_UP;',
        `    const r = ${fn}(q[${i}], e${idx.map((x) => ', ' + x).join('')}, ${i});`,
        `    o[${i}] = r === undefined ? null : r;`,
        '  }',
        '  return o;',
        '}',
      );
    }
    b.push(`if (${unch}) return p;`, n.editable ? keep : 'throw GIVE_UP;');
    fns.push(`function ${name}(${params}) {\n${b.filter((l) => l !== '').join('\n')}\n}`);
    return name;
  };

  /**
   * Emits the safety walk of a value kept as sent (`walk(st, s, depth)`) for the shape the field
   * expects: the members of an object field are read by name and its other keys counted without
   * allocating (an unexpected key takes the generic walk), the items of an array field checked in a
   * loop. It passes exactly where `walk` passes (the same nodes counted, the same checks; gives up
   * otherwise) and leaves the document vetted when every key met is a field key.
   */
  const check = (n: MergeNode, depth: number): string => {
    const name = `w${ids++}`;
    const b: string[] = [
      `if (typeof s === 'string') { if (++st.n > ${maxNodes} || s.length > ${maxString}) throw GIVE_UP; return; }`,
    ];
    if (n.kind === 'object') {
      const kids = n.children.map((c) => ({ c, k: lit(c.field.key), fn: check(c, depth + 1) }));
      const known = n.children.map((c) => `case ${lit(c.field.key)}:`).join(' ');
      b.push(
        "if (s !== null && typeof s === 'object' && !Array.isArray(s)) {",
        `  if (++st.n > ${maxNodes}) throw GIVE_UP;`,
        depth >= limits.maxDepth ? '  throw GIVE_UP;' : '',
        '  const pr = Object.getPrototypeOf(s);',
        '  if (pr !== OBJECT_PROTO && pr !== null) throw GIVE_UP;',
        '  let cnt = 0, v;',
        ...kids.map(({ c, k, fn }) =>
          c.protoKey
            ? `  if (hasOwn(s, ${k})) { cnt++; v = s[${k}]; if (v === undefined) ++st.n; else ${fn}(v); }`
            : `  v = s[${k}]; if (v !== undefined) { cnt++; ${fn}(v); } else if (${k} in s) { cnt++; ++st.n; }`,
        ),
        '  if (keyCount(s) !== cnt) {',
        '    st.odd = true;',
        '    const ks = Object.keys(s);',
        '    for (let j = 0; j < ks.length; j++) {',
        '      const k = ks[j];',
        known === '' ? '' : `      switch (k) { ${known} continue; }`,
        "      if (k === '__proto__' || k === 'constructor' || k === 'prototype') throw GIVE_UP;",
        `      walk(st, s[k], ${depth + 1});`,
        '    }',
        '  }',
        `  if (st.n > ${maxNodes}) throw GIVE_UP;`,
        '  return;',
        '}',
      );
    } else if (n.kind === 'array' && n.item !== undefined) {
      const fn = check(n.item, depth + 1);
      b.push(
        'if (Array.isArray(s)) {',
        `  if (++st.n > ${maxNodes}) throw GIVE_UP;`,
        depth >= limits.maxDepth ? '  throw GIVE_UP;' : '',
        `  for (let i = 0; i < s.length; i++) { const e = s[i]; if (e === undefined) ++st.n; else ${fn}(e); }`,
        `  if (st.n > ${maxNodes}) throw GIVE_UP;`,
        '  return;',
        '}',
      );
    }
    b.push(`walk(st, s, ${depth});`);
    fns.push(`function ${name}(s) {\n${b.filter((l) => l !== '').join('\n')}\n}`);
    return name;
  };

  /**
   * A statement comparing submitted `s` with stored `p` as `compare(n, depth)(p, s)` does: inline for a
   * value field (a string, number or boolean compared in place), a call for a container.
   */
  // The limits as literals (numbers only; anything else is read from the state at run time).
  const maxNodes = typeof limits.maxNodes === 'number' ? `(${String(limits.maxNodes)})` : 'st.maxNodes';
  const maxString =
    typeof limits.maxStringLength === 'number' ? `(${String(limits.maxStringLength)})` : 'st.maxString';
  const compareAt = (n: MergeNode, depth: number, p: string, s: string): string => {
    if (n.kind === 'object' || (n.kind === 'array' && n.item !== undefined))
      return `${compare(n, depth)}(${p}, ${s});`;
    return (
      `if (typeof ${s} === 'string') { if (++st.n > ${maxNodes} || ${s}.length > ${maxString} || ${s} !== ${p}) throw GIVE_UP; } ` +
      `else if (typeof ${s} === 'number' || typeof ${s} === 'boolean') { if (++st.n > ${maxNodes} || ${s} !== ${p}) throw GIVE_UP; } ` +
      `else if (!same(st, ${p}, ${s}, ${depth})) throw GIVE_UP;`
    );
  };

  /**
   * Emits a comparison of a read-only subtree with the stored value that returns when `same` would be
   * true (counting and checking the same nodes) and gives up otherwise; known members are compared
   * directly, anything unforeseen goes through `same`.
   */
  const compare = (n: MergeNode, depth: number): string => {
    const name = `c${ids++}`;
    const b: string[] = [];
    const generic = `if (!same(st, p, s, ${depth})) throw GIVE_UP;`;
    if (n.kind === 'object') {
      const kids = n.children.map((c) => ({
        k: lit(c.field.key),
        protoKey: c.protoKey,
        fn: (a: string, b: string) => compareAt(c, depth + 1, a, b),
      }));
      b.push(
        "if (s !== null && typeof s === 'object' && !Array.isArray(s) && p !== null && typeof p === 'object' && !Array.isArray(p)) {",
        '  const mk = st.n;',
        '  if (++st.n > st.maxNodes) throw GIVE_UP;',
        depth >= limits.maxDepth ? '  throw GIVE_UP;' : '',
        '  const pr = Object.getPrototypeOf(s);',
        '  if (pr !== OBJECT_PROTO && pr !== null) throw GIVE_UP;',
        '  let cnt = 0, pv, sv;',
        // A member undefined on both sides is absent from both, or present as `undefined` (then the
        // key counts below differ and `same` decides).
        ...kids.map(({ k, protoKey, fn }) =>
          protoKey
            ? `  pv = hasOwn(p, ${k}); if (pv !== hasOwn(s, ${k})) throw GIVE_UP; if (pv) { cnt++; pv = p[${k}]; sv = s[${k}]; ${fn('pv', 'sv')} }`
            : `  pv = p[${k}]; sv = s[${k}]; if (pv !== undefined) { if (sv === undefined) throw GIVE_UP; cnt++; ${fn('pv', 'sv')} } else if (sv !== undefined) throw GIVE_UP;`,
        ),
        `  if (keyCount(p) !== cnt || keyCount(s) !== cnt) { st.n = mk; ${generic} }`,
        '  return;',
        '}',
      );
    } else if (n.kind === 'array' && n.item !== undefined) {
      const each = compareAt(n.item, depth + 1, 'pi', 'si');
      b.push(
        'if (Array.isArray(s) && Array.isArray(p) && s.length === p.length) {',
        '  if (++st.n > st.maxNodes) throw GIVE_UP;',
        depth >= limits.maxDepth ? '  throw GIVE_UP;' : '',
        `  for (let i = 0; i < s.length; i++) { const pi = p[i], si = s[i]; ${each} }`,
        '  return;',
        '}',
      );
    } else
      b.push(
        "if (typeof s === 'string') { if (++st.n > st.maxNodes || s.length > st.maxString || s !== p) throw GIVE_UP; return; }",
        "if (typeof s === 'number' || typeof s === 'boolean') { if (++st.n > st.maxNodes || s !== p) throw GIVE_UP; return; }",
      );
    b.push(generic);
    fns.push(`function ${name}(p, s) {\n${b.filter((l) => l !== '').join('\n')}\n}`);
    return name;
  };

  const rootFn = emit(root, 0, [], []);
  // Field keys feelin would not read as names make every document unvetted.
  return { fns, root: rootFn, sensitives, allPlain: everyKey(root, isPlainKey) };
}

/** The generated functions of a merge (see {@link emitMerge}). */
export interface MergeSource {
  /** Function declarations; they read the names of {@link MERGE_PARAMS} from their scope. */
  readonly fns: readonly string[];
  /** The name of the root's function, `(prev, sub) => merged` (throws `GIVE_UP` to give up). */
  readonly root: string;
  readonly sensitives: readonly (SensitiveKind | undefined)[];
  /** Every field key is a plain name (else every document is unvetted). */
  readonly allPlain: boolean;
}

/** The names the merge functions read from their scope, bound by {@link mergeArgs}. */
export const MERGE_PARAMS = [
  'st',
  'GIVE_UP',
  'BAIL',
  'walk',
  'same',
  'unchanged',
  'extends_',
  'hasOwn',
  'EMPTY',
  'NONE',
  'OBJECT_PROTO',
  'SENS',
  'keyCount',
] as const;

/** The state of one generated function (per overlay and masking). */
export type MergeState = State;

/** A new state under the limits. */
export function mergeState(limits: DataLimits): MergeState {
  return new State(limits.maxNodes, limits.maxDepth, limits.maxStringLength);
}

/** The values of {@link MERGE_PARAMS}, in that order. */
export function mergeArgs(st: MergeState, src: MergeSource): unknown[] {
  return [
    st,
    GIVE_UP,
    BAIL,
    walk,
    same,
    unchanged,
    extends_,
    Object.hasOwn,
    EMPTY,
    NONE,
    Object.prototype,
    src.sensitives,
    keyCount,
  ];
}

/**
 * Generates the merge of a merge tree. `masked`: whether the submitter saw sensitive values masked
 * (a separate function for each, so the flag folds away).
 */
export function generateMerge(root: MergeNode, limits: DataLimits, masked: boolean): GeneratedMerge {
  const src = emitMerge(root, limits, masked);
  const source = [
    "'use strict';",
    ...src.fns,
    'return function merge(prev, sub, problems) {',
    '  st.n = 0;',
    `  st.odd = ${!src.allPlain};`,
    '  st.problems = problems;',
    `  try { return ${src.root}(prev, sub); }`,
    '  catch (e) { if (e === GIVE_UP) return BAIL; throw e; }',
    '};',
  ].join('\n');
  const st = mergeState(limits);
  const factory = new Function(...MERGE_PARAMS, source) as (...args: unknown[]) => GeneratedMerge['run'];
  const run = factory(...mergeArgs(st, src));
  return {
    run,
    get unvetted(): boolean {
      return st.odd;
    },
  };
}

function everyKey(n: MergeNode, ok: (k: string) => boolean): boolean {
  if (n.field.path !== '' && n.field.key !== '*' && !ok(n.field.key)) return false;
  if (n.item !== undefined && !everyKey(n.item, ok)) return false;
  return n.children.every((c) => everyKey(c, ok));
}

/**
 * Own and inherited enumerable keys, counted without allocating. Equal to the number of own keys when
 * nothing enumerable was added to `Object.prototype`; callers use it only to skip work when it equals
 * the count of known members found (otherwise they take the `Object.keys` path).
 */
function keyCount(o: object): number {
  let n = 0;
  for (const _ in o) n++;
  return n;
}

/** A generated check of the fields in mode `required` (`requireAll` of validate-submission.ts). */
export type GeneratedRequired = (data: Readonly<Record<string, unknown>>, problems: RawProblem[]) => void;

/**
 * Generates the check that every instance of each `required`-mode field is non-empty: nested loops
 * over the arrays on the way, the path of a problem built only when one is found.
 */
export function generateRequired(paths: readonly (readonly MergeNode[])[]): GeneratedRequired {
  const body = emitRequired(paths);
  const source = ["'use strict';", 'return function required(data, problems) {', ...body, '};'].join('\n');
  const factory = new Function('hasOwn', 'isObject', 'isEmpty', 'RQ', source) as (
    ...a: unknown[]
  ) => GeneratedRequired;
  return factory(Object.hasOwn, isObject, isEmpty, []);
}

/** Whether a value is a non-array object (for the generated required checks). */
export const isObject = (v: unknown): boolean => v !== null && typeof v === 'object' && !Array.isArray(v);
/** Whether a required value counts as missing. */
export const isEmpty = (v: unknown): boolean =>
  v === undefined || v === null || v === '' || (Array.isArray(v) && v.length === 0);

/**
 * The statements of the required-mode checks: they read `data` and push to `problems`, with `hasOwn`,
 * `isObject`, `isEmpty` and `RQ` (an array kept with the generated function: shared problems) in scope.
 */
export function emitRequired(paths: readonly (readonly MergeNode[])[]): string[] {
  const body: string[] = [];
  for (let pi = 0; pi < paths.length; pi++) {
    const path = paths[pi]!;
    const stars = path.filter((n) => n.field.key === '*').length;
    const out: string[] = ['{', 'const v0 = data;'];
    const at: string[] = [];
    let close = 1;
    path.forEach((n, i) => {
      const last = i === path.length - 1;
      const key = n.field.key;
      const cur = `v${i}`;
      const next = `v${i + 1}`;
      if (key === '*') {
        out.push(
          `if (Array.isArray(${cur})) for (let j${i} = 0; j${i} < ${cur}.length; j${i}++) {`,
          `const ${next} = ${cur}[j${i}];`,
        );
        at.push(`String(j${i})`);
        close++;
      } else {
        const k = lit(key);
        at.push(k);
        // A direct read for keys no prototype provides (the document's objects are plain).
        const read =
          key in Object.prototype ? `hasOwn(${cur}, ${k}) ? ${cur}[${k}] : undefined` : `${cur}[${k}]`;
        if (last && i === 0) out.push(`const ${next} = isObject(${cur}) ? (${read}) : undefined;`);
        else {
          out.push(`if (isObject(${cur})) {`, `const ${next} = ${read};`);
          close++;
          if (!last) {
            out.push(`if (${next} !== undefined) {`);
            close++;
          }
        }
      }
      if (last) {
        const problem = `{ segments: [${at.join(', ')}], code: ${lit('FORM_ERR_REQUIRED' satisfies FormErrorCode)} }`;
        // With one array on the way, the problem of each of the first 256 items is built once (with its
        // dotted path) and shared: problems are never modified.
        const j = path.findIndex((x) => x.field.key === '*');
        out.push(
          stars !== 1
            ? `if (isEmpty(${next})) problems.push(${problem});`
            : `if (isEmpty(${next})) { let q = j${j} < 256 ? RQ${pi}[j${j}] : undefined; if (q === undefined) { q = ${problem}; q.path = q.segments.join('.'); q.plain = ${!path.some((x) => x.field.key.includes('.'))}; if (j${j} < 256) RQ${pi}[j${j}] = q; } problems.push(q); }`,
        );
      }
    });
    out.push('}'.repeat(close));
    if (stars === 1) body.push(`const RQ${pi} = RQ[${pi}] ??= [];`);
    body.push(...out);
  }
  return body;
}
