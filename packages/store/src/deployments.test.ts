import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPilot, deploy, deploymentIdOf, getDeployment, loadForm, loadGraph } from './deployments.js';
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
