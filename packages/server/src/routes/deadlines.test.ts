import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '@shidian/pilot';
import { uncoveredYearsSetting } from '../app.js';
import { startTestApp, type TestApp } from '../test-support.js';

const intake = { petitionerName: '张三', summary: '拖欠工资', channel: '来信' };

/** The mini bundle with the register step's 15 days counted from the receipt, plus extra files. */
function anchoredFiles(extra: Record<string, string> = {}): Record<string, string> {
  const files = Object.fromEntries(loadBundle(new URL('../fixtures/mini', import.meta.url).pathname).files);
  const bpmn = files['processes/mini.bpmn'];
  if (bpmn === undefined) throw new Error('mini.bpmn missing');
  const anchored = bpmn.replace(
    '<shidian:deadline period="15d" calendar="calendar" warning="3d"',
    '<shidian:deadline period="15d" calendar="calendar" from="=receivedAt" warning="3d"',
  );
  if (anchored === bpmn) throw new Error('fixture changed: no 15d deadline to anchor');
  return { ...files, 'processes/mini.bpmn': anchored, ...extra };
}

type Created = {
  caseId: string;
  tasks: Array<{ taskId: string; dueAt: string; provisional?: boolean }>;
  deadlines: Array<{ taskId: string; dueAt: string; provisional?: boolean }>;
};

async function deployAs(t: TestApp, admin: string, files: Record<string, string>): Promise<void> {
  const res = await t.as(admin, { method: 'POST', url: '/api/pilots/mini/deployments', payload: { files } });
  expect(res.statusCode, res.body).toBe(201);
}

describe('deadlines through POST /api/cases: receipt anchor and pilot calendars', () => {
  let t: TestApp;
  beforeAll(async () => {
    // registered on 2025-10-09 10:00 Beijing time
    t = await startTestApp({ now: () => new Date('2025-10-09T02:00:00Z') });
    await deployAs(t, 'huian.admin', anchoredFiles());
    // anxi's pilot declares 2025-10-15 a local rest day (calendar.json at the bundle root)
    await deployAs(
      t,
      'anxi.admin',
      anchoredFiles({
        'calendar.json': JSON.stringify({ restDays: [{ date: '2025-10-15', name: '县庆' }] }),
      }),
    );
  });
  afterAll(async () => {
    await t.close();
  });

  it('given a letter received 2025-09-30 23:30 and registered 10-09, then the 15 days end 2025-10-15 (from receipt)', async () => {
    // 09-30 23:30 Beijing is still 09-30; the period starts 10-01; National Day (10-01..10-08) lies
    // inside it and does not count: day 15 is Wednesday 10-15, a workday, so the limit ends there
    const res = await t.as('huian.registrar', {
      method: 'POST',
      url: '/api/cases',
      payload: { pilotId: 'mini', data: intake, receivedAt: '2025-09-30T23:30:00+08:00' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as Created;
    expect(body.deadlines).toEqual([expect.objectContaining({ dueAt: '2025-10-15T16:00:00.000Z' })]);
    expect(body.deadlines[0]).not.toHaveProperty('provisional');
  });

  it('given the same letter in a pilot whose local rest day is 10-15, then the limit ends on Thursday 10-16', async () => {
    const res = await t.as('anxi.registrar', {
      method: 'POST',
      url: '/api/cases',
      payload: { pilotId: 'mini', data: intake, receivedAt: '2025-09-30T23:30:00+08:00' },
    });
    expect(res.statusCode, res.body).toBe(201);
    expect((res.json() as Created).deadlines.map((d) => d.dueAt)).toEqual(['2025-10-16T16:00:00.000Z']);
  });

  it('given no receivedAt, then the 15 days count from the registration (10-09 → 10-24)', async () => {
    const res = await t.as('huian.registrar', {
      method: 'POST',
      url: '/api/cases',
      payload: { pilotId: 'mini', data: intake },
    });
    expect((res.json() as Created).deadlines.map((d) => d.dueAt)).toEqual(['2025-10-24T16:00:00.000Z']);
  });
});

describe('provisional deadlines in 2027 (holiday data ends with 2026)', () => {
  let t: TestApp;
  beforeAll(async () => {
    // 2026-12-21 10:00 Beijing time
    t = await startTestApp({ now: () => new Date('2026-12-21T02:00:00Z') });
    await deployAs(t, 'huian.admin', anchoredFiles());
  });
  afterAll(async () => {
    await t.close();
  });

  it('given a receipt on 2026-12-20, then the due date 2027-01-04 is flagged provisional in every view', async () => {
    const res = await t.as('huian.registrar', {
      method: 'POST',
      url: '/api/cases',
      payload: { pilotId: 'mini', data: intake, receivedAt: '2026-12-20T10:00:00+08:00' },
    });
    expect(res.statusCode, res.body).toBe(201);
    const body = res.json() as Created;
    // 12-20 + 15 days = Monday 2027-01-04 (元旦 01-01 is inside the period; 2027 is provisional)
    expect(body.deadlines).toEqual([
      expect.objectContaining({ dueAt: '2027-01-04T16:00:00.000Z', provisional: true }),
    ]);
    expect(body.tasks[0]).toMatchObject({ provisional: true });
    const taskId = body.tasks[0]?.taskId ?? '';
    const view = await t.as('huian.registrar', { method: 'GET', url: `/api/tasks/${taskId}` });
    expect(view.statusCode).toBe(200);
    expect((view.json() as { task: { provisional?: boolean } }).task.provisional).toBe(true);
    const kase = await t.as('huian.registrar', { method: 'GET', url: `/api/cases/${body.caseId}` });
    expect((kase.json() as { tasks: Array<{ provisional?: boolean }> }).tasks[0]?.provisional).toBe(true);
    const inbox = await t.as('huian.registrar', { method: 'GET', url: '/api/tasks?scope=all' });
    expect(inbox.statusCode, inbox.body).toBe(200);
    const item = (inbox.json() as { items: Array<{ taskId: string; provisional?: boolean }> }).items.find(
      (i) => i.taskId === taskId,
    );
    expect(item?.provisional).toBe(true);
  });

  it('given a due date inside 2026, then no provisional flag', async () => {
    const res = await t.as('huian.registrar', {
      method: 'POST',
      url: '/api/cases',
      payload: { pilotId: 'mini', data: intake, receivedAt: '2026-12-01T10:00:00+08:00' },
    });
    const body = res.json() as Created;
    expect(body.deadlines.map((d) => d.dueAt)).toEqual(['2026-12-16T16:00:00.000Z']);
    expect(body.deadlines[0]).not.toHaveProperty('provisional');
    expect(body.tasks[0]).not.toHaveProperty('provisional');
    const inbox = await t.as('huian.registrar', { method: 'GET', url: '/api/tasks?scope=all' });
    const item = (inbox.json() as { items: Array<{ taskId: string; provisional?: boolean }> }).items.find(
      (i) => i.taskId === body.tasks[0]?.taskId,
    );
    expect(item).toBeDefined();
    expect(item).not.toHaveProperty('provisional');
  });
});

describe('SHIDIAN_UNCOVERED_YEARS', () => {
  it('defaults to provisional, accepts refuse, and refuses anything else', () => {
    expect(uncoveredYearsSetting({})).toBe('provisional');
    expect(uncoveredYearsSetting({ SHIDIAN_UNCOVERED_YEARS: 'refuse' })).toBe('refuse');
    expect(uncoveredYearsSetting({ SHIDIAN_UNCOVERED_YEARS: ' provisional ' })).toBe('provisional');
    expect(() => uncoveredYearsSetting({ SHIDIAN_UNCOVERED_YEARS: 'guess' })).toThrow();
  });
});
