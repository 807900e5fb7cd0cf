import { describe, expect, it } from 'vitest';
import { compileBpmn } from './compile.js';

const model = (from: string) => `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:shidian="https://shidian.dev/schema/bpmn/1.0" id="d">
<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
  <bpmn:manualTask id="t"><bpmn:extensionElements>
    <shidian:deadline period="15d" ${from} />
  </bpmn:extensionElements></bpmn:manualTask>
  <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />
</bpmn:process>
</bpmn:definitions>`;

describe('shidian:deadline from (the anchor of the period)', () => {
  it('given from="=receivedAt", when compiled, then the deadline carries the FEEL anchor', async () => {
    const r = await compileBpmn(model('from="=receivedAt"'));
    expect(r.problems).toEqual([]);
    expect(r.processes[0]?.nodes.t?.deadline?.from).toEqual({ kind: 'feel', source: 'receivedAt' });
  });

  it('given a bare variable name, when compiled, then it is read as a FEEL variable reference', async () => {
    const r = await compileBpmn(model('from="receivedAt"'));
    expect(r.processes[0]?.nodes.t?.deadline?.from).toEqual({ kind: 'feel', source: 'receivedAt' });
  });

  it('given no from, when compiled, then the deadline has no anchor (counts from entering)', async () => {
    const r = await compileBpmn(model(''));
    expect(r.processes[0]?.nodes.t?.deadline).not.toHaveProperty('from');
  });

  it('given a FEEL syntax error in from, when linted, then BPMN_ERR_FEEL_SYNTAX names the task', async () => {
    const r = await compileBpmn(model('from="=receivedAt == 1"'));
    expect(r.problems.map((p) => [p.code, p.elementId])).toContainEqual(['BPMN_ERR_FEEL_SYNTAX', 't']);
  });
});
