/**
 * Races that only a real PostgreSQL server can show (PGlite has one connection: a second
 * transaction simply waits). Skipped, with the reason, when DATABASE_URL is unset.
 */
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { isStoreError } from './errors.js';
import { registrar, seedCounties } from './fixtures/seed.js';
import { openStore } from './open-store.js';
import { CommandRuntime } from './runtime.js';
import type { Store } from './store.js';
import { createTestStore, onPostgres, PGLITE_SKIP_REASON, testDatabaseUrl } from './testing.js';
import { TimerWorker } from './timer-worker.js';

const T0 = new Date('2025-03-03T01:00:00.000Z');

describe.skipIf(!onPostgres)(`concurrency on PostgreSQL (skipped on PGlite: ${PGLITE_SKIP_REASON})`, () => {
  let store: Store;
  let other: Store;
  beforeAll(async () => {
    store = await createTestStore({ poolSize: 8 });
    await seedCounties(store);
    // a second pool on the same schema: a second "server process"
    other = await openStore({
      databaseUrl: testDatabaseUrl()!,
      schema: store.schema,
      migrate: false,
      poolSize: 8,
    });
  });
  afterAll(async () => {
    await other?.close();
    await store?.close();
  });

  it('given one open task, when two commands complete it at once, then exactly one succeeds and the other gets STORE_ERR_CONFLICT', async () => {
    const a = new CommandRuntime(store.db, { clock: () => T0 });
    const b = new CommandRuntime(other.db, { clock: () => T0 });
    for (let round = 0; round < 5; round++) {
      const s = await a.startCase({
        countyId: 'huian',
        pilotId: 'main',
        processId: 'petition',
        actor: registrar,
      });
      const taskId = s.tasksCreated[0]!;
      const results = await Promise.allSettled([
        a.execute({ countyId: 'huian', command: { type: 'complete', taskId, actor: registrar } }),
        b.execute({ countyId: 'huian', command: { type: 'complete', taskId, actor: registrar } }),
      ]);
      const ok = results.filter((r) => r.status === 'fulfilled');
      const failed = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
      expect(ok).toHaveLength(1);
      expect(failed).toHaveLength(1);
      expect(
        isStoreError(failed[0]!.reason, 'STORE_ERR_CONFLICT') ||
          isStoreError(failed[0]!.reason, 'STORE_ERR_TASK_CLOSED'),
      ).toBe(true);
      const handled = await store.db
        .selectFrom('tasks')
        .select('element_id')
        .where('case_id', '=', s.caseId)
        .where('element_id', '=', 'handle')
        .execute();
      expect(handled).toHaveLength(1);
    }
  });

  it('given 120 due timers, when two workers on two pools race (two batches at a time each), then every timer fires exactly once', async () => {
    const n = 120;
    const rt = new CommandRuntime(store.db, { clock: () => T0 });
    const cases: string[] = [];
    for (let i = 0; i < n; i++)
      cases.push(
        (
          await rt.startCase({
            countyId: 'jinjiang',
            pilotId: 'main',
            processId: 'waiting',
            actor: registrar,
          })
        ).caseId,
      );
    const later = () => new Date(T0.getTime() + 7200_000);
    const w1 = new TimerWorker(store.db, new CommandRuntime(store.db, { clock: later }), {
      clock: later,
      batchSize: 20,
      concurrency: 2,
    });
    const w2 = new TimerWorker(other.db, new CommandRuntime(other.db, { clock: later }), {
      clock: later,
      batchSize: 20,
      concurrency: 2,
    });
    const [f1, f2] = await Promise.all([w1.drain(), w2.drain()]);
    // each case took exactly one command after its start (version 2) and opened exactly one task
    // busy cases are skipped, not lost: a final pass picks up anything left
    const rest = await w1.drain();
    expect(f1 + f2 + rest).toBe(n);
    const r = await sql<{ fired: number; tasks: number; firings: number }>`
      SELECT (SELECT count(*)::int FROM timers WHERE county_id = 'jinjiang' AND fired) AS fired,
             (SELECT count(*)::int FROM tasks WHERE county_id = 'jinjiang' AND element_id = 'w_task') AS tasks,
             (SELECT count(*)::int FROM cases WHERE county_id = 'jinjiang' AND version = 2) AS firings`.execute(
      store.db,
    );
    expect(r.rows[0]).toEqual({ fired: n, tasks: n, firings: n });
    expect(f1).toBeGreaterThan(0);
    expect(f2).toBeGreaterThan(0);
  });
});
