import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import { compileBpmn, executableProcesses, isExecutable } from './compile.js';
import { formatProblem } from './errors.js';
import type { GraphNode, UserTaskNode } from './graph.js';

const fixture = (name: string) => readFileSync(new URL(`./fixtures/${name}`, import.meta.url), 'utf8');
const codes = (r: { problems: readonly { code: string }[] }) => r.problems.map((p) => p.code);
const node = <K extends GraphNode['kind']>(n: GraphNode | undefined, kind: K): GraphNode & { kind: K } => {
  expect(n?.kind).toBe(kind);
  return n as GraphNode & { kind: K };
};

const definitions = (body: string, ns = '') =>
  `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:shidian="https://shidian.dev/schema/bpmn/1.0" ${ns} id="d">
${body}
</bpmn:definitions>`;
const simpleProcess = (inner: string, attrs = '') =>
  definitions(`<bpmn:process id="p" isExecutable="true" ${attrs}>
  <bpmn:startEvent id="s" /><bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="t" />
  ${inner}
  <bpmn:sequenceFlow id="f2" sourceRef="t" targetRef="e" /><bpmn:endEvent id="e" />
</bpmn:process>`);

describe('compileBpmn — Camunda 8 (zeebe) with shidian:', () => {
  it('given the acceptance model, when compiled, then it is executable with no problems', async () => {
    const result = await compileBpmn(fixture('acceptance-camunda8.bpmn'));
    expect(result.problems).toEqual([]);
    expect(result.dialect).toBe('camunda8');
    expect(result.summaries).toEqual([{ id: 'acceptance', name: '受理', executable: true }]);
    expect(isExecutable(result, 'acceptance')).toBe(true);
    expect(executableProcesses(result).map((p) => p.id)).toEqual(['acceptance']);
    expect(result.unsupported).toEqual([]);
    expect(result.supported).toContain('bpmn:UserTask');
  });

  it('maps zeebe user-task attributes and shidian: vocabulary onto one model', async () => {
    const [graph] = (await compileBpmn(fixture('acceptance-camunda8.bpmn'))).processes;
    expect(graph?.versionTag).toBe('2026.1');
    const task = node(graph?.nodes.register, 'userTask');
    expect(task.assignment).toEqual({
      assignee: { kind: 'feel', source: 'initiator' },
      candidateUsers: [],
      candidateGroups: ['registrar', 'reviewer'],
      candidateUnits: ['$case'],
      dueDate: { kind: 'feel', source: 'today() + duration("P15D")' },
      priority: { kind: 'literal', source: '60' },
    });
    expect(task.form).toEqual({
      source: 'zeebe:formId',
      ref: 'intake-review',
      binding: 'versionTag',
      version: 'v3',
    });
    expect(task.stage).toBe('acceptance');
    expect(task.deadline).toEqual({
      period: '15d',
      kind: 'calendar',
      warning: '20%',
      onTimeout: 'escalate',
      escalateTo: 'leader',
      budget: 'register-15',
      basis: 'statutory',
    });
    expect(task.permissions).toEqual([
      { path: 'petitioner.*', mode: 'read' },
      { path: 'claims.*.decision', mode: 'required' },
      { path: '#opinion', mode: 'append' },
    ]);
    expect(task.notices).toEqual(['notice.receipt']);
    expect(task.returnMode).toBe('jump-back');
    expect(task.rejectTarget).toBe('end_rejected');
    expect(task.inputs).toEqual([{ target: 'claims', source: { kind: 'feel', source: 'petition.claims' } }]);
    expect(node(graph?.nodes.start, 'startEvent').form).toEqual({
      source: 'zeebe:formId',
      ref: 'intake',
      binding: 'latest',
    });
  });

  it('precomputes flows, defaults, boundary attachments, multi-instance and the scope tree', async () => {
    const [graph] = (await compileBpmn(fixture('acceptance-camunda8.bpmn'))).processes;
    const gw = node(graph?.nodes.decide, 'exclusiveGateway');
    expect(gw.outgoing).toEqual(['f_reject', 'f_accept']);
    expect(gw.defaultFlow).toBe('f_accept');
    expect(graph?.flows.f_accept?.isDefault).toBe(true);
    expect(graph?.flows.f_reject?.condition).toEqual({ kind: 'feel', source: 'acceptDecision = "reject"' });
    const sign = node(graph?.nodes.countersign, 'userTask');
    expect(sign.boundaryEvents).toEqual(['overdue']);
    expect(sign.multiInstance).toEqual({
      sequential: false,
      collection: { kind: 'feel', source: 'signers' },
      elementVariable: 'signer',
      outputCollection: 'votes',
      outputElement: { kind: 'feel', source: 'vote' },
      preset: 'ratio',
      ratio: 0.66,
    });
    expect(sign.form).toEqual({ source: 'shidian:form', ref: 'countersign-form', binding: 'deployment' });
    const overdue = node(graph?.nodes.overdue, 'boundaryEvent');
    expect(overdue).toMatchObject({ attachedTo: 'countersign', cancelActivity: false });
    expect(overdue.event).toEqual({ type: 'timer', timeDuration: { kind: 'literal', source: 'P3D' } });
    expect(node(graph?.nodes.remind, 'serviceTask').connector).toBe('sms.remind');
    expect(node(graph?.nodes.notify, 'serviceTask').connector).toBe('notice.send');
    expect(node(graph?.nodes.notify, 'serviceTask').stage).toBe('handling');
    expect(node(graph?.nodes.wait_supplement, 'intermediateCatchEvent').event).toEqual({
      type: 'message',
      messageRef: 'Message_supplement',
      messageName: 'supplement-received',
      correlationKey: { kind: 'feel', source: 'caseId' },
    });
    expect(graph?.scopes).toEqual({
      acceptance: {
        id: 'acceptance',
        kind: 'process',
        nodes: [
          'start',
          'register',
          'decide',
          'countersign',
          'overdue',
          'remind',
          'end_reminded',
          'route',
          'end_accepted',
          'end_rejected',
        ],
        startEvents: ['start'],
        eventSubProcesses: [],
      },
      route: {
        id: 'route',
        kind: 'subProcess',
        parent: 'acceptance',
        nodes: ['route_start', 'notify', 'wait_supplement', 'route_end'],
        startEvents: ['route_start'],
        eventSubProcesses: [],
      },
    });
    expect(graph?.messages).toEqual({ Message_supplement: { name: 'supplement-received' } });
  });
});

describe('compileBpmn — extension elements are mapped or reported, never dropped silently', () => {
  it('given FEEL candidate groups, a listener and vendor metadata, then expr, error and warning', async () => {
    const xml = simpleProcess(
      `<bpmn:userTask id="t">
        <bpmn:extensionElements>
          <zeebe:assignmentDefinition candidateGroups="=[&quot;a&quot;, region]" />
          <zeebe:taskListeners><zeebe:taskListener eventType="assigning" type="audit" /></zeebe:taskListeners>
          <vendor:meta xmlns:vendor="urn:vendor" color="red" />
        </bpmn:extensionElements>
      </bpmn:userTask>`,
      '',
    ).replace('id="d"', 'id="d" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0"');
    const r = await compileBpmn(xml);
    expect(node(r.processes[0]?.nodes.t, 'userTask').assignment).toMatchObject({
      candidateGroups: [],
      candidateGroupsExpr: { kind: 'feel', source: '["a", region]' },
    });
    expect(r.problems.map((p) => `${p.code} ${p.params?.what ?? p.params?.type ?? ''}`).sort()).toEqual([
      'BPMN_ERR_UNSUPPORTED_IMPLEMENTATION zeebe:TaskListeners',
      'BPMN_WARN_IGNORED_ELEMENT vendor:meta',
    ]);
  });
});

describe('compileBpmn — Camunda 7', () => {
  it('given the handling model, when compiled, then camunda: attributes land in the same model', async () => {
    const result = await compileBpmn(fixture('handling-camunda7.bpmn'));
    // the only problem: the business-rule task's decision cannot run (no DMN engine), so it is refused at deploy time
    expect(result.problems.map((p) => [p.code, p.elementId])).toEqual([
      ['BPMN_ERR_DECISION_UNSUPPORTED', 'decide'],
    ]);
    expect(result.dialect).toBe('camunda7');
    const [graph] = result.processes;
    expect(graph?.versionTag).toBe('1.2');
    const task = node(graph?.nodes.investigate, 'userTask');
    expect(task.assignment).toEqual({
      assignee: { kind: 'literal', source: 'zhang.san' },
      candidateUsers: ['li.si', 'wang.wu'],
      candidateGroups: ['handler'],
      candidateUnits: [],
      dueDate: { kind: 'literal', source: '2026-12-31T00:00:00' },
      followUpDate: { kind: 'feel', source: 'today()' },
      priority: { kind: 'literal', source: '50' },
    });
    expect(task.form).toEqual({
      source: 'camunda:formRef',
      ref: 'investigation',
      binding: 'version',
      version: '4',
    });
    expect(task.inputs).toEqual([{ target: 'caseNo', source: { kind: 'feel', source: 'case.number' } }]);
    expect(task.outputs).toEqual([{ target: 'finding', source: { kind: 'literal', source: 'fixed text' } }]);
    expect(task.deadline).toEqual({
      period: '60d',
      kind: 'calendar',
      onTimeout: 'remind',
      budget: 'handling-60',
    });
    expect(node(graph?.nodes.start, 'startEvent').form).toEqual({
      source: 'camunda:formKey',
      ref: 'camunda-forms:deployment:intake.form',
      binding: 'latest',
    });
    const sign = node(graph?.nodes.sign, 'userTask');
    expect(sign.multiInstance).toMatchObject({
      sequential: true,
      preset: 'sequential',
      elementVariable: 'approver',
    });
    expect(node(graph?.nodes.archive, 'serviceTask').connector).toBe('archive.store');
    expect(node(graph?.nodes.decide, 'businessRuleTask')).toMatchObject({
      decisionRef: 'route-table',
      resultVariable: 'route',
    });
    expect(node(graph?.nodes.review, 'callActivity')).toMatchObject({
      calledElement: { kind: 'literal', source: 'review-process' },
      binding: 'deployment',
      propagateAllParentVariables: true,
      propagateAllChildVariables: false,
    });
    expect(graph?.scopes.handling?.eventSubProcesses).toEqual(['escalation_handler']);
    expect(graph?.scopes.escalation_handler?.kind).toBe('eventSubProcess');
    expect(node(graph?.nodes.esc_start, 'startEvent').interrupting).toBe(false);
  });
});

describe('compileBpmn — determinism and immutability', () => {
  it('given the same file, when compiled twice, then JSON output is byte-identical', async () => {
    for (const f of ['acceptance-camunda8.bpmn', 'handling-camunda7.bpmn', 'lint-errors.bpmn']) {
      const a = JSON.stringify(await compileBpmn(fixture(f)));
      const b = JSON.stringify(await compileBpmn(fixture(f)));
      expect(a).toBe(b);
    }
  });

  it('writes record keys in sorted order and deep-freezes the result', async () => {
    const result = await compileBpmn(fixture('acceptance-camunda8.bpmn'));
    const graph = result.processes[0]!;
    const keys = Object.keys(graph.nodes);
    expect(keys).toEqual([...keys].sort());
    expect(Object.isFrozen(result)).toBe(true);
    expect(Object.isFrozen(graph.nodes.register)).toBe(true);
    expect(Object.isFrozen((graph.nodes.register as UserTaskNode).assignment.candidateGroups)).toBe(true);
    // a graph survives a JSON round trip unchanged (it is plain data)
    expect(JSON.parse(JSON.stringify(graph))).toStrictEqual(JSON.parse(JSON.stringify(graph)));
  });
});

describe('compileBpmn — timer start events', () => {
  const timerStart =
    '<bpmn:timerEventDefinition><bpmn:timeCycle>R/P1D</bpmn:timeCycle></bpmn:timerEventDefinition>';
  it('given a process started by a timer, when compiled, then it is executable (the store schedules it)', async () => {
    const xml = definitions(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s">${timerStart}</bpmn:startEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="e" /><bpmn:endEvent id="e" />
</bpmn:process>`);
    const r = await compileBpmn(xml);
    expect(r.problems).toEqual([]);
    expect(isExecutable(r, 'p')).toBe(true);
    expect(r.processes[0]?.nodes.s).toMatchObject({
      kind: 'startEvent',
      event: { type: 'timer', timeCycle: { kind: 'literal', source: 'R/P1D' } },
    });
  });
  it('given FEEL timer values on process timer starts, then a value that needs a variable is BPMN_WARN_TIMER_START_NEEDS_VARIABLES and one that does not is clean', async () => {
    const start = (id: string, kind: string, value: string) =>
      `<bpmn:startEvent id="${id}"><bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition></bpmn:startEvent>
  <bpmn:sequenceFlow id="f_${id}" sourceRef="${id}" targetRef="e" />`;
    const xml = definitions(`<bpmn:process id="p" isExecutable="true">
  ${start('needsVar', 'timeDate', '=startAt')}
  ${start('errors', 'timeCycle', '=string(1 / "x")')}
  ${start('constant', 'timeCycle', '="R/P" + string(7) + "D"')}
  ${start('temporal', 'timeDate', '=date and time("2026-12-01T08:00:00+08:00")')}
  <bpmn:endEvent id="e" />
</bpmn:process>`);
    const r = await compileBpmn(xml);
    expect(r.problems.map((p) => [p.code, p.elementId, p.severity])).toEqual([
      ['BPMN_WARN_TIMER_START_NEEDS_VARIABLES', 'needsVar', 'warning'],
      ['BPMN_WARN_TIMER_START_NEEDS_VARIABLES', 'errors', 'warning'],
    ]);
    expect(r.problems[0]?.params).toMatchObject({ kind: 'timeDate', source: 'startAt' });
    expect(isExecutable(r, 'p')).toBe(true);
  });
  it('given process timer start values the scheduler cannot plan, then BPMN_ERR_TIMER_INVALID (a catch event accepts the same literal)', async () => {
    for (const [kind, value] of [
      ['timeDate', '2026-01-01T08:00:00'],
      ['timeDate', '2026-01-01T08:00:00+08:00[Asia/Shanghai]'],
      ['timeCycle', 'R0/PT1H'],
      ['timeCycle', 'R/PT1H/2026-12-31T00:00:00Z'],
      ['timeDuration', 'PT0S'],
      ['timeDate', '="tomorrow"'],
    ]) {
      const xml = definitions(`<bpmn:process id="p" isExecutable="true">
  <bpmn:startEvent id="s"><bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition></bpmn:startEvent>
  <bpmn:sequenceFlow id="f1" sourceRef="s" targetRef="e" /><bpmn:endEvent id="e" />
</bpmn:process>`);
      const r = await compileBpmn(xml);
      expect(
        r.problems.map((p) => [p.code, p.elementId]),
        `${kind} ${value}`,
      ).toEqual([['BPMN_ERR_TIMER_INVALID', 's']]);
    }
  });
  it('given a timer start of an event sub-process, when compiled, then it is accepted (the engine arms it)', async () => {
    const xml = simpleProcess(`<bpmn:userTask id="t" shidian:candidateUnits="$case" />
  <bpmn:subProcess id="esp" triggeredByEvent="true">
    <bpmn:startEvent id="es" isInterrupting="false">${timerStart}</bpmn:startEvent>
    <bpmn:sequenceFlow id="ef" sourceRef="es" targetRef="ee" /><bpmn:endEvent id="ee" />
  </bpmn:subProcess>`);
    const r = await compileBpmn(xml);
    expect(codes(r)).toEqual([]);
    expect(isExecutable(r, 'p')).toBe(true);
  });
});

describe('compileBpmn — options and dialects', () => {
  it('given requireForms, when a user task has no form, then BPMN_ERR_FORM_REQUIRED', async () => {
    const xml = simpleProcess('<bpmn:userTask id="t" shidian:candidateUnits="$case" />');
    expect(codes(await compileBpmn(xml))).toEqual([]);
    const r = await compileBpmn(xml, { requireForms: true });
    expect(codes(r)).toEqual(['BPMN_ERR_FORM_REQUIRED']);
    expect(r.problems[0]).toMatchObject({
      elementId: 't',
      processId: 'p',
      severity: 'error',
      line: 5,
      column: 3,
    });
    expect(isExecutable(r, 'p')).toBe(false);
  });

  it('given a file declaring both camunda and zeebe namespaces, then it picks one and warns', async () => {
    const xml = simpleProcess(
      `<bpmn:userTask id="t"><bpmn:extensionElements><zeebe:assignmentDefinition assignee="=a" /></bpmn:extensionElements></bpmn:userTask>`,
    ).replace(
      'id="d"',
      'id="d" xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" xmlns:camunda="http://camunda.org/schema/1.0/bpmn"',
    );
    const r = await compileBpmn(xml);
    expect(r.dialect).toBe('camunda8');
    expect(codes(r)).toEqual(['BPMN_WARN_MIXED_DIALECTS']);
    expect(isExecutable(r, 'p')).toBe(true);
  });

  it('given invalid shidian: values, then BPMN_ERR_SHIDIAN_INVALID names each', async () => {
    const xml = simpleProcess(
      `<bpmn:userTask id="t" shidian:candidateUnits="u1" shidian:stage="later" shidian:returnMode="sideways">
        <bpmn:extensionElements>
          <shidian:deadline period="fifteen" calendar="lunar" onTimeout="explode" />
          <shidian:permissions><shidian:field path="a" mode="write" /></shidian:permissions>
          <shidian:approval preset="ratio" ratio="1.5" />
        </bpmn:extensionElements>
        <bpmn:multiInstanceLoopCharacteristics><bpmn:loopCardinality>3</bpmn:loopCardinality></bpmn:multiInstanceLoopCharacteristics>
      </bpmn:userTask>`,
    );
    const r = await compileBpmn(xml, { lang: 'en' });
    expect(codes(r).every((c) => c === 'BPMN_ERR_SHIDIAN_INVALID')).toBe(true);
    expect(r.problems.map((p) => p.params?.attr).sort()).toEqual([
      'approval ratio',
      'deadline calendar',
      'deadline onTimeout',
      'deadline period',
      'field mode',
      'returnMode',
      'stage',
    ]);
  });

  it('given a misspelt shidian: attribute, then BPMN_WARN_UNKNOWN_EXTENSION names it', async () => {
    const xml = simpleProcess('<bpmn:task id="t" shidian:stag="handling" />');
    const r = await compileBpmn(xml);
    expect(codes(r)).toEqual(['BPMN_WARN_UNKNOWN_EXTENSION']);
    expect(r.problems[0]).toMatchObject({ elementId: 't', params: { name: 'shidian:stag' } });
  });

  it('given the shidian prefix bound to another namespace URI, then a file-level BPMN_ERR_SHIDIAN_INVALID', async () => {
    const xml = simpleProcess('<bpmn:task id="t" shidian:stage="handling" />').replace(
      'xmlns:shidian="https://shidian.dev/schema/bpmn/1.0"',
      'xmlns:shidian="http://example.org/shidian"',
    );
    const r = await compileBpmn(xml);
    expect(codes(r)).toEqual(['BPMN_ERR_SHIDIAN_INVALID']);
    expect(r.problems[0]?.processId).toBeUndefined();
    expect(isExecutable(r, 'p')).toBe(false);
  });

  it('given an approval preset without multi-instance, then BPMN_ERR_APPROVAL_NOT_MULTI_INSTANCE', async () => {
    const xml = simpleProcess(
      `<bpmn:userTask id="t" shidian:candidateUnits="u1"><bpmn:extensionElements><shidian:approval preset="all" /></bpmn:extensionElements></bpmn:userTask>`,
    );
    expect(codes(await compileBpmn(xml))).toEqual(['BPMN_ERR_APPROVAL_NOT_MULTI_INSTANCE']);
  });

  it('renders messages in zh by default and en on request', async () => {
    const xml = simpleProcess('<bpmn:userTask id="t" />');
    const zh = await compileBpmn(xml);
    const en = await compileBpmn(xml, { lang: 'en' });
    expect(zh.problems[0]?.code).toBe('BPMN_ERR_USER_TASK_UNASSIGNED');
    expect(zh.problems[0]?.message).toMatch(/用户任务/);
    expect(en.problems[0]?.message).toMatch(/user task/);
    expect(formatProblem(zh.problems[0]!, 'en')).toBe(en.problems[0]?.message);
  });

  it('given script tasks, then FEEL scripts compile and other languages are refused', async () => {
    const feelScript = simpleProcess(
      '<bpmn:scriptTask id="t" scriptFormat="feel"><bpmn:script>1 + 2</bpmn:script></bpmn:scriptTask>',
    );
    const r1 = await compileBpmn(feelScript);
    expect(codes(r1)).toEqual([]);
    expect(node(r1.processes[0]?.nodes.t, 'scriptTask').script).toEqual({ kind: 'feel', source: '1 + 2' });
    const js = simpleProcess(
      '<bpmn:scriptTask id="t" scriptFormat="javascript"><bpmn:script>x++</bpmn:script></bpmn:scriptTask>',
    );
    expect(codes(await compileBpmn(js))).toEqual(['BPMN_ERR_SCRIPT_NOT_FEEL']);
  });
});
