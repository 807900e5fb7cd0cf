import { describe, expect, it } from 'vitest';
import { checkCnIdCard, idCardCheckChar, chinaToday } from './cn-idcard.js';
import { checkCnUscc, usccCheckChar } from './cn-uscc.js';
import { isCnMobile, isCnPhone, isCnPostcode } from './cn-simple.js';

describe('cn-idcard (GB 11643, ISO 7064 MOD 11-2)', () => {
  it('given the standard sample number, then it is valid', () => {
    expect(checkCnIdCard('11010519491231002X', '2026-11-22')).toBeNull();
  });
  it('given a number whose check digit is 10, then X is required (and x refused)', () => {
    expect(idCardCheckChar('11010519491231002')).toBe('X');
    expect(checkCnIdCard('11010519491231002x', '2026-11-22')).toBe('characters');
  });
  it('given each way to be wrong, then the problem is named', () => {
    expect(checkCnIdCard('110105194912310021', '2026-11-22')).toBe('checksum');
    expect(checkCnIdCard('1101051949123100', '2026-11-22')).toBe('length');
    expect(checkCnIdCard('A10105194912310021', '2026-11-22')).toBe('characters');
    expect(checkCnIdCard('991051194912310021', '2026-11-22')).toBe('region');
    const feb30 = '11010519490230001';
    expect(checkCnIdCard(feb30 + idCardCheckChar(feb30), '2026-11-22')).toBe('birthdate');
    const future = '11010520261231001';
    expect(checkCnIdCard(future + idCardCheckChar(future), '2026-11-22')).toBe('future');
  });
  it('given a leap day, then it exists only in leap years', () => {
    const leap = '11010520000229001';
    const notLeap = '11010519000229001';
    expect(checkCnIdCard(leap + idCardCheckChar(leap), '2026-11-22')).toBeNull();
    expect(checkCnIdCard(notLeap + idCardCheckChar(notLeap), '2026-11-22')).toBe('birthdate');
  });
  it('given a UTC instant late in the evening, then "today" is the China (UTC+8) date', () => {
    expect(chinaToday(Date.parse('2026-11-22T17:00:00Z'))).toBe('2026-11-23');
  });
});

describe('cn-uscc (GB 32100)', () => {
  it('given published codes, then they are valid', () => {
    expect(checkCnUscc('91350100M000100Y43')).toBeNull();
    expect(checkCnUscc('91110000600037341L')).toBeNull();
  });
  it('given a wrong check character or a forbidden letter, then the problem is named', () => {
    expect(usccCheckChar('91350100M000100Y4')).toBe('3');
    expect(checkCnUscc('91350100M000100Y44')).toBe('checksum');
    expect(checkCnUscc('91350100M000100I43')).toBe('characters');
    expect(checkCnUscc('9135010')).toBe('length');
    expect(checkCnUscc('91AB0100M000100Y43')).toBe('division');
  });
});

describe('cn-mobile, cn-phone, cn-postcode', () => {
  it('given mobile numbers, then 11 digits starting 13–19 (optionally +86) pass', () => {
    expect(['13812345678', '19912345678', '+8613812345678', '86-13812345678'].every(isCnMobile)).toBe(true);
    expect(['12812345678', '1381234567', '138123456789', '010-62345678'].some(isCnMobile)).toBe(false);
  });
  it('given landlines, then an area code is required', () => {
    expect(
      [
        '010-62345678',
        '0755-23456789',
        '(010)62345678',
        '01062345678',
        '0571-8765432',
        '010-62345678-123',
        '010-62345678转8001',
      ].every(isCnPhone),
    ).toBe(true);
    expect(['62345678', '010-02345678', '13812345678', '0755-1234'].some(isCnPhone)).toBe(false);
  });
  it('given postal codes, then six digits not starting with 9 pass', () => {
    expect(['100020', '010010', '518000'].every(isCnPostcode)).toBe(true);
    expect(['10002', '1000200', '900000', 'ABCDEF'].some(isCnPostcode)).toBe(false);
  });
});
