import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import {
  compileBundle,
  createPilot,
  deploy,
  deploymentIdOf,
  deploymentIdOfFiles,
  getDeployment,
  loadForm,
  loadGraph,
  storedBundleOf,
} from './deployments.js';
import { json } from './schema.js';
import { petitionBundle } from './fixtures/seed.js';
import type { Store } from './store.js';
import { createTestStore } from './testing.js';

let store: Store;
beforeAll(async () => {
  store = await createTestStore();
  await store.counties.create({ countyId: 'huian', name: '惠安县', shortName: '惠安' });
  await store.counties.create({ countyId: 'jinjiang', name: '晋江市', shortName: '晋江' });
  await createPilot(store.db, { countyId: 'huian', pilotId: 'main', name: '试点' });
});
afterAll(async () => {
  await store.close();
});

async function rowCount(): Promise<number> {
  const r = await store.db
    .selectFrom('deployments')
    .select((eb) => eb.fn.countAll<string | number>().as('n'))
    .executeTakeFirstOrThrow();
  return Number(r.n);
}

describe('deploy', () => {
  it('given a bundle, when deployed twice, then one immutable version addressed by the sha256 of its canonical JSON', async () => {
    const a = await deploy(store.db, { countyId: 'huian', pilotId: 'main', bundle: petitionBundle });
    expect(a).toMatchObject({ version: 1, created: true, processIds: ['petition', 'waiting'] });
    expect(a.deploymentId).toBe(deploymentIdOf(petitionBundle));
    // key order does not change the address
    const reordered = {
      notices: petitionBundle.notices,
      forms: petitionBundle.forms,
      processes: petitionBundle.processes,
    };
    const b = await deploy(store.db, { countyId: 'huian', pilotId: 'main', bundle: reordered });
    expect(b).toMatchObject({ deploymentId: a.deploymentId, version: 1, created: false });
    const graph = await loadGraph(store.db, 'huian', a.deploymentId, 'petition');
    expect(graph.id).toBe('petition');
    expect(await loadForm(store.db, 'huian', a.deploymentId, 'register-form')).toMatchObject({
      type: 'object',
    });
    const pilot = await store.db
      .selectFrom('pilots')
      .select('active_deployment_id')
      .where('county_id', '=', 'huian')
      .executeTakeFirstOrThrow();
    expect(pilot.active_deployment_id).toBe(a.deploymentId);
    await expect(
      store.db.updateTable('deployment_processes').set({ graph: '{}' }).execute(),
    ).rejects.toMatchObject({ code: 'SD001' });
    const v2 = await deploy(store.db, {
      countyId: 'huian',
      pilotId: 'main',
      bundle: { ...petitionBundle, extra: { note: 'v2' } },
    });
    expect(v2).toMatchObject({ version: 2, created: true });
  });

  it('given a deployment of another county, then it is not found', async () => {
    const id = deploymentIdOf(petitionBundle);
    await expect(getDeployment(store.db, 'jinjiang', id)).rejects.toMatchObject({
      code: 'STORE_ERR_DEPLOYMENT_NOT_FOUND',
    });
    await expect(loadGraph(store.db, 'jinjiang', id, 'petition')).rejects.toMatchObject({
      code: 'STORE_ERR_PROCESS_NOT_FOUND',
    });
  });

  it('given a process that references a missing form, when deploying, then STORE_ERR_DEPLOYMENT_MISSING_FORM and nothing is written', async () => {
    const before = await rowCount();
    await expect(
      deploy(store.db, { countyId: 'huian', pilotId: 'main', bundle: { ...petitionBundle, forms: {} } }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_DEPLOYMENT_MISSING_FORM',
      details: { form: 'register-form', elementId: 'register' },
    });
    expect(await rowCount()).toBe(before);
  });

  it('given broken BPMN, an empty bundle or an unknown pilot, then coded errors', async () => {
    await expect(
      deploy(store.db, { countyId: 'huian', pilotId: 'main', bundle: { processes: { 'x.bpmn': '<nope' } } }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_DEPLOYMENT_INVALID',
    });
    await expect(
      deploy(store.db, { countyId: 'huian', pilotId: 'main', bundle: { processes: {} } }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_DEPLOYMENT_INVALID',
    });
    await expect(
      deploy(store.db, { countyId: 'huian', pilotId: 'other', bundle: petitionBundle }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_PILOT_NOT_FOUND',
    });
  });
});

describe('deploy: a compiled bundle and the stored shape', () => {
  const files = {
    'pilot.yaml': 'id: compiled\n',
    'petition.bpmn': petitionBundle.processes['petition.bpmn']!,
  };

  it('given graphs compiled by the caller, when deployed, then exactly those graphs are stored, the pilot is created and the row holds { files, manifest }', async () => {
    const [graph] = await compileBundle(petitionBundle);
    // a stage only the caller's stage map knows: the store must not recompile it away
    const staged = {
      ...graph!,
      nodes: { ...graph!.nodes, register: { ...graph!.nodes['register']!, stage: 'acceptance' } },
    };
    const d = await deploy(store.db, {
      countyId: 'huian',
      pilotId: 'compiled',
      pilot: { name: '已编译', description: 'd' },
      bundle: {
        files,
        manifest: { id: 'compiled' },
        graphs: [staged as typeof graph & object],
        forms: { f: { type: 'object' } },
      },
      warnings: 2,
    });
    expect(d).toMatchObject({ version: 1, created: true, processIds: ['petition'] });
    expect(d.deploymentId).toBe(deploymentIdOfFiles(files));
    expect((await loadGraph(store.db, 'huian', d.deploymentId, 'petition')).nodes['register']?.stage).toBe(
      'acceptance',
    );
    expect(await loadForm(store.db, 'huian', d.deploymentId, 'f')).toEqual({ type: 'object' });
    const row = await store.db
      .selectFrom('deployments')
      .select('bundle')
      .where('deployment_id', '=', d.deploymentId)
      .executeTakeFirstOrThrow();
    expect(row.bundle).toEqual({ files, manifest: { id: 'compiled' } });
    const pilot = await store.db
      .selectFrom('pilots')
      .selectAll()
      .where('county_id', '=', 'huian')
      .where('pilot_id', '=', 'compiled')
      .executeTakeFirstOrThrow();
    expect(pilot).toMatchObject({ name: '已编译', description: 'd', active_deployment_id: d.deploymentId });
    const again = await deploy(store.db, {
      countyId: 'huian',
      pilotId: 'compiled',
      pilot: { name: '已编译' },
      bundle: { files, graphs: [graph!] },
    });
    expect(again).toMatchObject({ deploymentId: d.deploymentId, version: 1, created: false });
  });

  it('given a bundle without a manifest, when deployed, then it is stored as files too', async () => {
    const { deploymentId } = await deploy(store.db, {
      countyId: 'huian',
      pilotId: 'main',
      bundle: petitionBundle,
    });
    const row = await store.db
      .selectFrom('deployments')
      .select('bundle')
      .where('county_id', '=', 'huian')
      .where('deployment_id', '=', deploymentId)
      .executeTakeFirstOrThrow();
    const stored = row.bundle as { files: Record<string, string>; processes?: unknown };
    expect(stored.processes).toBeUndefined();
    expect(Object.keys(stored.files).sort()).toEqual([
      'forms/register-form.schema.json',
      'notices/notice.receipt.json',
      'petition.bpmn',
    ]);
    expect(JSON.parse(stored.files['forms/register-form.schema.json']!)).toEqual(
      petitionBundle.forms?.['register-form'],
    );
  });

  it('given a row written in the older { processes, forms, calendar } shape, then getDeployment reads it as files', async () => {
    await store.db
      .insertInto('deployments')
      .values({
        county_id: 'huian',
        deployment_id: 'f'.repeat(64),
        pilot_id: 'main',
        version: 99,
        bundle: json({ ...petitionBundle, calendar: { restDays: ['2025-10-24'] } }),
      })
      .execute();
    const d = await getDeployment(store.db, 'huian', 'f'.repeat(64));
    expect(d.bundle.files['petition.bpmn']).toBe(petitionBundle.processes['petition.bpmn']);
    expect(JSON.parse(d.bundle.files['calendar.json']!)).toEqual({ restDays: ['2025-10-24'] });
    expect(storedBundleOf({ files: { a: 'x', b: 1 }, manifest: { id: 'm' } })).toEqual({
      files: { a: 'x' },
      manifest: { id: 'm' },
    });
    expect(storedBundleOf(null).files).toEqual({});
  });

  it('given duplicate or malformed graphs, or an unknown county, then coded errors and nothing written', async () => {
    const [graph] = await compileBundle(petitionBundle);
    const before = await rowCount();
    await expect(
      deploy(store.db, { countyId: 'huian', pilotId: 'main', bundle: { files, graphs: [graph!, graph!] } }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_DEPLOYMENT_INVALID' });
    await expect(
      deploy(store.db, { countyId: 'huian', pilotId: 'main', bundle: { files, graphs: [{} as never] } }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_DEPLOYMENT_INVALID' });
    await expect(
      deploy(store.db, {
        countyId: 'nowhere',
        pilotId: 'p',
        pilot: { name: 'p' },
        bundle: { files, graphs: [graph!] },
      }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_COUNTY_NOT_FOUND' });
    expect(await rowCount()).toBe(before);
  });
});
