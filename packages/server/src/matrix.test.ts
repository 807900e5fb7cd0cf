/**
 * The isolation matrix: every route × (own county with the right role / another county / the
 * province reader / a reader of another province / anonymous) → the expected status. Resources all
 * belong to the county `huian`; `anxi` is a county of the same province, `zj` another province.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '@shidian/pilot';
import { startTestApp, type TestApp } from './test-support.js';

let t: TestApp;
const ids = { caseId: '', taskId: '', noticeId: '', deploymentId: '' };
let files: Record<string, string>;
const intake = { petitionerName: '赵六', summary: '噪声扰民' };

beforeAll(async () => {
  t = await startTestApp();
  files = Object.fromEntries(loadBundle(new URL('./fixtures/mini', import.meta.url).pathname).files);
  const dep = await t.as('huian.admin', {
    method: 'POST',
    url: '/api/pilots/mini/deployments',
    payload: { files },
  });
  ids.deploymentId = (dep.json() as { deploymentId: string }).deploymentId;
  const c1 = (
    await t.as('huian.registrar', {
      method: 'POST',
      url: '/api/cases',
      payload: { pilotId: 'mini', data: intake },
    })
  ).json() as { caseId: string; tasks: Array<{ taskId: string }> };
  await t.as('huian.registrar', {
    method: 'POST',
    url: `/api/tasks/${c1.tasks[0]!.taskId}/complete`,
    payload: {},
  });
  ids.noticeId =
    (
      (await t.as('huian.registrar', { method: 'GET', url: `/api/cases/${c1.caseId}/notices` })).json() as {
        items: Array<{ noticeId: string }>;
      }
    ).items[0]?.noticeId ?? '';
  const c2 = (
    await t.as('huian.registrar', {
      method: 'POST',
      url: '/api/cases',
      payload: { pilotId: 'mini', data: intake },
    })
  ).json() as { caseId: string; tasks: Array<{ taskId: string }> };
  ids.caseId = c2.caseId;
  ids.taskId = c2.tasks[0]!.taskId;
});
afterAll(async () => {
  await t.close();
});

type Who = 'own' | 'other' | 'province' | 'otherProvince' | 'anonymous';
interface Row {
  readonly name: string;
  readonly method: 'GET' | 'POST';
  readonly url: () => string;
  readonly body?: () => Record<string, unknown>;
  /** The huian user with the role the route needs, and the anxi user with the same role. */
  readonly own: string;
  readonly other: string;
  readonly expect: Readonly<Record<Who, number>>;
}

const read = { own: 200, other: 404, province: 200, otherProvince: 404, anonymous: 401 } as const;

const rows: Row[] = [
  {
    name: 'GET /api/me',
    method: 'GET',
    url: () => '/api/me',
    own: 'huian.handler',
    other: 'anxi.registrar',
    expect: { own: 200, other: 200, province: 200, otherProvince: 200, anonymous: 401 },
  },
  {
    name: 'POST /api/auth/logout',
    method: 'POST',
    url: () => '/api/auth/logout',
    own: 'huian.handler',
    other: 'anxi.registrar',
    expect: { own: 204, other: 204, province: 204, otherProvince: 204, anonymous: 401 },
  },
  {
    name: 'GET /api/pilots?countyId',
    method: 'GET',
    url: () => '/api/pilots?countyId=huian',
    own: 'huian.handler',
    other: 'anxi.registrar',
    expect: read,
  },
  {
    name: 'GET /api/pilots/{id}/deployments',
    method: 'GET',
    url: () => '/api/pilots/mini/deployments?countyId=huian',
    own: 'huian.handler',
    other: 'anxi.registrar',
    expect: read,
  },
  {
    name: 'GET /api/deployments/{id}/files/{path}',
    method: 'GET',
    url: () => `/api/deployments/${ids.deploymentId}/files/pilot.yaml`,
    own: 'huian.handler',
    other: 'anxi.registrar',
    expect: read,
  },
  {
    name: 'POST /api/pilots/{id}/deployments',
    method: 'POST',
    url: () => '/api/pilots/mini/deployments',
    body: () => ({ files, countyId: 'huian' }),
    own: 'huian.admin',
    other: 'anxi.admin',
    expect: { own: 200, other: 404, province: 403, otherProvince: 404, anonymous: 401 },
  },
  {
    name: 'POST /api/cases',
    method: 'POST',
    url: () => '/api/cases',
    body: () => ({ pilotId: 'mini', data: intake, countyId: 'huian' }),
    own: 'huian.registrar',
    other: 'anxi.registrar',
    expect: { own: 201, other: 404, province: 403, otherProvince: 404, anonymous: 401 },
  },
  {
    name: 'GET /api/cases?countyId',
    method: 'GET',
    url: () => '/api/cases?countyId=huian',
    own: 'huian.handler',
    other: 'anxi.registrar',
    expect: read,
  },
  {
    name: 'GET /api/cases/{id}',
    method: 'GET',
    url: () => `/api/cases/${ids.caseId}`,
    own: 'huian.handler',
    other: 'anxi.registrar',
    expect: read,
  },
  {
    name: 'GET /api/cases/{id}/history',
    method: 'GET',
    url: () => `/api/cases/${ids.caseId}/history`,
    own: 'huian.handler',
    other: 'anxi.registrar',
    expect: read,
  },
  {
    name: 'GET /api/cases/{id}/notices',
    method: 'GET',
    url: () => `/api/cases/${ids.caseId}/notices`,
    own: 'huian.handler',
    other: 'anxi.registrar',
    expect: read,
  },
  {
    name: 'GET /api/notices/{id} (data incomplete → 422 for whoever may read it)',
    method: 'GET',
    url: () => `/api/notices/${ids.noticeId}`,
    own: 'huian.handler',
    other: 'anxi.registrar',
    expect: { own: 422, other: 404, province: 422, otherProvince: 404, anonymous: 401 },
  },
  {
    name: 'GET /api/tasks?countyId',
    method: 'GET',
    url: () => '/api/tasks?countyId=huian',
    own: 'huian.registrar',
    other: 'anxi.registrar',
    expect: read,
  },
  {
    name: 'GET /api/tasks/{id}',
    method: 'GET',
    url: () => `/api/tasks/${ids.taskId}`,
    own: 'huian.registrar',
    other: 'anxi.registrar',
    expect: read,
  },
  {
    name: 'POST /api/tasks/{id}/urge',
    method: 'POST',
    url: () => `/api/tasks/${ids.taskId}/urge`,
    body: () => ({}),
    own: 'huian.supervisor',
    other: 'anxi.registrar',
    expect: { own: 200, other: 404, province: 403, otherProvince: 404, anonymous: 401 },
  },
  {
    name: 'POST /api/tasks/{id}/claim',
    method: 'POST',
    url: () => `/api/tasks/${ids.taskId}/claim`,
    body: () => ({}),
    own: 'huian.registrar',
    other: 'anxi.registrar',
    expect: { own: 200, other: 404, province: 403, otherProvince: 404, anonymous: 401 },
  },
  {
    name: 'POST /api/cases/{id}/suspend',
    method: 'POST',
    url: () => `/api/cases/${ids.caseId}/suspend`,
    body: () => ({ reason: '听证' }),
    own: 'huian.supervisor',
    other: 'anxi.admin',
    expect: { own: 200, other: 404, province: 403, otherProvince: 404, anonymous: 401 },
  },
  {
    name: 'POST /api/cases/{id}/resume',
    method: 'POST',
    url: () => `/api/cases/${ids.caseId}/resume`,
    body: () => ({}),
    own: 'huian.leader',
    other: 'anxi.registrar',
    expect: { own: 200, other: 404, province: 403, otherProvince: 404, anonymous: 401 },
  },
];

const WHO: Who[] = ['anonymous', 'otherProvince', 'province', 'other', 'own'];

describe('route × caller matrix', () => {
  for (const row of rows) {
    it(`${row.name}: anonymous / other province / province / other county / own county`, async () => {
      const got: Record<string, number> = {};
      for (const who of WHO) {
        const user =
          who === 'anonymous'
            ? null
            : who === 'province'
              ? 'fj.reader'
              : who === 'otherProvince'
                ? 'zj.reader'
                : who === 'own'
                  ? row.own
                  : row.other;
        // logout revokes the token: log in afresh for that row
        const headers =
          user === null
            ? {}
            : row.name.includes('logout')
              ? { authorization: `Bearer ${await freshToken(user)}` }
              : await t.auth(user);
        const res = await t.app.inject({
          method: row.method,
          url: row.url(),
          headers,
          ...(row.body === undefined ? {} : { payload: row.body() }),
        });
        got[who] = res.statusCode;
        if (res.statusCode >= 400)
          expect((res.json() as { code: string }).code, `${who}: ${res.body}`).toMatch(/^[A-Z]+_ERR_/);
      }
      expect(got).toEqual(row.expect);
    });
  }
});

async function freshToken(username: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password: 'Test-Passw0rd!' },
  });
  return (res.json() as { token: string }).token;
}
