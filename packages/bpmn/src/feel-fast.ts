/**
 * A fast, conservative recogniser for the simple FEEL expressions that make up most of a model
 * (`amount > 1000 and category = "land"`, `today() + duration("P5D")`, `=[ "a", "b" ]`, `x.y`).
 *
 * It accepts only a small subset of FEEL that the full parser (@bpmn-io/lezer-feel, as used by
 * @bpmn-io/feel-lint) always accepts too; anything else (a FEEL feature outside the subset, or an
 * error) returns false, and the caller falls back to the full parser. So a true answer skips a full
 * parse (~25–50 µs each), and a false answer never hides an error. The property "accepted here ⇒
 * feel-lint reports no error" is checked by a differential test (`feel-fast.test.ts`).
 *
 * The subset (whitespace between tokens; names are ASCII and never keywords):
 * ```
 * or      := and ('or' and)*
 * and     := cmp ('and' cmp)*
 * cmp     := add (('=' | '!=' | '<' | '<=' | '>' | '>=') add)?
 * add     := mul (('+' | '-') mul)*
 * mul     := unary (('*' | '/') unary)*
 * unary   := '-'? NUMBER | primary
 * primary := NUMBER | STRING | 'true' | 'false' | 'null'
 *          | NAME ('.' NAME)* | NAME '(' [or (',' or)*] ')'
 *          | '(' or ')' | '[' [or (',' or)*] ']'
 * ```
 */

/** Keywords (and words that start FEEL constructs outside the subset): never a NAME here. */
const RESERVED = new Set([
  'and',
  'or',
  'not',
  'true',
  'false',
  'null',
  'for',
  'in',
  'return',
  'if',
  'then',
  'else',
  'some',
  'every',
  'satisfies',
  'instance',
  'of',
  'between',
  'function',
  'external',
]);

const MAX_LENGTH = 1000;
const MAX_DEPTH = 24;

/** Token types. */
const T = { End: 0, Num: 1, Str: 2, Word: 3, Op: 4, Bad: 5 } as const;
type T = (typeof T)[keyof typeof T];

/**
 * True when `source` is in the simple subset of FEEL described above (and therefore valid FEEL).
 * False means "not known to be valid": parse it fully.
 *
 * @example
 * ```ts
 * isSimpleFeel('amount > 1000 and category = "land"'); // true
 * isSimpleFeel('for x in xs return x');                 // false (outside the subset)
 * isSimpleFeel('a == 1');                               // false (an error: the full parser reports it)
 * ```
 */
export function isSimpleFeel(source: string): boolean {
  if (source.length > MAX_LENGTH) return false;
  return new Recogniser(source).run();
}

class Recogniser {
  pos = 0;
  type: T = T.End as T;
  text = '';
  depth = 0;

  constructor(readonly s: string) {}

  run(): boolean {
    this.next();
    return this.or() && this.type === T.End;
  }

  /** Reads the next token into `type`/`text`. */
  next(): void {
    const s = this.s;
    let i = this.pos;
    while (i < s.length) {
      const c = s.charCodeAt(i);
      if (c === 32 || c === 9 || c === 10 || c === 13) i++;
      else break;
    }
    if (i >= s.length) {
      this.pos = i;
      this.type = T.End;
      this.text = '';
      return;
    }
    const start = i;
    const c = s.charCodeAt(i);
    if (isDigit(c)) {
      i++;
      while (i < s.length && isDigit(s.charCodeAt(i))) i++;
      if (s.charCodeAt(i) === 46 /* . */ && isDigit(s.charCodeAt(i + 1))) {
        i += 2;
        while (i < s.length && isDigit(s.charCodeAt(i))) i++;
      }
      this.set(i, isWordChar(s.charCodeAt(i)) || s.charCodeAt(i) === 46 ? T.Bad : T.Num, start);
      return;
    }
    if (isWordStart(c)) {
      i++;
      while (i < s.length && isWordChar(s.charCodeAt(i))) i++;
      this.set(i, T.Word, start);
      return;
    }
    if (c === 34 /* " */) {
      i++;
      while (i < s.length) {
        const d = s.charCodeAt(i);
        // no escapes, no line breaks: anything unusual goes to the full parser
        if (d === 92 /* \ */ || d === 10 || d === 13) {
          this.set(i, T.Bad, start);
          return;
        }
        if (d === 34) break;
        i++;
      }
      this.set(i + 1, i < s.length ? T.Str : T.Bad, start);
      return;
    }
    const c2 = s.charCodeAt(i + 1);
    if ((c === 33 /* ! */ || c === 60 /* < */ || c === 62) /* > */ && c2 === 61 /* = */) {
      this.set(i + 2, T.Op, start);
      return;
    }
    // a lone '/' is division; '//' and '/*' start comments: leave those to the full parser
    if (c === 47 && (c2 === 47 || c2 === 42)) {
      this.set(i + 1, T.Bad, start);
      return;
    }
    // '**' (exponent) is outside the subset
    if (c === 42 && c2 === 42) {
      this.set(i + 1, T.Bad, start);
      return;
    }
    if ('=<>+-*/().,[]'.includes(s[i]!)) {
      this.set(i + 1, T.Op, start);
      return;
    }
    this.set(i + 1, T.Bad, start);
  }

  set(end: number, type: T, start: number): void {
    this.pos = end;
    this.type = type;
    this.text = this.s.slice(start, end);
  }

  isOp(op: string): boolean {
    return this.type === T.Op && this.text === op;
  }

  isWord(w: string): boolean {
    return this.type === T.Word && this.text === w;
  }

  or(): boolean {
    if (++this.depth > MAX_DEPTH) return false;
    if (!this.and()) return false;
    while (this.isWord('or')) {
      this.next();
      if (!this.and()) return false;
    }
    this.depth--;
    return true;
  }

  and(): boolean {
    if (!this.cmp()) return false;
    while (this.isWord('and')) {
      this.next();
      if (!this.cmp()) return false;
    }
    return true;
  }

  cmp(): boolean {
    if (!this.add()) return false;
    if (this.type === T.Op && CMP.has(this.text)) {
      this.next();
      return this.add();
    }
    return true;
  }

  add(): boolean {
    if (!this.mul()) return false;
    while (this.isOp('+') || this.isOp('-')) {
      this.next();
      if (!this.mul()) return false;
    }
    return true;
  }

  mul(): boolean {
    if (!this.unary()) return false;
    while (this.isOp('*') || this.isOp('/')) {
      this.next();
      if (!this.unary()) return false;
    }
    return true;
  }

  unary(): boolean {
    if (this.isOp('-')) {
      this.next();
      if (this.type !== T.Num) return false;
      this.next();
      return true;
    }
    return this.primary();
  }

  primary(): boolean {
    switch (this.type) {
      case T.Num:
      case T.Str:
        this.next();
        return true;
      case T.Word: {
        const w = this.text;
        if (w === 'true' || w === 'false' || w === 'null') {
          this.next();
          return true;
        }
        if (RESERVED.has(w)) return false;
        this.next();
        if (this.isOp('(')) return this.list(')');
        while (this.isOp('.')) {
          this.next();
          if (this.type !== T.Word || RESERVED.has(this.text)) return false;
          this.next();
        }
        return true;
      }
      case T.Op:
        if (this.text === '(') {
          this.next();
          if (!this.or() || !this.isOp(')')) return false;
          this.next();
          return true;
        }
        if (this.text === '[') return this.list(']');
        return false;
      default:
        return false;
    }
  }

  /** `(` or `[` is the current token: a possibly empty comma-separated list up to `close`. */
  list(close: string): boolean {
    this.next();
    if (this.isOp(close)) {
      this.next();
      return true;
    }
    for (;;) {
      if (!this.or()) return false;
      if (this.isOp(',')) {
        this.next();
        continue;
      }
      if (!this.isOp(close)) return false;
      this.next();
      return true;
    }
  }
}

const CMP = new Set(['=', '!=', '<', '<=', '>', '>=']);

function isDigit(c: number): boolean {
  return c >= 48 && c <= 57;
}

function isWordStart(c: number): boolean {
  return (c >= 65 && c <= 90) || (c >= 97 && c <= 122) || c === 95;
}

function isWordChar(c: number): boolean {
  return isWordStart(c) || isDigit(c);
}
