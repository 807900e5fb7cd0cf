import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { BPMN_CODES, formatProblem, renderMessage } from './errors.js';

describe('errors catalogue', () => {
  it('every code has the package prefix, a severity matching its name, and both languages', () => {
    for (const [code, info] of Object.entries(BPMN_CODES)) {
      expect(code).toMatch(/^BPMN_(ERR|WARN)_[A-Z_]+$/);
      expect(info.severity).toBe(code.startsWith('BPMN_ERR_') ? 'error' : 'warning');
      expect(info.zh).not.toBe('');
      expect(info.en).not.toBe('');
      // the same placeholders in both languages
      const names = (s: string) => [...s.matchAll(/\{(\w+)\}/g)].map((m) => m[1]).sort();
      expect(names(info.zh), code).toEqual(names(info.en));
    }
  });

  it('every code is documented in docs/bpmn-extensions.md', () => {
    const doc = readFileSync(new URL('../../../docs/bpmn-extensions.md', import.meta.url), 'utf8');
    for (const code of Object.keys(BPMN_CODES)) expect(doc, code).toContain(`\`${code}\``);
  });

  it('renders templates with params and leaves unknown codes alone', () => {
    expect(renderMessage('BPMN_ERR_DUPLICATE_ID', { id: 'a' }, 'en')).toBe('duplicate id "a"');
    expect(renderMessage('BPMN_ERR_DUPLICATE_ID', { id: 'a' }, 'zh')).toBe('id “a” 重复出现');
    expect(formatProblem({ code: 'OTHER', severity: 'error', message: 'kept' }, 'en')).toBe('kept');
  });
});
