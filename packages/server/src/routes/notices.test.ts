import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '@shidian/pilot';
import { startTestApp, type TestApp } from '../test-support.js';
import { existsSync } from 'node:fs';
import { DEFAULT_CHROMIUM_PATH } from '@shidian/print';

let t: TestApp;
let caseId: string;
let noticeId: string;

beforeAll(async () => {
  t = await startTestApp();
  const files = Object.fromEntries(loadBundle(new URL('../fixtures/mini', import.meta.url).pathname).files);
  expect(
    (await t.as('huian.admin', { method: 'POST', url: '/api/pilots/mini/deployments', payload: { files } }))
      .statusCode,
  ).toBe(201);
  const created = (
    await t.as('huian.registrar', {
      method: 'POST',
      url: '/api/cases',
      payload: { pilotId: 'mini', data: { petitionerName: '王五', summary: '征地补偿' } },
    })
  ).json() as {
    caseId: string;
    tasks: Array<{ taskId: string }>;
  };
  caseId = created.caseId;
  const done = await t.as('huian.registrar', {
    method: 'POST',
    url: `/api/tasks/${created.tasks[0]!.taskId}/complete`,
    payload: { data: { channel: '来访' } },
  });
  expect(done.statusCode, done.body).toBe(200);
});
afterAll(async () => {
  await t.close();
});

describe('notices', () => {
  it('completing the step requests its notice; the case lists it for its county and province', async () => {
    const res = await t.as('huian.handler', { method: 'GET', url: `/api/cases/${caseId}/notices` });
    expect(res.statusCode).toBe(200);
    const items = (
      res.json() as { items: Array<{ noticeId: string; templateId: string; kind: string; name: string }> }
    ).items;
    expect(items.map((n) => [n.templateId, n.kind, n.name])).toEqual([
      ['acceptance', 'acceptance', '受理告知书'],
    ]);
    noticeId = items[0]!.noticeId;
    expect((await t.as('fj.reader', { method: 'GET', url: `/api/cases/${caseId}/notices` })).statusCode).toBe(
      200,
    );
    expect(
      (await t.as('anxi.registrar', { method: 'GET', url: `/api/cases/${caseId}/notices` })).statusCode,
    ).toBe(404);
  });

  it('a notice whose case data lacks a required content is refused, never printed (422 PILOT_ERR_NOTICE_DATA_INVALID)', async () => {
    const res = await t.as('huian.handler', { method: 'GET', url: `/api/notices/${noticeId}` });
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'PILOT_ERR_NOTICE_DATA_INVALID' });
  });

  it('given complete notice data, then the HTML document, sandboxed', async () => {
    const payload = {
      receivedOn: '2026-03-02',
      channelLabel: '来访',
      claims: [{ kindLabel: '求决', summary: '要求支付征地补偿款' }],
      acceptedOn: '2026-03-03',
      handlingBody: '惠安县自然资源局',
      limitDays: 60,
      dueOn: '2026-05-02',
    };
    await t.store.db
      .updateTable('notices')
      .set({ payload: JSON.stringify(payload) })
      .where('notice_id', '=', noticeId)
      .execute();
    const res = await t.as('huian.handler', { method: 'GET', url: `/api/notices/${noticeId}` });
    expect(res.statusCode, res.body).toBe(200);
    expect(res.headers['content-type']).toContain('text/html');
    expect(res.headers['content-security-policy']).toContain('sandbox');
    expect(res.body).toContain('王五');
    expect(res.body).toContain('惠安县自然资源局');
    expect(res.body).toMatch(/惠安信〔2026〕\d+号/);
  });

  it('?format=pdf prints with @shidian/print when Chromium is installed, else 422 API_ERR_NOTICE_FORMAT', async () => {
    const res = await t.as('huian.handler', { method: 'GET', url: `/api/notices/${noticeId}?format=pdf` });
    if (!existsSync(process.env['CHROMIUM_PATH'] ?? DEFAULT_CHROMIUM_PATH)) {
      expect(res.statusCode).toBe(422);
      expect(res.json()).toMatchObject({ code: 'API_ERR_NOTICE_FORMAT' });
    } else {
      expect(res.statusCode).toBe(200);
      expect(res.rawPayload.subarray(0, 5).toString()).toBe('%PDF-');
    }
  });

  it('another county, another province and unknown ids get 404 API_ERR_NOTICE_NOT_FOUND; bad formats 400', async () => {
    for (const user of ['anxi.registrar', 'zj.reader']) {
      expect((await t.as(user, { method: 'GET', url: `/api/notices/${noticeId}` })).json()).toMatchObject({
        code: 'API_ERR_NOTICE_NOT_FOUND',
      });
    }
    expect(
      (
        await t.as('huian.handler', {
          method: 'GET',
          url: '/api/notices/00000000-0000-4000-8000-000000000000',
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await t.as('huian.handler', { method: 'GET', url: `/api/notices/${noticeId}?format=docx` }))
        .statusCode,
    ).toBe(400);
    expect((await t.as(null, { method: 'GET', url: `/api/notices/${noticeId}` })).statusCode).toBe(401);
  });
});
