import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '@shidian/pilot';
import { startTestApp, type TestApp } from '../test-support.js';

let t: TestApp;
const intake = { petitionerName: '张三', summary: '拖欠工资', channel: '来访' };

beforeAll(async () => {
  t = await startTestApp({ now: () => new Date('2026-03-02T01:00:00Z') });
  const files = Object.fromEntries(loadBundle(new URL('../fixtures/mini', import.meta.url).pathname).files);
  for (const admin of ['huian.admin', 'anxi.admin']) {
    const res = await t.as(admin, {
      method: 'POST',
      url: '/api/pilots/mini/deployments',
      payload: { files },
    });
    expect(res.statusCode).toBe(201);
  }
});
afterAll(async () => {
  await t.close();
});

const create = (
  user: string | null,
  payload: Record<string, unknown>,
  headers: Record<string, string> = {},
) => t.as(user, { method: 'POST', url: '/api/cases', payload, headers });

describe('POST /api/cases', () => {
  it('given intake data from a registrar, then 201 with the case number, its first task and deadline', async () => {
    const res = await create('huian.registrar', { pilotId: 'mini', data: intake });
    expect(res.statusCode).toBe(201);
    const body = res.json() as {
      caseId: string;
      number: string;
      tasks: Array<{ elementId: string; dueAt: string; candidateGroups: string[] }>;
      deadlines: Array<{ dueAt: string }>;
    };
    expect(body.number).toMatch(/^2026-惠安-\d{6}$/);
    expect(body.tasks.map((x) => x.elementId)).toEqual(['Task_Register']);
    expect(body.tasks[0]?.candidateGroups).toEqual(['registrar']);
    expect(body.deadlines).toHaveLength(1);
    expect(Date.parse(body.deadlines[0]!.dueAt)).toBeGreaterThan(Date.parse('2026-03-16T00:00:00Z'));
    expect(res.headers['location']).toBe(`/api/cases/${body.caseId}`);
  });

  it('given the same Idempotency-Key twice, then the same case; with another body, 409', async () => {
    const first = await create(
      'huian.registrar',
      { pilotId: 'mini', data: intake },
      { 'idempotency-key': 'intake-001' },
    );
    const again = await create(
      'huian.registrar',
      { pilotId: 'mini', data: intake },
      { 'idempotency-key': 'intake-001' },
    );
    expect(first.statusCode).toBe(201);
    expect(again.statusCode).toBe(201);
    expect(again.headers['idempotent-replayed']).toBe('true');
    expect((again.json() as { caseId: string }).caseId).toBe((first.json() as { caseId: string }).caseId);
    const other = await create(
      'huian.registrar',
      { pilotId: 'mini', data: { ...intake, summary: '别的事' } },
      { 'idempotency-key': 'intake-001' },
    );
    expect(other.statusCode).toBe(409);
    expect(other.json()).toMatchObject({ code: 'API_ERR_IDEMPOTENCY_CONFLICT' });
    const bad = await create(
      'huian.registrar',
      { pilotId: 'mini', data: intake },
      { 'idempotency-key': 'with space' },
    );
    expect(bad.json()).toMatchObject({ code: 'API_ERR_BAD_IDEMPOTENCY_KEY' });
  });

  it('given data that breaks the intake form, then 422 API_ERR_FORM_INVALID and no case', async () => {
    const before = await t.store.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    const res = await create('huian.registrar', { pilotId: 'mini', data: { summary: 'x', extra: 1 } });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'API_ERR_FORM_INVALID' });
    const after = await t.store.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toBe(before.n);
  });

  it.each([
    [
      'an unknown pilot',
      'huian.registrar',
      { pilotId: 'nope', data: intake },
      404,
      'API_ERR_PILOT_NOT_FOUND',
    ],
    [
      'an unknown process',
      'huian.registrar',
      { pilotId: 'mini', processId: 'nope', data: intake },
      404,
      'API_ERR_PROCESS_NOT_FOUND',
    ],
    [
      'a handler (not a registrar)',
      'huian.handler',
      { pilotId: 'mini', data: intake },
      403,
      'API_ERR_FORBIDDEN',
    ],
    [
      'another county named explicitly',
      'huian.registrar',
      { pilotId: 'mini', data: intake, countyId: 'anxi' },
      404,
      'API_ERR_PILOT_NOT_FOUND',
    ],
    [
      'a province reader',
      'fj.reader',
      { pilotId: 'mini', data: intake, countyId: 'huian' },
      403,
      'API_ERR_FORBIDDEN',
    ],
    [
      'an unknown field',
      'huian.registrar',
      { pilotId: 'mini', data: intake, priority: 9 },
      400,
      'API_ERR_VALIDATION',
    ],
    [
      'data that is not an object',
      'huian.registrar',
      { pilotId: 'mini', data: [1] },
      400,
      'API_ERR_VALIDATION',
    ],
  ])('given %s, then the coded refusal', async (_what, user, payload, status, code) => {
    const res = await create(user, payload);
    expect(res.statusCode).toBe(status);
    expect(res.json()).toMatchObject({ code });
  });
});

describe('a case walked through its tasks', () => {
  it('registrar claims and completes, handler completes, the case ends with its history chained', async () => {
    const created = (
      await create('huian.registrar', { pilotId: 'mini', data: { ...intake, petitionerName: '李四' } })
    ).json() as { caseId: string; tasks: Array<{ taskId: string }> };
    const registerTask = created.tasks[0]!.taskId;

    const inbox = await t.as('huian.registrar', { method: 'GET', url: '/api/tasks?petitioner=李' });
    expect(inbox.statusCode).toBe(200);
    expect((inbox.json() as { items: Array<{ taskId: string }> }).items.map((i) => i.taskId)).toContain(
      registerTask,
    );
    const handlerInbox = await t.as('huian.handler', { method: 'GET', url: '/api/tasks?petitioner=李' });
    expect((handlerInbox.json() as { items: unknown[] }).items).toEqual([]);

    const view = await t.as('huian.registrar', { method: 'GET', url: `/api/tasks/${registerTask}` });
    expect(view.statusCode).toBe(200);
    const v = view.json() as {
      form: { formId: string; data: Record<string, unknown> };
      moves: string[];
      task: { status: string };
    };
    expect(v.form.formId).toBe('intake');
    expect(v.form.data['petitionerName']).toBe('李四');
    expect(v.moves).toContain('claim');

    const claim = await t.as('huian.registrar', {
      method: 'POST',
      url: `/api/tasks/${registerTask}/claim`,
      payload: {},
    });
    expect(claim.statusCode).toBe(200);
    const again = await t.as('huian.registrar', {
      method: 'POST',
      url: `/api/tasks/${registerTask}/claim`,
      payload: {},
    });
    expect(again.statusCode).toBe(409);

    const bad = await t.as('huian.registrar', {
      method: 'POST',
      url: `/api/tasks/${registerTask}/complete`,
      payload: { data: { channel: '飞鸽' } },
    });
    expect(bad.statusCode).toBe(422);
    expect(bad.json()).toMatchObject({ code: 'API_ERR_FORM_INVALID' });

    const done = await t.as('huian.registrar', {
      method: 'POST',
      url: `/api/tasks/${registerTask}/complete`,
      payload: { data: { channel: '来信' } },
    });
    expect(done.statusCode, done.body).toBe(200);
    const handleTask = (done.json() as { tasksCreated: string[] }).tasksCreated[0]!;
    const closedAgain = await t.as('huian.registrar', {
      method: 'POST',
      url: `/api/tasks/${registerTask}/complete`,
      payload: {},
    });
    expect(closedAgain.statusCode).toBe(409);
    expect(closedAgain.json()).toMatchObject({ code: 'API_ERR_TASK_STATE' });

    const notCandidate = await t.as('huian.registrar', {
      method: 'POST',
      url: `/api/tasks/${handleTask}/claim`,
      payload: {},
    });
    expect(notCandidate.statusCode).toBe(403);
    const handled = await t.as('huian.handler', {
      method: 'POST',
      url: `/api/tasks/${handleTask}/complete`,
      payload: { data: { decision: '予以支持' } },
    });
    expect(handled.statusCode, handled.body).toBe(200);
    expect(handled.json()).toMatchObject({ status: 'completed' });

    const got = await t.as('fj.reader', { method: 'GET', url: `/api/cases/${created.caseId}` });
    expect(got.statusCode).toBe(200);
    expect(got.json()).toMatchObject({
      case: { status: 'completed', petitionerName: '李四' },
      data: { decision: '予以支持', channel: '来信' },
    });

    const history = await t.as('huian.handler', {
      method: 'GET',
      url: `/api/cases/${created.caseId}/history?limit=3`,
    });
    const h = history.json() as {
      items: Array<{ seq: number; prevHash: string; hash: string }>;
      nextCursor: string;
    };
    expect(h.items).toHaveLength(3);
    expect(h.items[1]!.prevHash).toBe(h.items[0]!.hash);
    const rest = await t.as('huian.handler', {
      method: 'GET',
      url: `/api/cases/${created.caseId}/history?cursor=${h.nextCursor}`,
    });
    expect((rest.json() as { items: Array<{ seq: number }> }).items[0]!.seq).toBe(h.items[2]!.seq + 1);
  });

  it('case actions: supervisor suspends and resumes, registrar may not cancel, leader cancels', async () => {
    const { caseId } = (await create('huian.registrar', { pilotId: 'mini', data: intake })).json() as {
      caseId: string;
    };
    const act = (user: string, action: string, payload: Record<string, unknown>) =>
      t.as(user, { method: 'POST', url: `/api/cases/${caseId}/${action}`, payload });
    expect((await act('huian.registrar', 'cancel', { reason: 'x' })).statusCode).toBe(403);
    expect((await act('anxi.registrar', 'cancel', { reason: 'x' })).statusCode).toBe(404);
    expect((await act('huian.supervisor', 'suspend', { reason: '听证' })).statusCode).toBe(200);
    const suspended = await act('huian.supervisor', 'suspend', { reason: '再次' });
    expect(suspended.statusCode).toBe(409);
    expect(suspended.json()).toMatchObject({ code: 'API_ERR_CASE_STATE' });
    expect((await act('huian.supervisor', 'resume', {})).statusCode).toBe(200);
    const cancelled = await act('huian.leader', 'cancel', { reason: '信访人撤回' });
    expect(cancelled.statusCode).toBe(200);
    expect((cancelled.json() as { status: string }).status).not.toBe('active');
    expect((await act('huian.leader', 'cancel', {})).json()).toMatchObject({ code: 'API_ERR_VALIDATION' });
  });
});

describe('GET /api/cases', () => {
  it("pages with a keyset cursor without repeats, and stays within the caller's counties", async () => {
    for (let i = 0; i < 3; i++) await create('anxi.registrar', { pilotId: 'mini', data: intake });
    const seen: string[] = [];
    let cursor: string | null = null;
    do {
      const url: string = `/api/cases?limit=2${cursor === null ? '' : `&cursor=${cursor}`}`;
      const res = await t.as('huian.handler', { method: 'GET', url });
      const body = res.json() as {
        items: Array<{ caseId: string; countyId: string }>;
        nextCursor: string | null;
      };
      expect(body.items.every((c) => c.countyId === 'huian')).toBe(true);
      seen.push(...body.items.map((c) => c.caseId));
      cursor = body.nextCursor;
    } while (cursor !== null);
    expect(new Set(seen).size).toBe(seen.length);
    expect(seen.length).toBeGreaterThanOrEqual(4);
    const province = await t.as('fj.reader', { method: 'GET', url: '/api/cases?limit=100' });
    const counties = new Set(
      (province.json() as { items: Array<{ countyId: string }> }).items.map((c) => c.countyId),
    );
    expect(counties).toEqual(new Set(['huian', 'anxi']));
    expect(
      ((await t.as('zj.reader', { method: 'GET', url: '/api/cases' })).json() as { items: unknown[] }).items,
    ).toEqual([]);
  });

  it.each([
    ['a garbage cursor', '/api/cases?cursor=abc', 'API_ERR_BAD_CURSOR'],
    [
      'a forged cursor of the wrong shape',
      `/api/cases?cursor=${Buffer.from('["x"]').toString('base64url')}`,
      'API_ERR_BAD_CURSOR',
    ],
    ['a SQL-looking filter', `/api/cases?number=${encodeURIComponent("1' OR '1'='1")}`, null],
    ['a SQL-looking petitioner filter', `/api/cases?petitioner=${encodeURIComponent('%')}`, null],
    ['an unknown filter', '/api/cases?drop=table', 'API_ERR_VALIDATION'],
    ['a limit out of range', '/api/cases?limit=1000', 'API_ERR_VALIDATION'],
    [
      'an inbox cursor with a bad date',
      `/api/tasks?countyId=huian&cursor=${Buffer.from('["due","not-a-date","x.t1"]').toString('base64url')}`,
      'API_ERR_BAD_CURSOR',
    ],
  ])('given %s, then a coded 4xx or an empty page', async (_what, url, code) => {
    const res = await t.as('huian.handler', { method: 'GET', url });
    if (code === null) {
      expect(res.statusCode).toBe(200);
      expect((res.json() as { items: unknown[] }).items).toEqual([]);
    } else {
      expect(res.statusCode).toBe(400);
      expect(res.json()).toMatchObject({ code });
    }
  });

  it("another county's case id is indistinguishable from a random one", async () => {
    const { caseId } = (await create('anxi.registrar', { pilotId: 'mini', data: intake })).json() as {
      caseId: string;
    };
    const other = await t.as('huian.handler', { method: 'GET', url: `/api/cases/${caseId}` });
    const random = await t.as('huian.handler', {
      method: 'GET',
      url: '/api/cases/00000000-0000-4000-8000-000000000000',
    });
    expect(other.statusCode).toBe(404);
    expect(other.json()).toEqual(random.json());
  });
});
