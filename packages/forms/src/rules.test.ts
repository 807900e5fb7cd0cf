import { describe, expect, it } from 'vitest';
import { compileForm } from './compile-form.js';
import { evaluateRules } from './rules.js';

describe('FEEL rules', () => {
  it('given conditions on data, item and role, then they evaluate like feelin', async () => {
    const form = await compileForm({
      schema: {
        type: 'object',
        properties: {
          amount: { type: 'number' },
          items: {
            type: 'array',
            items: { type: 'object', properties: { kind: { type: 'string' }, note: { type: 'string' } } },
          },
          approval: { type: 'string' },
          total: { type: 'number' },
        },
      },
      rules: [
        { field: 'approval', required: 'amount > 1000', readonly: 'role = "clerk"' },
        { field: 'items.*.note', visible: 'item.kind in ("申诉", "求决") and index > 1' },
        { field: 'total', compute: 'sum(for i in items return 1) + amount' },
      ],
    });
    const out = evaluateRules(
      form.rules,
      { amount: 2000, items: [{ kind: '申诉' }, { kind: '求决' }, { kind: '建议' }] },
      { role: 'clerk' },
    );
    expect([...out.required]).toEqual(['approval']);
    expect([...out.readonly]).toEqual(['approval']);
    expect([...out.hidden]).toEqual(['items.0.note', 'items.2.note']);
    expect(out.computed.get('total')).toBe(2003);
  });

  it('given a condition that is null (missing value), then it counts as false', async () => {
    const form = await compileForm({
      schema: { type: 'object', properties: { a: { type: 'boolean' }, b: { type: 'string' } } },
      rules: [{ field: 'b', visible: 'a' }],
    });
    expect([...evaluateRules(form.rules, {}).hidden]).toEqual(['b']);
    expect([...evaluateRules(form.rules, { a: true }).hidden]).toEqual([]);
  });

  it('given the same inputs twice, then the memoised result is the same as a fresh one', async () => {
    const form = await compileForm({
      schema: { type: 'object', properties: { n: { type: 'number' }, m: { type: 'number' } } },
      rules: [{ field: 'm', compute: 'n * 2' }],
    });
    expect(evaluateRules(form.rules, { n: 4 }).computed.get('m')).toBe(8);
    expect(evaluateRules(form.rules, { n: 4 }).computed.get('m')).toBe(8);
    expect(evaluateRules(form.rules, { n: 5 }).computed.get('m')).toBe(10);
  });

  it('given reads through dotted paths, then the memo key distinguishes what the expression sees', async () => {
    const form = await compileForm({
      schema: {
        type: 'object',
        properties: {
          claims: {
            type: 'array',
            items: { type: 'object', properties: { kind: { type: 'string' }, facts: { type: 'string' } } },
          },
          kinds: { type: 'array', items: { type: 'string' } },
          p: { type: 'object', properties: { a: { type: 'object', properties: { b: { type: 'number' } } } } },
          total: { type: 'number' },
        },
      },
      rules: [
        { field: 'claims.*.facts', visible: 'item.kind = "求决"' },
        { field: 'kinds', compute: 'claims.kind' },
        { field: 'total', compute: 'p.a.b + 1' },
      ],
    });
    const a = evaluateRules(form.rules, {
      claims: [
        { kind: '求决', facts: 'x' },
        { kind: '建议', facts: 'x' },
      ],
      p: { a: { b: 1 } },
    });
    const b = evaluateRules(form.rules, {
      claims: [
        { kind: '建议', facts: 'y' },
        { kind: '求决', facts: 'y' },
      ],
      p: { a: { b: 2 } },
    });
    expect([...a.hidden]).toEqual(['claims.1.facts']);
    expect([...b.hidden]).toEqual(['claims.0.facts']);
    expect(a.computed.get('kinds')).toEqual(['求决', '建议']);
    expect(b.computed.get('kinds')).toEqual(['建议', '求决']);
    expect([a.computed.get('total'), b.computed.get('total')]).toEqual([2, 3]);
    expect(evaluateRules(form.rules, { p: { a: 'not an object' } }).computed.get('total')).toBeNull();
  });

  it('given a list changed in place after an evaluation, then the memo does not answer with the old result', async () => {
    const form = await compileForm({
      schema: {
        type: 'object',
        properties: {
          claims: { type: 'array', items: { type: 'object', properties: { kind: { type: 'string' } } } },
          claimCount: { type: 'integer' },
          note: { type: 'string' },
        },
      },
      rules: [
        { field: 'claimCount', compute: 'count(claims)' },
        { field: 'note', visible: 'some c in claims satisfies c.kind = "申诉"' },
      ],
    });
    const data = { claims: [{ kind: '建议' }] };
    const first = evaluateRules(form.rules, data);
    expect(first.computed.get('claimCount')).toBe(1);
    expect([...first.hidden]).toEqual(['note']);
    data.claims.push({ kind: '申诉' });
    const second = evaluateRules(form.rules, data);
    expect(second.computed.get('claimCount')).toBe(2);
    expect([...second.hidden]).toEqual([]);
    data.claims[1]!.kind = '意见';
    expect([...evaluateRules(form.rules, data).hidden]).toEqual(['note']);
    // Equal content in a new object: the memoised outcome.
    expect(evaluateRules(form.rules, structuredClone(data)).computed.get('claimCount')).toBe(2);
  });

  it('given the same data and another role, then the outcome follows the role', async () => {
    const form = await compileForm({
      schema: { type: 'object', properties: { approval: { type: 'string' } } },
      rules: [{ field: 'approval', readonly: 'role = "clerk"' }],
    });
    expect([...evaluateRules(form.rules, {}, { role: 'clerk' }).readonly]).toEqual(['approval']);
    expect([...evaluateRules(form.rules, {}, { role: 'head' }).readonly]).toEqual([]);
    expect([...evaluateRules(form.rules, {}).readonly]).toEqual([]);
    expect([...evaluateRules(form.rules, { role: 'clerk' }).readonly]).toEqual(['approval']);
  });
});
