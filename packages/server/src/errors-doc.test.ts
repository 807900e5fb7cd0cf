import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { API_ERRORS } from './errors.js';

describe('docs/api.md error catalogue', () => {
  it('lists exactly the codes of errors.ts, each with its status', () => {
    const doc = readFileSync(new URL('../../../docs/api.md', import.meta.url), 'utf8');
    const section = doc.split('<!-- error-catalogue')[1]?.split('<!-- /error-catalogue -->')[0] ?? '';
    const rows = [...section.matchAll(/^\|\s*`(API_ERR_[A-Z_]+)`\s*\|\s*(\d{3})\s*\|/gm)].map((m) => [
      m[1],
      Number(m[2]),
    ]);
    expect(rows).toEqual(Object.entries(API_ERRORS).map(([code, spec]) => [code, spec.status]));
  });
});
