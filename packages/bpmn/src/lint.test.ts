import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileBpmn, isExecutable } from './compile.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const NS = 'xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"';
const wrap = (body: string) =>
  `<bpmn:definitions ${NS} id="d"><bpmn:process id="p">${body}</bpmn:process></bpmn:definitions>`;
const pairs = (r: { problems: readonly { code: string; elementId?: string }[] }) =>
  r.problems.map((p) => `${p.code} ${p.elementId ?? ''}`);

describe('lint rules', () => {
  it('given the lint-errors model, then each rule reports its code on the right element with a position', async () => {
    const r = await compileBpmn(fixture('lint-errors.bpmn'));
    expect(isExecutable(r, 'broken')).toBe(false);
    expect(pairs(r)).toEqual(
      expect.arrayContaining([
        'BPMN_ERR_JUEL_EXPRESSION f_juel',
        'BPMN_ERR_FEEL_SYNTAX f_bad_feel',
        'BPMN_ERR_GATEWAY_NO_CONDITION f_plain',
        'BPMN_ERR_USER_TASK_UNASSIGNED task_unassigned',
        'BPMN_ERR_DEAD_END loop_a',
        'BPMN_ERR_DEAD_END loop_b',
        'BPMN_WARN_UNREACHABLE orphan',
        'BPMN_ERR_UNSUPPORTED_ELEMENT complex',
        'BPMN_ERR_UNSUPPORTED_IMPLEMENTATION java',
        'BPMN_ERR_FLOW_MISSING_REF f_nosource',
      ]),
    );
    const juel = r.problems.find((p) => p.code === 'BPMN_ERR_JUEL_EXPRESSION');
    expect(juel).toMatchObject({ line: 10, column: 5, processId: 'broken', severity: 'error' });
    expect(r.unsupported).toEqual(['bpmn:ComplexGateway']);
    // problems are sorted by position
    const lines = r.problems.map((p) => p.line ?? 0);
    expect(lines).toEqual([...lines].sort((a, b) => a - b));
  });

  it('given an exclusive gateway whose flows all have conditions or are default, then no gateway problem', async () => {
    const r = await compileBpmn(
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>
<bpmn:exclusiveGateway id="g" default="f2"/>
<bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="e"><bpmn:conditionExpression>=x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e"/><bpmn:endEvent id="e"/>`),
    );
    expect(pairs(r)).toEqual([]);
  });

  it('given an inclusive gateway with a bare flow, then BPMN_ERR_GATEWAY_NO_CONDITION; a default flow with a condition warns', async () => {
    const r = await compileBpmn(
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f0" sourceRef="s" targetRef="g"/>
<bpmn:inclusiveGateway id="g" default="f1"/>
<bpmn:sequenceFlow id="f1" sourceRef="g" targetRef="e"><bpmn:conditionExpression>=true</bpmn:conditionExpression></bpmn:sequenceFlow>
<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e"/><bpmn:endEvent id="e"/>`),
    );
    expect(pairs(r)).toEqual(['BPMN_WARN_DEFAULT_FLOW_CONDITION f1', 'BPMN_ERR_GATEWAY_NO_CONDITION f2']);
  });

  it('given FEEL mistakes feel-lint accepts (== , &&), then BPMN_ERR_FEEL_SYNTAX', async () => {
    for (const cond of ['=a == "x"', '=a &amp;&amp; b', '=a ||| b', '=foo(']) {
      const r = await compileBpmn(
        wrap(
          `<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"><bpmn:conditionExpression>${cond}</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:endEvent id="e"/>`,
        ),
      );
      expect(pairs(r)).toEqual(['BPMN_ERR_FEEL_SYNTAX f']);
    }
  });

  it('given a JavaScript condition, then BPMN_ERR_JUEL_EXPRESSION (never executed)', async () => {
    const r = await compileBpmn(
      wrap(
        `<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"><bpmn:conditionExpression xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" xsi:type="bpmn:tFormalExpression" language="javascript">x &gt; 1</bpmn:conditionExpression></bpmn:sequenceFlow><bpmn:endEvent id="e"/>`,
      ),
    );
    expect(pairs(r)).toEqual(['BPMN_ERR_JUEL_EXPRESSION f']);
  });

  it('given a process without start event, then BPMN_ERR_NO_START_EVENT', async () => {
    const r = await compileBpmn(
      wrap(
        '<bpmn:task id="t"/><bpmn:sequenceFlow id="f" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>',
      ),
    );
    expect(pairs(r)).toEqual(['BPMN_ERR_NO_START_EVENT p']);
  });

  it('given a start event with incoming and an end event with outgoing flows, then both are reported', async () => {
    const r = await compileBpmn(
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="e"/><bpmn:endEvent id="e"/>
<bpmn:sequenceFlow id="f2" sourceRef="e" targetRef="s"/>`),
    );
    expect(pairs(r)).toEqual(['BPMN_ERR_START_EVENT_INCOMING s', 'BPMN_ERR_END_EVENT_OUTGOING e']);
  });

  it('given link events, then a matching pair is fine and an unmatched throw is an error', async () => {
    const link = (throwName: string) =>
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="lt"/>
<bpmn:intermediateThrowEvent id="lt"><bpmn:linkEventDefinition name="${throwName}"/></bpmn:intermediateThrowEvent>
<bpmn:intermediateCatchEvent id="lc"><bpmn:linkEventDefinition name="A"/></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="lc" targetRef="e"/><bpmn:endEvent id="e"/>`);
    expect(pairs(await compileBpmn(link('A')))).toEqual([]);
    expect(pairs(await compileBpmn(link('B')))).toEqual([
      'BPMN_ERR_DEAD_END s',
      'BPMN_ERR_DEAD_END lt',
      'BPMN_ERR_LINK_UNMATCHED lt',
      'BPMN_WARN_UNREACHABLE lc',
      'BPMN_WARN_UNREACHABLE e',
    ]);
  });

  it('given a sub-process whose inner path never ends, then inner nodes are dead ends', async () => {
    const r = await compileBpmn(
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="sp"/>
<bpmn:subProcess id="sp"><bpmn:startEvent id="is"/><bpmn:sequenceFlow id="if" sourceRef="is" targetRef="it"/><bpmn:task id="it"/></bpmn:subProcess>
<bpmn:sequenceFlow id="f2" sourceRef="sp" targetRef="e"/><bpmn:endEvent id="e"/>`),
    );
    expect(pairs(r)).toEqual(['BPMN_ERR_DEAD_END is', 'BPMN_ERR_DEAD_END it']);
  });

  it('given a reject target that does not exist, then BPMN_ERR_REJECT_TARGET_MISSING', async () => {
    const r = await compileBpmn(
      `<bpmn:definitions ${NS} xmlns:shidian="https://shidian.dev/schema/bpmn/1.0" id="d"><bpmn:process id="p">
<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/>
<bpmn:userTask id="t" shidian:candidateUnits="$case" shidian:rejectTarget="ghost"/>
<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>`,
    );
    expect(pairs(r)).toEqual(['BPMN_ERR_REJECT_TARGET_MISSING t']);
  });

  it('given a service task without connector, then BPMN_ERR_NO_CONNECTOR', async () => {
    const r = await compileBpmn(
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:serviceTask id="t"/>
<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e"/><bpmn:endEvent id="e"/>`),
    );
    expect(pairs(r)).toEqual(['BPMN_ERR_NO_CONNECTOR t']);
  });

  it('given unsupported event definitions, then BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION', async () => {
    const r = await compileBpmn(
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="e"/>
<bpmn:endEvent id="e"><bpmn:compensateEventDefinition/></bpmn:endEvent>`),
    );
    expect(pairs(r)).toEqual(['BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION e']);
    expect(r.unsupported).toEqual(['bpmn:CompensateEventDefinition']);
  });

  it('given a conditional event anywhere, then BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION (it would never trigger)', async () => {
    const cond =
      '<bpmn:conditionalEventDefinition><bpmn:condition xsi:type="bpmn:tFormalExpression" xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance">=x &gt; 1</bpmn:condition></bpmn:conditionalEventDefinition>';
    const r = await compileBpmn(
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:task id="t"/>
<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="c"/><bpmn:intermediateCatchEvent id="c">${cond}</bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f3" sourceRef="c" targetRef="e"/><bpmn:endEvent id="e"/>
<bpmn:boundaryEvent id="b" attachedToRef="t">${cond}</bpmn:boundaryEvent><bpmn:sequenceFlow id="f4" sourceRef="b" targetRef="e"/>
<bpmn:startEvent id="cs">${cond}</bpmn:startEvent><bpmn:sequenceFlow id="f5" sourceRef="cs" targetRef="e"/>`),
    );
    expect(pairs(r)).toEqual([
      'BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION c',
      'BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION b',
      'BPMN_ERR_UNSUPPORTED_EVENT_DEFINITION cs',
    ]);
    expect(r.problems[0]?.params).toEqual({ type: 'bpmn:ConditionalEventDefinition' });
    expect(r.unsupported).toEqual(['bpmn:ConditionalEventDefinition']);
    expect(r.supported).not.toContain('bpmn:ConditionalEventDefinition');
  });

  it('given literal timer values, then ISO 8601 and 6–7 field cron are accepted, unsupported cron features are BPMN_ERR_TIMER_CRON_UNSUPPORTED and anything else BPMN_ERR_TIMER_INVALID', async () => {
    const timer = (kind: string, value: string) =>
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="w"/>
<bpmn:intermediateCatchEvent id="w"><bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f2" sourceRef="w" targetRef="e"/><bpmn:endEvent id="e"/>`);
    for (const [kind, value] of [
      ['timeDuration', 'P15D'],
      ['timeDuration', 'PT1H30M'],
      ['timeDate', '2026-12-01T09:00:00+08:00'],
      ['timeCycle', 'R3/PT10M'],
      ['timeCycle', 'R/2026-01-01T08:00:00+08:00/P1D'],
      ['timeDuration', '=deadline'],
      ['timeCycle', '0 0 9 * * MON-FRI'],
      ['timeCycle', '0 0 8 * * ?'],
      ['timeCycle', '0 0/15 8-18 ? * MON-FRI 2027'],
      ['timeCycle', '@daily'],
    ])
      expect(pairs(await compileBpmn(timer(kind!, value!))), `${kind} ${value}`).toEqual([]);
    for (const [kind, value] of [
      ['timeDuration', '15 days'],
      ['timeDate', 'tomorrow'],
      ['timeCycle', 'every day'],
      ['timeCycle', '0 60 9 * * ?'],
      ['timeCycle', '0 0 9 ? * MON#6'],
    ])
      expect(pairs(await compileBpmn(timer(kind!, value!))), `${kind} ${value}`).toEqual([
        'BPMN_ERR_TIMER_INVALID w',
      ]);
    for (const value of ['*/5 * * * *', '0 0 9 L-3 * ?', '0 0 9 1 * MON', '@reboot'])
      expect(pairs(await compileBpmn(timer('timeCycle', value))), value).toEqual([
        'BPMN_ERR_TIMER_CRON_UNSUPPORTED w',
      ]);
  });

  it('given a boundary event attached to a gateway, then BPMN_ERR_BOUNDARY_NOT_ATTACHED', async () => {
    const r = await compileBpmn(
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="g"/><bpmn:parallelGateway id="g"/>
<bpmn:sequenceFlow id="f2" sourceRef="g" targetRef="e"/><bpmn:endEvent id="e"/>
<bpmn:boundaryEvent id="b" attachedToRef="g"><bpmn:timerEventDefinition><bpmn:timeDuration>P1D</bpmn:timeDuration></bpmn:timerEventDefinition></bpmn:boundaryEvent>`),
    );
    expect(pairs(r)).toContain('BPMN_ERR_BOUNDARY_NOT_ATTACHED b');
  });

  it('given catch and boundary events without a definition or a signal without signalRef, then BPMN_ERR_MISSING_ATTRIBUTE', async () => {
    const r = await compileBpmn(
      wrap(`<bpmn:startEvent id="s"/><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t"/><bpmn:task id="t"/>
<bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="c"/><bpmn:intermediateCatchEvent id="c"/>
<bpmn:sequenceFlow id="f3" sourceRef="c" targetRef="sig"/><bpmn:intermediateCatchEvent id="sig"><bpmn:signalEventDefinition/></bpmn:intermediateCatchEvent>
<bpmn:sequenceFlow id="f4" sourceRef="sig" targetRef="e"/><bpmn:endEvent id="e"/>
<bpmn:boundaryEvent id="b" attachedToRef="t"/><bpmn:sequenceFlow id="f5" sourceRef="b" targetRef="e"/>`),
    );
    expect(r.problems.map((p) => `${p.code} ${p.elementId} ${p.params?.attr?.split(' ')[0]}`)).toEqual([
      'BPMN_ERR_MISSING_ATTRIBUTE c event',
      'BPMN_ERR_MISSING_ATTRIBUTE sig signalRef',
      'BPMN_ERR_MISSING_ATTRIBUTE b event',
    ]);
  });
});
