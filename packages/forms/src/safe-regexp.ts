/**
 * A linear-time regular expression engine for the JSON Schema `pattern` / `patternProperties`
 * keywords. A pilot writes its own patterns; with JavaScript's backtracking engine a pattern such as
 * `(a+)+$` hangs the server on a long input. RE2JS (a port of RE2) matches in time linear in the
 * input, and refuses features that cannot run that way (back-references, look-around) — such a
 * pattern is rejected when the form is compiled.
 */
import type { RegExpEngine, RegExpLike } from 'ajv/dist/types/index.js';
import { RE2JS } from 're2js';
import { formError } from './errors.js';

const cache = new Map<string, RegExpLike>();

/**
 * Compiles a JSON Schema pattern (ECMA-262 syntax) with RE2JS; throws `FORM_ERR_UNSAFE_PATTERN` when
 * it uses a feature RE2 does not support.
 *
 * @example
 * ```ts
 * safeRegExp('(a+)+$', 'u').test('a'.repeat(100_000) + 'b'); // false, in linear time
 * ```
 */
export const safeRegExp: RegExpEngine = Object.assign(
  (pattern: string, _flags: string): RegExpLike => {
    const hit = cache.get(pattern);
    if (hit !== undefined) return hit;
    let re: RE2JS;
    try {
      re = RE2JS.compile(RE2JS.translateRegExp(toRe2Syntax(pattern)));
    } catch (err) {
      throw formError('FORM_ERR_UNSAFE_PATTERN', {
        pattern,
        reason: err instanceof Error ? err.message : String(err),
      });
    }
    // ajv keys its scope of compiled patterns by `toString()`: it must be unique per pattern.
    const like: RegExpLike = {
      test: (s: string) => re.test(s),
      toString: () => `re2js:/${pattern}/`,
    } as RegExpLike;
    if (cache.size > 1000) cache.clear();
    cache.set(pattern, like);
    return like;
  },
  { code: 'safeRegExp /* re2js */' },
);

/** ECMAScript spellings RE2 writes differently: `\p{Script=Han}` / `\p{sc=Han}` → `\p{Han}`. */
function toRe2Syntax(pattern: string): string {
  return pattern.replace(/\\([pP])\{(?:Script|sc|Script_Extensions|scx)=([A-Za-z_]+)\}/g, '\\$1{$2}');
}
