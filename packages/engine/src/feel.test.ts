import { describe, expect, it } from 'vitest';
import { IncidentSignal } from './errors.js';
import { evaluateCondition, evaluateExpr, evaluateFeel } from './feel.js';

const codeOf = (f: () => unknown): string | undefined => {
  try {
    f();
    return undefined;
  } catch (e) {
    return e instanceof IncidentSignal ? e.error.code : 'not an incident';
  }
};

describe('FEEL evaluation', () => {
  it('given a syntax error, when evaluated, then ENG_ERR_FEEL_SYNTAX', () => {
    expect(codeOf(() => evaluateFeel('a = ', {}))).toBe('ENG_ERR_FEEL_SYNTAX');
  });

  it('given a condition that yields null (missing variable, `==`), when evaluated, then ENG_ERR_CONDITION_NOT_BOOLEAN', () => {
    expect(codeOf(() => evaluateCondition({ kind: 'feel', source: 'missing > 3' }, {}))).toBe(
      'ENG_ERR_CONDITION_NOT_BOOLEAN',
    );
    expect(codeOf(() => evaluateCondition({ kind: 'feel', source: 'a == "x"' }, { a: 'x' }))).toBe(
      'ENG_ERR_CONDITION_NOT_BOOLEAN',
    );
  });

  it('given a JUEL expression, when evaluated, then it never runs', () => {
    expect(codeOf(() => evaluateExpr({ kind: 'juel', source: '${x}' }, {}))).toBe(
      'ENG_ERR_UNSUPPORTED_ELEMENT',
    );
  });

  it('given FEEL with lists, contexts, Chinese names and temporal values, when evaluated, then the result is JSON', () => {
    expect(evaluateFeel('count(claims) * 10', { claims: ['a', 'b'] })).toBe(20);
    expect(evaluateFeel('{a: 1, b: [true, null]}', {})).toEqual({ a: 1, b: [true, null] });
    expect(evaluateFeel('分类 = "劳动社保"', { 分类: '劳动社保' })).toBe(true);
    expect(evaluateFeel('date("2026-03-02") + duration("P1D")', {})).toBe('2026-03-03');
  });
});
