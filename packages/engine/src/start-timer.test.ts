import { compileBpmn, isExecutable, type EventDefinition } from '@shidian/bpmn';
import { describe, expect, it } from 'vitest';
import { nextStartOccurrence, planStartTimer, processTimerStarts } from './start-timer.js';
import { step } from './step.js';
import { fixture } from './testing.js';
import { SYSTEM_ACTOR } from './types.js';

type TimerEvent = Extract<EventDefinition, { type: 'timer' }>;
const lit = (source: string) => ({ kind: 'literal' as const, source });
const feel = (source: string) => ({ kind: 'feel' as const, source });
const DEPLOYED = '2026-03-02T00:00:00.000Z';

function plan(ev: TimerEvent, anchor = DEPLOYED) {
  const r = planStartTimer(ev, 's', anchor);
  if (!r.ok) throw new Error(r.error.code);
  return r.plan;
}

describe('timer start events: planning', () => {
  it('given a timeDate, then it starts once at that instant (a past date at once)', () => {
    const p = plan({ type: 'timer', timeDate: lit('2026-04-01T08:00:00+08:00') });
    expect(p).toMatchObject({ kind: 'date', first: '2026-04-01T00:00:00.000Z', remaining: 1 });
    expect(nextStartOccurrence(p, p.first, p.first)).toBeNull();
    expect(plan({ type: 'timer', timeDate: lit('2020-01-01') }).first).toBe('2020-01-01T00:00:00.000Z');
  });

  it('given a timeDuration, then it starts once, the duration after the deployment', () => {
    const p = plan({ type: 'timer', timeDuration: lit('PT10H') });
    expect(p).toMatchObject({ kind: 'duration', first: '2026-03-02T10:00:00.000Z', remaining: 1 });
    expect(nextStartOccurrence(p, p.first, p.first)).toBeNull();
  });

  it('given R3/PT10H, then three starts ten hours apart from the deployment, then done', () => {
    const p = plan({ type: 'timer', timeCycle: lit('R3/PT10H') });
    expect(p).toMatchObject({ kind: 'cycle', first: '2026-03-02T10:00:00.000Z', remaining: 3 });
    const second = nextStartOccurrence(p, p.first, '2026-03-02T10:00:01.000Z');
    expect(second).toBe('2026-03-02T20:00:00.000Z');
    expect(nextStartOccurrence({ ...p, remaining: 2 }, second!, second!)).toBe('2026-03-03T06:00:00.000Z');
    expect(
      nextStartOccurrence({ ...p, remaining: 1 }, '2026-03-03T06:00:00.000Z', '2026-03-03T06:00:00.000Z'),
    ).toBeNull();
  });

  it('given R/P1D and a week of downtime, then the missed occurrence fires once and the grid resumes after now', () => {
    const p = plan({ type: 'timer', timeCycle: lit('R/P1D') });
    expect(p).toMatchObject({ first: '2026-03-03T00:00:00.000Z', remaining: null });
    // fired a week late: the next is the first grid time after the firing, not the 6 missed days
    expect(nextStartOccurrence(p, p.first, '2026-03-10T05:00:00.000Z')).toBe('2026-03-11T00:00:00.000Z');
  });

  it('given a cycle with a start date, then occurrences lie on the start + k × period grid, the past ones skipped', () => {
    const p = plan({ type: 'timer', timeCycle: lit('R5/2026-01-01T09:00:00+08:00/P1M') });
    expect(p).toMatchObject({
      base: '2026-01-01T01:00:00.000Z',
      first: '2026-04-01T01:00:00.000Z',
      remaining: 5,
    });
    expect(nextStartOccurrence(p, p.first, p.first)).toBe('2026-05-01T01:00:00.000Z');
    const future = plan({ type: 'timer', timeCycle: lit('R/2026-06-01T00:00:00Z/PT1H') });
    expect(future.first).toBe('2026-06-01T00:00:00.000Z');
  });

  it('given a cron cycle, then it starts at every match after the deployment (Asia/Shanghai fields), without end, and resumes after now when late', () => {
    // deployed Monday 2026-03-02 08:00 CST
    const p = plan({ type: 'timer', timeCycle: lit('0 0 9 * * MON-FRI') });
    expect(p).toMatchObject({
      kind: 'cycle',
      value: '0 0 9 * * MON-FRI',
      // normalised for croner (names as numbers): what the store keeps in `every`
      every: '0 0 9 * * 1-5',
      first: '2026-03-02T01:00:00.000Z',
      remaining: null,
    });
    expect(nextStartOccurrence(p, p.first, '2026-03-02T01:00:00.050Z')).toBe('2026-03-03T01:00:00.000Z');
    // Friday's start fires on Friday: next is Monday; fired a week late: the first match after the firing
    expect(nextStartOccurrence(p, '2026-03-06T01:00:00.000Z', '2026-03-06T01:00:01.000Z')).toBe(
      '2026-03-09T01:00:00.000Z',
    );
    expect(nextStartOccurrence(p, '2026-03-06T01:00:00.000Z', '2026-03-13T03:00:00.000Z')).toBe(
      '2026-03-16T01:00:00.000Z',
    );
    // a Camunda 7 model reads weekday numbers as Quartz (2-6 = Monday to Friday)
    const q = planStartTimer({ type: 'timer', timeCycle: lit('0 0 9 ? * 2-6') }, 's', DEPLOYED, 'camunda7');
    expect(q.ok && q.plan).toMatchObject({ every: '0 0 9 * * 1-5', first: '2026-03-02T01:00:00.000Z' });
  });

  it('given FEEL that needs no variable, then it is evaluated; FEEL that needs one, unsupported cron, zero or bad values are ENG_ERR_BAD_TIMER', () => {
    expect(plan({ type: 'timer', timeDuration: feel('"PT" + string(2 * 3) + "H"') }).first).toBe(
      '2026-03-02T06:00:00.000Z',
    );
    for (const ev of [
      { type: 'timer', timeDate: feel('startAt') },
      { type: 'timer', timeCycle: lit('0 8 * * *') },
      { type: 'timer', timeCycle: lit('0 0 9 L-3 * ?') },
      { type: 'timer', timeCycle: lit('0 0 9 * * ? 2020') },
      { type: 'timer', timeCycle: lit('R0/PT1H') },
      { type: 'timer', timeCycle: lit('R/PT0S') },
      { type: 'timer', timeDuration: lit('1 day') },
      { type: 'timer', timeDate: lit('2026-01-01T08:00:00') },
      { type: 'timer', timeCycle: { kind: 'juel', source: '${cycle}' } },
      { type: 'timer' },
    ] as TimerEvent[]) {
      const r = planStartTimer(ev, 's', DEPLOYED);
      expect(r.ok === false && r.error.code, JSON.stringify(ev)).toBe('ENG_ERR_BAD_TIMER');
    }
  });
});

describe('timer start events: starting an instance', () => {
  it('given a process with timer start events, then they are listed, and a start naming one is audited as started by the timer', async () => {
    const g = await fixture('timer-start.bpmn');
    expect(processTimerStarts(g).map((t) => t.startEvent)).toEqual(['daily', 'once']);
    const r = step(
      g,
      null,
      { type: 'start', instanceId: 'c1', startEvent: 'daily', actor: SYSTEM_ACTOR },
      '2026-03-03T00:00:00Z',
    );
    if (!r.ok) throw new Error(r.error.code);
    const audit = r.effects.find((e) => e.type === 'audit');
    expect(audit).toMatchObject({
      type: 'audit',
      event: { type: 'start', node: 'daily', actor: 'system', details: { trigger: 'timer' } },
    });
    expect(Object.values(r.state.tasks).map((t) => t.node)).toEqual(['screen']);
    // the none start event is still the default, and its audit names no trigger
    const m = step(g, null, { type: 'start', instanceId: 'c2' }, '2026-03-03T00:00:00Z');
    if (!m.ok) throw new Error(m.error.code);
    const a2 = m.effects.find((e) => e.type === 'audit');
    expect(a2?.type === 'audit' && a2.event.node).toBe('manual');
    expect(a2?.type === 'audit' && a2.event.details).not.toHaveProperty('trigger');
  });
});

describe('timer start events: lint and planner agree', () => {
  it('given literal values, then a process timer start deploys exactly when the scheduler can plan it', async () => {
    const values: [string, string][] = [
      ['timeDate', '2026-04-01T08:00:00+08:00'],
      ['timeDate', '2026-04-01T08:00:00Z'],
      ['timeDate', '2026-04-01T08:00:00.5+08:00'],
      ['timeDate', '2026-04-01T08:00:00'],
      ['timeDate', '2026-04-01T08:00:00+0800'],
      ['timeDate', '2026-13-01T08:00:00Z'],
      ['timeDuration', 'PT10H'],
      ['timeDuration', 'P1Y2M'],
      ['timeDuration', 'P0D'],
      ['timeDuration', '-PT1H'],
      ['timeCycle', 'R3/PT10H'],
      ['timeCycle', 'R/P1D'],
      ['timeCycle', 'R0/P1D'],
      ['timeCycle', 'R5/2026-01-01T09:00:00+08:00/P1M'],
      ['timeCycle', 'R/2026-01-01T09:00:00/P1D'],
      ['timeCycle', 'R/P1D/2027-01-01T00:00:00Z'],
      ['timeCycle', 'R/PT0S'],
      ['timeCycle', '0 0 8 * * ?'],
      ['timeCycle', '0 0/15 8-18 ? * MON-FRI'],
      ['timeCycle', '@daily'],
      ['timeCycle', '0 8 * * *'],
      ['timeCycle', '0 0 9 L-3 * ?'],
      ['timeCycle', '0 0 9 1 * MON'],
      ['timeCycle', '0 60 9 * * ?'],
      ['timeCycle', '0 0 9 ? * 7'],
      ['timeCycle', '0 0 9 ? * 0'],
    ];
    for (const [kind, value, dialect] of [
      ...values.map(([k, v]) => [k, v, 'bpmn'] as const),
      ...values.filter(([k]) => k === 'timeCycle').map(([k, v]) => [k, v, 'camunda7'] as const),
    ]) {
      const ns = dialect === 'camunda7' ? ' xmlns:camunda="http://camunda.org/schema/1.0/bpmn"' : '';
      const xml = `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"${ns} id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"><bpmn:timerEventDefinition><bpmn:${kind}>${value}</bpmn:${kind}></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>`;
      const deploys = isExecutable(await compileBpmn(xml), 'p');
      const ev = { type: 'timer', [kind]: lit(value) } as TimerEvent;
      const plans = planStartTimer(ev, 's', DEPLOYED, dialect).ok;
      expect(deploys, `${kind} ${value} (${dialect})`).toBe(plans);
    }
  });
});
