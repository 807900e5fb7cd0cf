import { strToU8, zipSync } from 'fflate';
import { createTar } from 'nanotar';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '@shidian/pilot';
import { startTestApp, type TestApp } from '../test-support.js';

let t: TestApp;
let files: Record<string, string>;
beforeAll(async () => {
  t = await startTestApp();
  files = Object.fromEntries(loadBundle(new URL('../fixtures/mini', import.meta.url).pathname).files);
});
afterAll(async () => {
  await t.close();
});

const deploy = (user: string | null, body: unknown, url = '/api/pilots/mini/deployments') =>
  t.as(user, { method: 'POST', url, payload: body as Record<string, unknown> });

describe('POST /api/pilots/{pilotId}/deployments', () => {
  it('given a valid bundle from a pilot-admin, then 201 with a content address and version 1; again identical → 200 same id', async () => {
    const res = await deploy('huian.admin', { files });
    expect(res.statusCode).toBe(201);
    const body = res.json() as {
      deploymentId: string;
      version: number;
      created: boolean;
      problems: unknown[];
    };
    expect(body.deploymentId).toMatch(/^[0-9a-f]{64}$/);
    expect(body).toMatchObject({ version: 1, created: true });
    const again = await deploy('huian.admin', { files });
    expect(again.statusCode).toBe(200);
    expect(again.json()).toMatchObject({ deploymentId: body.deploymentId, version: 1, created: false });
    const graphs = await t.store.db
      .selectFrom('deployment_processes')
      .select('process_id')
      .where('deployment_id', '=', body.deploymentId)
      .execute();
    expect(graphs.length).toBeGreaterThan(0);
  });

  it('given changed content, then the next version becomes active', async () => {
    const changed = {
      ...files,
      'pilot.yaml': files['pilot.yaml']!.replace('version: 1.0.0', 'version: 1.0.1'),
    };
    const res = await deploy('huian.admin', { files: changed });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ version: 2 });
    const list = await t.as('huian.registrar', { method: 'GET', url: '/api/pilots/mini/deployments' });
    const items = (list.json() as { items: Array<{ version: number; active: boolean; processes: string[] }> })
      .items;
    expect(items.map((i) => [i.version, i.active])).toEqual([
      [2, true],
      [1, false],
    ]);
    expect(items[0]?.processes.length).toBeGreaterThan(0);
    // redeploying the first bundle rolls back to version 1, and the second one forward again
    const active = async () =>
      (
        (await t.as('huian.registrar', { method: 'GET', url: '/api/pilots/mini/deployments' })).json() as {
          items: Array<{ version: number; active: boolean }>;
        }
      ).items.find((i) => i.active)?.version;
    expect(await deploy('huian.admin', { files })).toMatchObject({ statusCode: 200 });
    expect(await active()).toBe(1);
    expect((await deploy('huian.admin', { files: changed })).json()).toMatchObject({
      version: 2,
      created: false,
    });
    expect(await active()).toBe(2);
  });

  it('given a bundle with a missing file, then 422 API_ERR_DEPLOY_INVALID with the problems and nothing stored', async () => {
    const broken = {
      ...files,
      'pilot.yaml': files['pilot.yaml']!.replace(
        /forms:\n/,
        "forms:\n  - { id: ghost, file: 'forms/ghost.schema.json' }\n",
      ),
    };
    const before = await t.store.db
      .selectFrom('deployments')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    const res = await deploy('huian.admin', { files: broken });
    expect(res.statusCode).toBe(422);
    const body = res.json() as {
      code: string;
      details: { problems: Array<{ code: string; severity: string }> };
    };
    expect(body.code).toBe('API_ERR_DEPLOY_INVALID');
    expect(
      body.details.problems.some((p) => p.code === 'PILOT_ERR_FILE_MISSING' && p.severity === 'error'),
    ).toBe(true);
    const after = await t.store.db
      .selectFrom('deployments')
      .select((eb) => eb.fn.countAll().as('n'))
      .executeTakeFirstOrThrow();
    expect(after.n).toEqual(before.n);
  });

  it('given a manifest whose id differs from the URL, then 422', async () => {
    const res = await deploy('huian.admin', { files }, '/api/pilots/other/deployments');
    expect(res.statusCode).toBe(422);
    expect(res.json()).toMatchObject({ code: 'API_ERR_DEPLOY_INVALID' });
  });

  it('given no manifest, then 422 with PILOT_ERR_MANIFEST_MISSING', async () => {
    const res = await deploy('huian.admin', { files: { 'readme.txt': 'x' } });
    expect(res.statusCode).toBe(422);
    expect((res.json() as { details: { problems: Array<{ code: string }> } }).details.problems[0]?.code).toBe(
      'PILOT_ERR_MANIFEST_MISSING',
    );
  });

  it('given a zip upload, then it deploys like the JSON map (top-level folder stripped)', async () => {
    const zip = zipSync(Object.fromEntries(Object.entries(files).map(([p, c]) => [`mini/${p}`, strToU8(c)])));
    const res = await t.as('anxi.admin', {
      method: 'POST',
      url: '/api/pilots/mini/deployments',
      payload: Buffer.from(zip),
      headers: { 'content-type': 'application/zip' },
    });
    expect(res.statusCode).toBe(201);
    expect(res.json()).toMatchObject({ version: 1 });
  });

  it('given a tar upload, then it deploys too', async () => {
    const tar = createTar(Object.entries(files).map(([name, data]) => ({ name, data })));
    const res = await t.as('anxi.admin', {
      method: 'POST',
      url: '/api/pilots/mini/deployments?countyId=anxi',
      payload: Buffer.from(tar),
      headers: { 'content-type': 'application/x-tar' },
    });
    expect([200, 201]).toContain(res.statusCode);
  });

  it.each([
    ['garbage as zip', 'application/zip', Buffer.from('not a zip at all')],
    ['garbage as tar', 'application/x-tar', Buffer.alloc(1024, 1)],
    ['a zip escaping the bundle', 'application/zip', Buffer.from(zipSync({ '../evil.txt': strToU8('x') }))],
  ])('given %s, then 400 API_ERR_BAD_ARCHIVE', async (_what, type, payload) => {
    const res = await t.as('huian.admin', {
      method: 'POST',
      url: '/api/pilots/mini/deployments',
      payload,
      headers: { 'content-type': type },
    });
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code: 'API_ERR_BAD_ARCHIVE' });
  });

  it('given an unknown field or a non-string file, then 400 API_ERR_VALIDATION', async () => {
    expect((await deploy('huian.admin', { files, activate: true })).json()).toMatchObject({
      code: 'API_ERR_VALIDATION',
    });
    expect((await deploy('huian.admin', { files: { 'pilot.yaml': 1 } })).json()).toMatchObject({
      code: 'API_ERR_VALIDATION',
    });
  });

  it('given a 50 MB upload, then 413 API_ERR_BODY_TOO_LARGE', async () => {
    const res = await t.as('huian.admin', {
      method: 'POST',
      url: '/api/pilots/mini/deployments',
      payload: Buffer.alloc(50 * 1024 * 1024, 1),
      headers: { 'content-type': 'application/zip' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'API_ERR_BODY_TOO_LARGE' });
  });

  it('given text/plain, then 415', async () => {
    const res = await t.as('huian.admin', {
      method: 'POST',
      url: '/api/pilots/mini/deployments',
      payload: 'x',
      headers: { 'content-type': 'text/plain' },
    });
    expect(res.statusCode).toBe(415);
  });

  it.each([
    ['a registrar (no pilot-admin role)', 'huian.registrar', undefined, 403],
    ['a province reader', 'fj.reader', 'huian', 403],
    ['an admin of another county naming this one', 'anxi.admin', 'huian', 404],
    ['a user of another province', 'zj.reader', 'huian', 404],
    ['anonymous', null, undefined, 401],
  ])('given %s, then %s', async (_who, user, countyId, status) => {
    const res = await deploy(user, countyId === undefined ? { files } : { files, countyId });
    expect(res.statusCode).toBe(status);
  });
});

describe('GET /api/pilots and deployment files', () => {
  it('lists only pilots of readable counties', async () => {
    const huian = await t.as('huian.handler', { method: 'GET', url: '/api/pilots' });
    expect(
      (huian.json() as { items: Array<{ countyId: string }> }).items.every((i) => i.countyId === 'huian'),
    ).toBe(true);
    const province = await t.as('fj.reader', { method: 'GET', url: '/api/pilots' });
    expect(
      new Set((province.json() as { items: Array<{ countyId: string }> }).items.map((i) => i.countyId)),
    ).toEqual(new Set(['huian', 'anxi']));
    const other = await t.as('zj.reader', { method: 'GET', url: '/api/pilots' });
    expect((other.json() as { items: unknown[] }).items).toEqual([]);
    const named = await t.as('huian.handler', { method: 'GET', url: '/api/pilots?countyId=anxi' });
    expect(named.statusCode).toBe(404);
  });

  it('serves a deployed file to its county and province, and 404 to others', async () => {
    const list = await t.as('huian.admin', {
      method: 'GET',
      url: '/api/pilots/mini/deployments?countyId=huian',
    });
    const id = (list.json() as { items: Array<{ deploymentId: string }> }).items[0]!.deploymentId;
    const res = await t.as('huian.handler', {
      method: 'GET',
      url: `/api/deployments/${id}/files/pilot.yaml`,
    });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toContain('application/yaml');
    expect(res.body).toContain('id: mini');
    const platform = await t.as('fj.reader', {
      method: 'GET',
      url: `/api/deployments/${id}/files/forms/intake.schema.json`,
    });
    expect(platform.statusCode).toBe(200);
    expect(platform.headers['content-type']).toContain('application/json');
    expect(
      (await t.as('huian.handler', { method: 'GET', url: `/api/deployments/${id}/files/nope.txt` })).json(),
    ).toMatchObject({ code: 'API_ERR_FILE_NOT_FOUND' });
    expect(
      (await t.as('zj.reader', { method: 'GET', url: `/api/deployments/${id}/files/pilot.yaml` })).json(),
    ).toMatchObject({ code: 'API_ERR_DEPLOYMENT_NOT_FOUND' });
    expect(
      (
        await t.as('huian.handler', {
          method: 'GET',
          url: `/api/deployments/${'0'.repeat(64)}/files/pilot.yaml`,
        })
      ).statusCode,
    ).toBe(404);
    expect(
      (await t.as('huian.handler', { method: 'GET', url: `/api/deployments/xyz/files/pilot.yaml` })).json(),
    ).toMatchObject({ code: 'API_ERR_VALIDATION' });
  });

  it('an unknown pilot is 404 API_ERR_PILOT_NOT_FOUND', async () => {
    const res = await t.as('huian.handler', { method: 'GET', url: '/api/pilots/nope/deployments' });
    expect(res.json()).toMatchObject({ code: 'API_ERR_PILOT_NOT_FOUND' });
  });
});

describe('POST /api/pilots/{pilotId}/deployments with a timer start event', () => {
  it('given a process that starts every hour, then its schedule is armed by the deploy itself (no timer worker runs here)', async () => {
    const bpmn = files['processes/mini.bpmn']!.replace(
      '<bpmn:userTask id="Task_Register"',
      '<bpmn:startEvent id="Tick" name="每小时"><bpmn:timerEventDefinition><bpmn:timeCycle>R/PT1H</bpmn:timeCycle></bpmn:timerEventDefinition></bpmn:startEvent>' +
        '<bpmn:sequenceFlow id="Flow_Tick" sourceRef="Tick" targetRef="Task_Register" />' +
        '<bpmn:userTask id="Task_Register"',
    );
    const res = await deploy('huian.admin', {
      files: {
        ...files,
        'processes/mini.bpmn': bpmn,
        'pilot.yaml': files['pilot.yaml']!.replace('version: 1.0.0', 'version: 1.1.0'),
      },
    });
    expect(res.statusCode).toBe(201);
    const { deploymentId } = res.json() as { deploymentId: string };
    const rows = await t.store.db
      .selectFrom('start_timers' as never)
      .select(['start_event_id' as never, 'status' as never])
      .where('deployment_id' as never, '=', deploymentId as never)
      .execute();
    expect(rows).toEqual([{ start_event_id: 'Tick', status: 'active' }]);
  });
});
