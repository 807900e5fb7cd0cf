/**
 * Unified social credit code (统一社会信用代码, GB 32100-2015): 18 characters from the 31-character
 * set `0-9 A-H J-N P-R T U W-Y` (no I, O, S, V, Z) = registration authority (1) + organisation type (1)
 * + administrative division (6 digits) + organisation code (9) + check character (MOD 31).
 */

/** Why a string is not a valid code (`null` when valid). */
export type UsccProblem = 'length' | 'characters' | 'division' | 'checksum';

const CHARSET = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28] as const;

/** The check character of the first 17 characters (which must be in the code's character set). */
export function usccCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += CHARSET.indexOf(first17.charAt(i)) * (WEIGHTS[i] ?? 0);
  return CHARSET.charAt((31 - (sum % 31)) % 31);
}

/**
 * Checks a unified social credit code; returns `null` when valid, else the first problem.
 *
 * @example
 * ```ts
 * checkCnUscc('91350100M000100Y43'); // null
 * ```
 */
export function checkCnUscc(value: string): UsccProblem | null {
  if (value.length !== 18) return 'length';
  for (const ch of value) if (!CHARSET.includes(ch)) return 'characters';
  if (!/^\d{6}$/.test(value.slice(2, 8))) return 'division';
  if (usccCheckChar(value) !== value.charAt(17)) return 'checksum';
  return null;
}
