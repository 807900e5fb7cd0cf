import { readdirSync, readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { compileBpmn } from '@shidian/bpmn';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
const files = [
  ...readdirSync(join(root, 'processes')).map((f) => join('processes', f)),
  ...['baishui', 'liuhe'].flatMap((c) =>
    readdirSync(join(root, 'examples', c, 'processes')).map((f) => join('examples', c, 'processes', f)),
  ),
].filter((f) => f.endsWith('.bpmn'));

const FLOW_ELEMENT =
  /<bpmn:(startEvent|endEvent|userTask|serviceTask|sendTask|intermediateThrowEvent|intermediateCatchEvent|boundaryEvent|exclusiveGateway|parallelGateway|inclusiveGateway|eventBasedGateway|sequenceFlow|task|manualTask|receiveTask|subProcess|callActivity)\s[^>]*?id="([^"]+)"/g;

describe('reference BPMN files', () => {
  it.each(files)('%s compiles executable with no problem at all', async (file) => {
    const result = await compileBpmn(readFileSync(join(root, file), 'utf8'), { requireForms: true });
    expect(result.problems).toEqual([]);
    expect(result.summaries.every((s) => s.executable)).toBe(true);
    expect(result.dialect).toBe('camunda8');
  });

  it.each(files)('%s has diagram interchange for every flow element (opens in a modeler)', (file) => {
    const xml = readFileSync(join(root, file), 'utf8');
    const ids = [...xml.matchAll(FLOW_ELEMENT)].map((m) => [m[1]!, m[2]!] as const);
    const shapes = new Map(
      [
        ...xml.matchAll(
          /<bpmndi:BPMNShape [^>]*bpmnElement="([^"]+)"[^>]*>\s*<dc:Bounds x="(-?\d+)" y="(-?\d+)" width="(\d+)" height="(\d+)"/g,
        ),
      ].map((m) => [m[1]!, m.slice(2).map(Number)]),
    );
    const edges = new Map(
      [
        ...xml.matchAll(/<bpmndi:BPMNEdge [^>]*bpmnElement="([^"]+)"[^>]*>([\s\S]*?)<\/bpmndi:BPMNEdge>/g),
      ].map((m) => [m[1]!, [...m[2]!.matchAll(/<di:waypoint /g)].length]),
    );
    expect(ids.length).toBeGreaterThan(5);
    for (const [kind, id] of ids) {
      if (kind === 'sequenceFlow') expect(edges.get(id), id).toBeGreaterThanOrEqual(2);
      else {
        const b = shapes.get(id);
        expect(b, id).toBeDefined();
        expect(b![2]! > 0 && b![3]! > 0 && b![0]! >= 0 && b![1]! >= 0, id).toBe(true);
      }
    }
    // no two shapes on the same spot
    const spots = [...shapes.values()].map((b) => `${b[0]},${b[1]}`);
    expect(new Set(spots).size).toBe(spots.length);
  });
});
