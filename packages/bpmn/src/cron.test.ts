import { describe, expect, it } from 'vitest';
import { compileBpmn } from './compile.js';
import { checkCron, isCron } from './cron.js';

describe('checkCron: the one gate for cron timer cycles (lint and engine)', () => {
  it('given Quartz expressions in a Camunda 7 model, then weekday numbers are read Sunday = 1 and normalised to standard numbers', () => {
    expect(checkCron('0 0 9 ? * 2-6', 'camunda7')).toEqual({ ok: true, pattern: '0 0 9 * * 1-5' });
    expect(checkCron('0 15 10 ? * 6L', 'camunda7')).toEqual({ ok: true, pattern: '0 15 10 * * 5#L' });
    expect(checkCron('0 15 10 ? * 2#1', 'camunda7')).toEqual({ ok: true, pattern: '0 15 10 * * 1#1' });
    expect(checkCron('0 0/5 * * * ?', 'camunda7')).toEqual({ ok: true, pattern: '0 0-59/5 * * * *' });
    expect(checkCron('0 0 9 ? * 7', 'camunda7')).toEqual({ ok: true, pattern: '0 0 9 * * 6' });
    expect(checkCron('0 0 9 ? * 0', 'camunda7')).toMatchObject({ ok: false, code: 'BPMN_ERR_TIMER_INVALID' });
  });

  it('given Spring expressions in a Camunda 8 model, then weekday numbers are read Sunday = 0 or 7 and macros are expanded', () => {
    expect(checkCron('0 0 9 * * 1-5', 'camunda8')).toEqual({ ok: true, pattern: '0 0 9 * * 1-5' });
    expect(checkCron('0 0 9 * * MON-FRI', 'camunda8')).toEqual({ ok: true, pattern: '0 0 9 * * 1-5' });
    expect(checkCron('0 0 9 * * 7', 'camunda8')).toEqual({ ok: true, pattern: '0 0 9 * * 7' });
    expect(checkCron('0 0 9 * * MON-SUN', 'camunda8')).toEqual({ ok: true, pattern: '0 0 9 * * 1-7' });
    expect(checkCron('@daily', 'camunda8')).toEqual({ ok: true, pattern: '0 0 0 * * *' });
    expect(checkCron('  0  0 9 L * ?  ', 'camunda8')).toEqual({ ok: true, pattern: '0 0 9 L * *' });
  });

  it('given features croner does not evaluate or that read differently per dialect, then BPMN_ERR_TIMER_CRON_UNSUPPORTED with the reason', () => {
    for (const v of [
      '0 9 * * *',
      '0 0 9 L-3 * ?',
      '0 0 9 ? * FRI-MON',
      '0 0 9 1 * MON',
      '0 0 9 ? * L',
      '@reboot',
    ])
      expect(checkCron(v, 'camunda7'), v).toMatchObject({
        ok: false,
        code: 'BPMN_ERR_TIMER_CRON_UNSUPPORTED',
      });
    expect(checkCron('0 0 9 1 * MON', 'camunda8')).toEqual({
      ok: false,
      code: 'BPMN_ERR_TIMER_CRON_UNSUPPORTED',
      reason: 'day-of-month and day-of-week both set',
    });
  });

  it('given malformed cron, then BPMN_ERR_TIMER_INVALID', () => {
    for (const v of [
      '0 60 9 * * ?',
      '? 0 9 * * *',
      '*/0 0 9 * * ?',
      '0 0 9 ? * MON#6',
      '0 0 9 ? * +MON',
      '0 0 9 ? 13 *',
    ])
      expect(checkCron(v, 'camunda8'), v).toMatchObject({ ok: false, code: 'BPMN_ERR_TIMER_INVALID' });
  });

  it('given ISO 8601 values, then they are not cron', () => {
    for (const v of ['R/P1D', 'PT1H', '2026-01-01T08:00:00+08:00', 'R3/2026-01-01T00:00:00Z/P1D'])
      expect(isCron(v), v).toBe(false);
    for (const v of ['0 0 9 * * ?', '@daily', '0 9 * * *']) expect(isCron(v), v).toBe(true);
  });

  it('given a Camunda 7 model with a Quartz cycle, then it deploys; with Sunday = 0, then the lint refuses it with BPMN_ERR_TIMER_INVALID', async () => {
    const xml = (
      cycle: string,
    ) => `<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="d" targetNamespace="t">
<bpmn:process id="p" isExecutable="true"><bpmn:startEvent id="s"><bpmn:timerEventDefinition><bpmn:timeCycle>${cycle}</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>
<bpmn:sequenceFlow id="f" sourceRef="s" targetRef="e"/><bpmn:endEvent id="e"/></bpmn:process></bpmn:definitions>`;
    const codes = async (cycle: string) =>
      (await compileBpmn(xml(cycle))).problems
        .filter((p) => p.severity === 'error')
        .map((p) => [p.code, p.elementId]);
    expect(await codes('0 0 9 ? * 2-6')).toEqual([]);
    expect(await codes('0 0 9 ? * 0-4')).toEqual([['BPMN_ERR_TIMER_INVALID', 's']]);
    expect(await codes('0 0 9 L-3 * ?')).toEqual([['BPMN_ERR_TIMER_CRON_UNSUPPORTED', 's']]);
  });
});
