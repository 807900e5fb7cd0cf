import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { loadBundle } from './bundle.js';
import { validateBundle } from './validate-bundle.js';

const examples = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', 'examples');

describe('shipped bundles', () => {
  it.each(['reference', 'qingshan', 'baishui', 'liuhe'])('examples/%s is valid', async (name) => {
    const report = await validateBundle(loadBundle(join(examples, name)));
    expect(report.problems).toEqual([]);
    // all five stages are covered by the bundle's processes
    const stages = new Set(
      [...(report.bundle?.graphs.values() ?? [])].flatMap((g) => Object.values(g.nodes).map((n) => n.stage)),
    );
    expect([...stages].sort()).toEqual(['acceptance', 'handling', 'order', 'prevention', 'supervision']);
  });

  it('the counties differ only in configuration: the same process ids, different units, roles and deadlines', async () => {
    const [qs, bs, lh] = await Promise.all(
      ['qingshan', 'baishui', 'liuhe'].map(
        async (n) => (await validateBundle(loadBundle(join(examples, n)))).bundle!,
      ),
    );
    const ids = (b: typeof qs) => [...b!.graphs.keys()].sort();
    expect(ids(qs)).toEqual(ids(bs));
    expect(ids(qs)).toEqual(ids(lh));
    // (b) the review has a committee decided by majority
    const committee = bs!.graphs.get('review')!.nodes.Task_Committee;
    expect(committee?.kind === 'userTask' && committee.multiInstance?.preset).toBe('ratio');
    // (c) a mediation room before acceptance and 1-3-20 internal deadlines
    expect(lh!.graphs.get('acceptance')!.nodes.Task_Mediation).toBeDefined();
    expect(lh!.manifest.deadlines?.map((d) => d.period)).toEqual(['1d', '3d', '20d']);
    // (a) duplicate detection at registration
    expect(qs!.graphs.get('acceptance')!.nodes.Task_DuplicateCheck).toBeDefined();
  });
});
