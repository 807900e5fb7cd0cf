/**
 * PRC resident identity card number (居民身份证号码, GB 11643-1999): 18 characters =
 * 6-digit address code + 8-digit birth date (YYYYMMDD) + 3-digit sequence + check character
 * computed with ISO 7064 MOD 11-2 (`0-9` or `X`).
 */

/** Why a string is not a valid ID number (`null` when it is valid). */
export type IdCardProblem = 'length' | 'characters' | 'region' | 'birthdate' | 'future' | 'checksum';

const WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2] as const;
const CHECK_CHARS = '10X98765432';
/** First two digits of provincial-level divisions (incl. 71 Taiwan, 81 Hong Kong, 82 Macau, 83 residence permits of Taiwan residents). */
const PROVINCES = new Set([
  '11',
  '12',
  '13',
  '14',
  '15',
  '21',
  '22',
  '23',
  '31',
  '32',
  '33',
  '34',
  '35',
  '36',
  '37',
  '41',
  '42',
  '43',
  '44',
  '45',
  '46',
  '50',
  '51',
  '52',
  '53',
  '54',
  '61',
  '62',
  '63',
  '64',
  '65',
  '71',
  '81',
  '82',
  '83',
]);
const SHAPE = /^\d{17}[\dX]$/;

/** The MOD 11-2 check character of the first 17 digits. */
export function idCardCheckChar(first17: string): string {
  let sum = 0;
  for (let i = 0; i < 17; i++) sum += (first17.charCodeAt(i) - 48) * (WEIGHTS[i] ?? 0);
  return CHECK_CHARS.charAt(sum % 11);
}

/**
 * Checks an ID number; returns `null` when valid, else the first problem found.
 * Lower-case `x` is refused (the standard writes `X`). The birth date must be a real calendar date,
 * not after `today` (ISO `YYYY-MM-DD`, default the current UTC+8 date) and not before 1900.
 *
 * @example
 * ```ts
 * checkCnIdCard('11010519491231002X'); // null
 * checkCnIdCard('110105194912310021'); // 'checksum'
 * ```
 */
export function checkCnIdCard(value: string, today: string = chinaToday()): IdCardProblem | null {
  if (value.length !== 18) return 'length';
  if (!SHAPE.test(value)) return 'characters';
  if (!PROVINCES.has(value.slice(0, 2))) return 'region';
  const y = Number(value.slice(6, 10));
  const m = Number(value.slice(10, 12));
  const d = Number(value.slice(12, 14));
  if (y < 1900 || m < 1 || m > 12 || d < 1 || d > daysInMonth(y, m)) return 'birthdate';
  const birth = `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
  if (birth > today) return 'future';
  if (idCardCheckChar(value) !== value.charAt(17)) return 'checksum';
  return null;
}

/** The birth date (`YYYY-MM-DD`) of a valid ID number. */
export function idCardBirthDate(value: string): string {
  return `${value.slice(6, 10)}-${value.slice(10, 12)}-${value.slice(12, 14)}`;
}

function daysInMonth(y: number, m: number): number {
  if (m === 2) return (y % 4 === 0 && y % 100 !== 0) || y % 400 === 0 ? 29 : 28;
  return [4, 6, 9, 11].includes(m) ? 30 : 31;
}

let lastMinute = -1;
let lastDay = '';

/** Today's date in China (UTC+8, no daylight saving) as `YYYY-MM-DD` (memoised per minute). */
export function chinaToday(now: number = Date.now()): string {
  const minute = Math.floor(now / 60_000);
  if (minute !== lastMinute) {
    lastDay = new Date(now + 8 * 3600_000).toISOString().slice(0, 10);
    lastMinute = minute;
  }
  return lastDay;
}
