import { join, dirname } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPilot, deploy, type Store } from '@shidian/store';
import { createTestStore } from '@shidian/store/testing';
import { loadBundle } from './bundle.js';
import { seedPilotCases } from './seed-cases.js';
import { validateBundle, type ValidatedBundle } from './validate-bundle.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..');
let store: Store;
let bundle: ValidatedBundle;

beforeAll(async () => {
  // given the Liuhe example deployed into a fresh embedded database
  const loaded = loadBundle(join(root, 'examples', 'liuhe'));
  bundle = (await validateBundle(loaded)).bundle!;
  store = await createTestStore();
  await store.counties.create({ countyId: 'jl', name: '吉林省', shortName: '吉', kind: 'province' });
  await store.counties.create({ countyId: 'liuhe', name: '柳河县', shortName: '柳河', parentId: 'jl' });
  await createPilot(store.db, { countyId: 'liuhe', pilotId: 'liuhe', name: bundle.manifest.name.zh });
  const forms = Object.fromEntries(
    bundle.manifest.forms.map((f) => [f.id, JSON.parse(loaded.files.get(f.file)!) as unknown]),
  );
  await deploy(store.db, {
    countyId: 'liuhe',
    pilotId: 'liuhe',
    bundle: {
      files: Object.fromEntries(loaded.files),
      manifest: bundle.manifest,
      graphs: [...bundle.graphs.values()],
      forms,
    },
  });
}, 60_000);

afterAll(async () => {
  await store?.close();
});

describe('seedPilotCases', () => {
  it('drives synthetic cases through the store: cases, tasks, timers and notices are persisted', async () => {
    // when 12 cases are seeded
    const progress: number[] = [];
    const summary = await seedPilotCases(store, {
      countyId: 'liuhe',
      pilotId: 'liuhe',
      bundle,
      count: 12,
      seed: 3,
      from: '2026-03-02',
      days: 30,
      onProgress: (d) => progress.push(d),
    });
    // then every case went somewhere and the database holds them
    expect(summary.cases).toBe(12);
    expect(Object.values(summary.outcomes).reduce((a, b) => a + b, 0)).toBe(12);
    expect(progress).toEqual([1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12]);
    const cases = await store.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('county_id', '=', 'liuhe')
      .executeTakeFirstOrThrow();
    expect(Number(cases.n)).toBe(summary.instances);
    const notices = await store.db
      .selectFrom('notices')
      .select(['template_id'])
      .where('county_id', '=', 'liuhe')
      .execute();
    expect(notices.length).toBeGreaterThan(0);
    expect(
      new Set(notices.map((n) => n.template_id)).has('acceptance') ||
        summary.outcomes.mediated + summary.outcomes['not-accepted'] === 12,
    ).toBe(true);
  });
});
