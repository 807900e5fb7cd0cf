import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileBpmn } from './compile.js';
import { moddleFor } from './moddle.js';

const repo = fileURLToPath(new URL('../../../', import.meta.url));
const corpus = `${repo}../shared/conformance/bpmn-miwg/reference`;
const fixtures = fileURLToPath(new URL('./fixtures', import.meta.url));

const files = [
  ...readdirSync(fixtures).map((f) => `${fixtures}/${f}`),
  ...(existsSync(corpus) ? readdirSync(corpus).map((f) => `${corpus}/${f}`) : []),
].filter((f) => f.endsWith('.bpmn'));

/** import → export (bpmn-moddle toXML) → import gives the same compiled graph. */
describe('round trip', () => {
  it.each(files.map((f) => [f.split('/').slice(-2).join('/'), f]))('%s', async (_name, file) => {
    const xml = readFileSync(file, 'utf8');
    const first = await compileBpmn(xml);
    const moddle = moddleFor(first.dialect);
    const { rootElement } = await moddle.fromXML(xml);
    const { xml: exported } = await moddle.toXML(rootElement, { format: true });
    const second = await compileBpmn(exported);
    expect(second.dialect).toBe(first.dialect);
    expect(JSON.stringify(second.processes)).toBe(JSON.stringify(first.processes));
    expect(second.summaries).toEqual(first.summaries);
  });
});
