import { describe, expect, it } from 'vitest';
import { expectCode } from './fixtures/expect-code.js';
import { formatPeriod, parsePeriod } from './period.js';

describe('parsePeriod', () => {
  it.each([
    ['P15D', 'calendar', 15],
    ['p15d', 'calendar', 15],
    ['15d', 'calendar', 15],
    [' 15 D ', 'calendar', 15],
    ['60日', 'calendar', 60],
    ['30天', 'calendar', 30],
    ['5wd', 'working', 5],
    ['5WD', 'working', 5],
    ['P5WD', 'working', 5],
    ['10工作日', 'working', 10],
    ['10个工作日', 'working', 10],
  ])('reads %j as %s days × %i', (text, kind, days) => {
    expect(parsePeriod(text)).toEqual({ kind, days });
  });
  it('gives each kind of bad input its own code', () => {
    for (const bad of ['', '15', 'P2W', 'P1M', 'P1DT2H', '1.5d', '15 days', 'wd', 'PD', '15x', '五日'])
      expectCode(() => parsePeriod(bad), 'CAL_ERR_PERIOD_SYNTAX');
    for (const bad of ['0d', 'P0D', '-1d', '-5wd', '0个工作日'])
      expectCode(() => parsePeriod(bad), 'CAL_ERR_PERIOD_NOT_POSITIVE');
    expectCode(() => parsePeriod('3661d'), 'CAL_ERR_PERIOD_TOO_LONG');
    expectCode(() => parsePeriod({ kind: 'calendar', days: 1.5 }), 'CAL_ERR_PERIOD_NOT_POSITIVE');
    expectCode(() => parsePeriod({ kind: 'weeks', days: 2 } as never), 'CAL_ERR_PERIOD_SYNTAX');
    expectCode(() => parsePeriod(15 as never), 'CAL_ERR_PERIOD_SYNTAX');
  });
  it('formats the canonical form, which parses back', () => {
    expect(formatPeriod({ kind: 'calendar', days: 15 })).toBe('P15D');
    expect(formatPeriod(parsePeriod('5个工作日'))).toBe('P5WD');
    expect(parsePeriod(formatPeriod({ kind: 'working', days: 7 }))).toEqual({ kind: 'working', days: 7 });
  });
});
