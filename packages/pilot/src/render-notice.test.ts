import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { PilotError } from './errors.js';
import { platformSchemas } from './platform-schemas.js';
import { renderNotice } from './render-notice.js';
import { checkTemplate } from './validate-bundle.js';
import { parseTemplate } from './template.js';
import { schemaRegistry } from './schema-paths.js';

const here = dirname(fileURLToPath(import.meta.url));
const root = join(here, '..', '..', '..');
const KINDS = [
  'acceptance',
  'non-acceptance',
  'no-longer-accepted',
  'routing',
  'extension',
  'decision',
  'review-decision',
  're-review-decision',
  'order-advice',
];
const source = (kind: string) => ({
  template: readFileSync(join(root, 'schemas', 'notices', `${kind}.html`), 'utf8'),
  dataSchema: platformSchemas()[`notices/${kind}.schema.json`]!,
});
const sample = (kind: string): Record<string, unknown> =>
  JSON.parse(readFileSync(join(here, 'fixtures', 'notice-data', `${kind}.json`), 'utf8')) as Record<
    string,
    unknown
  >;

describe('reference notices', () => {
  it.each(KINDS)('%s: every placeholder resolves and every required content is there', (kind) => {
    const registry = schemaRegistry(Object.values(platformSchemas()));
    expect(
      checkTemplate(
        parseTemplate(source(kind).template),
        source(kind).dataSchema,
        registry,
        `${kind}.html`,
        kind,
      ),
    ).toEqual([]);
  });

  it.each(KINDS)('%s: renders sample data as an official document', (kind) => {
    const html = renderNotice(source(kind), sample(kind));
    expect(html).toContain('<h1>');
    expect(html).toContain('青信〔2026〕12号');
    expect(html).toContain('青山县信访局');
    expect(html).toContain('2026年3月2日');
    expect(html).toContain('（印章）');
    expect(html).not.toMatch(/\{\{|\}\}/);
  });

  it('a decision lists each claim with its decision, legal basis and the remedy with its time limit', () => {
    const html = renderNotice(source('decision'), sample('decision'));
    expect(html).toContain('一、关于“要求支付拖欠工资三万元”');
    expect(html).toContain('二、关于“反映某公司未依法缴纳社会保险”');
    expect(html).toContain('对该项诉求予以支持');
    expect(html).toContain('对该项诉求不予支持');
    expect(html).toContain('《保障农民工工资支付条例》第三条');
    expect(html).toContain('自收到本处理意见书之日起30日内，向青山县人民政府书面提出复查请求');
  });

  it('refuses data that lacks a required content with PILOT_ERR_NOTICE_DATA_INVALID (422)', () => {
    const data = sample('decision');
    delete data.remedy;
    try {
      renderNotice(source('decision'), data);
      expect.unreachable();
    } catch (err) {
      expect(err).toBeInstanceOf(PilotError);
      expect((err as PilotError).code).toBe('PILOT_ERR_NOTICE_DATA_INVALID');
      expect((err as PilotError).status).toBe(422);
    }
  });

  it('refuses an extension longer than 30 days', () => {
    expect(() => renderNotice(source('extension'), { ...sample('extension'), extensionDays: 31 })).toThrow(
      PilotError,
    );
  });
});
