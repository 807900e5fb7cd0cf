import { PGlite } from '@electric-sql/pglite';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from './audit.js';
import { registrar, seedCounties } from './fixtures/seed.js';
import { openStore } from './open-store.js';
import { CommandRuntime } from './runtime.js';
import type { Store } from './store.js';
import { createTestStore, pgliteOf, testDatabaseUrl } from './testing.js';
import { TimerWorker, timerStats } from './timer-worker.js';

const T0 = new Date('2025-03-03T01:00:00.000Z');
let now = T0;
const clock = () => now;
let store: Store;
let runtime: CommandRuntime;

beforeAll(async () => {
  store = await createTestStore();
  await seedCounties(store);
  runtime = new CommandRuntime(store.db, { clock });
});
afterAll(async () => {
  await store.close();
});

describe('timer worker', () => {
  it('given a timer not yet due, then nothing fires; once due, it fires exactly once with its lateness recorded', async () => {
    now = T0;
    const s = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'waiting',
      actor: registrar,
    });
    expect(s.tasksCreated).toEqual([]);
    const worker = new TimerWorker(store.db, runtime, { clock, batchSize: 10 });
    expect((await worker.runOnce()).claimed).toBe(0);
    now = new Date(T0.getTime() + 3600_000 + 250);
    expect(await worker.drain()).toBe(1);
    expect(await worker.drain()).toBe(0);
    const timer = await store.db
      .selectFrom('timers')
      .selectAll()
      .where('case_id', '=', s.caseId)
      .executeTakeFirstOrThrow();
    expect(timer).toMatchObject({ fired: true, lateness_ms: 250, attempts: 1, last_error: null });
    const tasks = await store.db
      .selectFrom('tasks')
      .select(['element_id', 'status'])
      .where('case_id', '=', s.caseId)
      .execute();
    expect(tasks).toEqual([{ element_id: 'w_task', status: 'open' }]);
    expect(worker.stats()).toMatchObject({ fired: 1, lateness: { count: 1, p99: 250 } });
    expect((await timerStats(store.db, { now })).lateness.max).toBeGreaterThanOrEqual(250);
    expect((await verifyAudit(store.db, { countyId: 'huian', caseId: s.caseId })).ok).toBe(true);
  });

  it('given deadline and warning timers, when they come due, then both fire through the engine and the case stays consistent', async () => {
    now = T0;
    const s = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
    });
    now = new Date(T0.getTime() + 40 * 86_400_000);
    const worker = new TimerWorker(store.db, runtime, { clock });
    expect(await worker.drain()).toBeGreaterThanOrEqual(2);
    const timers = await store.db
      .selectFrom('timers')
      .select(['kind', 'fired', 'last_error'])
      .where('case_id', '=', s.caseId)
      .orderBy('due_at')
      .execute();
    expect(timers.every((t) => t.fired)).toBe(true);
    expect((await verifyAudit(store.db, { countyId: 'huian', caseId: s.caseId })).ok).toBe(true);
  });

  it('given a timer whose case no longer knows it, then it is marked fired with the engine code and never retried', async () => {
    now = T0;
    const s = await runtime.startCase({
      countyId: 'jinjiang',
      pilotId: 'main',
      processId: 'waiting',
      actor: registrar,
    });
    await store.db
      .insertInto('timers')
      .values({
        county_id: 'jinjiang',
        case_id: s.caseId,
        engine_timer_id: 'm999',
        kind: 'catch',
        due_at: T0,
        available_at: T0,
      })
      .execute();
    now = new Date(T0.getTime() + 1000);
    const worker = new TimerWorker(store.db, runtime, { clock });
    const r = await worker.runOnce();
    expect(r).toMatchObject({ dead: 1, fired: 0 });
    const t = await store.db
      .selectFrom('timers')
      .selectAll()
      .where('engine_timer_id', '=', 'm999')
      .executeTakeFirstOrThrow();
    expect(t.fired).toBe(true);
    expect(t.last_error).toContain('STORE_ERR_ENGINE_REJECTED');
  });
});

describe('restart', () => {
  it('given timers that came due while no process was running, when a new process opens the database and starts its worker, then they fire', async () => {
    now = T0;
    const s = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'waiting',
      actor: registrar,
    });
    // the "new process": a second connection pool on PostgreSQL, or a PGlite reopened from the
    // stopped instance's data directory image; no memory is shared with the first runtime
    const url = testDatabaseUrl();
    let second: Store;
    if (url === undefined) {
      const image = await pgliteOf(store).dumpDataDir('none');
      second = await openStore({ pglite: await PGlite.create({ loadDataDir: image }), migrate: false });
    } else {
      second = await openStore({ databaseUrl: url, schema: store.schema, migrate: false, poolSize: 2 });
    }
    try {
      now = new Date(T0.getTime() + 7200_000);
      const worker = new TimerWorker(second.db, new CommandRuntime(second.db, { clock }), { clock });
      expect(await worker.drain()).toBeGreaterThanOrEqual(1);
      const t = await second.db
        .selectFrom('timers')
        .select(['fired', 'lateness_ms'])
        .where('case_id', '=', s.caseId)
        .executeTakeFirstOrThrow();
      expect(t).toEqual({ fired: true, lateness_ms: 3600_000 });
    } finally {
      await second.close();
    }
  });
});
