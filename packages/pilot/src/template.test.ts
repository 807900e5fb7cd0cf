import { describe, expect, it } from 'vitest';
import { PilotError } from './errors.js';
import { chineseDate, chineseNumeral, parseTemplate, renderTemplate } from './template.js';

const codeOf = (fn: () => unknown): string | undefined => {
  try {
    fn();
  } catch (err) {
    return err instanceof PilotError ? err.code : 'not a PilotError';
  }
  return undefined;
};

describe('parseTemplate / renderTemplate', () => {
  it('fills values, loops with positions and branches, escaping HTML', () => {
    // given a template with a loop, a branch and filters
    const nodes = parseTemplate(
      '{{#each claims as c}}<p>{{@number | cn}}、{{c.summary}}</p>{{/each}}{{#if done}}办结{{else}}未办结{{/if}} {{on | date}}',
    );
    // when rendered
    const html = renderTemplate(nodes, {
      claims: [{ summary: '<工资>' }, { summary: '社保' }],
      done: false,
      on: '2026-03-02',
    });
    // then
    expect(html).toBe('<p>一、&lt;工资&gt;</p><p>二、社保</p>未办结 2026年3月2日');
  });

  it('renders a missing value as empty text and never runs code', () => {
    expect(renderTemplate(parseTemplate('[{{a.b.c}}]'), { a: null })).toBe('[]');
    expect(renderTemplate(parseTemplate('[{{constructor}}]'), {})).toBe('[]');
  });

  it('refuses malformed templates with PILOT_ERR_TEMPLATE_SYNTAX', () => {
    expect(codeOf(() => parseTemplate('{{#each claims}}x{{/each}}'))).toBe('PILOT_ERR_TEMPLATE_SYNTAX');
    expect(codeOf(() => parseTemplate('{{#if a}}x'))).toBe('PILOT_ERR_TEMPLATE_SYNTAX');
    expect(codeOf(() => parseTemplate('{{a'))).toBe('PILOT_ERR_TEMPLATE_SYNTAX');
    expect(codeOf(() => parseTemplate('{{{raw}}}'))).toBe('PILOT_ERR_TEMPLATE_SYNTAX');
    expect(codeOf(() => parseTemplate('{{/if}}'))).toBe('PILOT_ERR_TEMPLATE_SYNTAX');
    expect(codeOf(() => parseTemplate('{{a..b}}'))).toBe('PILOT_ERR_TEMPLATE_SYNTAX');
  });

  it('refuses an unknown filter when rendering', () => {
    expect(codeOf(() => renderTemplate(parseTemplate('{{a | shout}}'), { a: 'x' }))).toBe(
      'PILOT_ERR_UNKNOWN_FILTER',
    );
  });

  it('reports the line and column of a syntax error', () => {
    try {
      parseTemplate('<p>\n  {{#if a}}\n</p>');
    } catch (err) {
      expect((err as PilotError).args[1]).toBe('3:5');
    }
  });
});

describe('Chinese numerals and dates', () => {
  it('writes numbers as in official documents', () => {
    expect([1, 9, 10, 11, 20, 21, 99].map(chineseNumeral)).toEqual([
      '一',
      '九',
      '十',
      '十一',
      '二十',
      '二十一',
      '九十九',
    ]);
    expect(chineseNumeral(100)).toBe('100');
  });
  it('writes dates without leading zeros', () => {
    expect(chineseDate('2026-01-05')).toBe('2026年1月5日');
  });
});
