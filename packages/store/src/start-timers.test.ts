import { PGlite } from '@electric-sql/pglite';
import { sql } from 'kysely';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from './audit.js';
import { createPilot, deploy } from './deployments.js';
import { seedCounties } from './fixtures/seed.js';
import { openStore } from './open-store.js';
import { CommandRuntime } from './runtime.js';
import { fireDueStartTimer, startTimerKey, syncStartTimers } from './start-timers.js';
import type { Store } from './store.js';
import { createTestStore, onPostgres, pgliteOf, PGLITE_SKIP_REASON, testDatabaseUrl } from './testing.js';
import { TimerWorker, timerStats } from './timer-worker.js';

const T0 = new Date('2026-03-02T00:00:00.000Z');
const H = 3_600_000;
let now = T0;
const clock = () => now;
let store: Store;
let runtime: CommandRuntime;

/** A process `patrol` with a manual start and the given timer start events (`id` → timer XML). */
function bundle(timers: Record<string, string>, processId = 'patrol') {
  const starts = Object.entries(timers)
    .map(
      ([
        id,
        def,
      ]) => `<bpmn:startEvent id="${id}"><bpmn:timerEventDefinition>${def}</bpmn:timerEventDefinition></bpmn:startEvent>
    <bpmn:sequenceFlow id="f_${id}" sourceRef="${id}" targetRef="screen" />`,
    )
    .join('\n    ');
  const xml = `<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:zeebe="http://camunda.org/schema/zeebe/1.0" id="d" targetNamespace="https://shidian.dev/tests">
  <bpmn:process id="${processId}" isExecutable="true">
    <bpmn:startEvent id="manual" />
    <bpmn:sequenceFlow id="f_manual" sourceRef="manual" targetRef="screen" />
    ${starts}
    <bpmn:userTask id="screen" name="矛盾纠纷排查">
      <bpmn:extensionElements><zeebe:assignmentDefinition candidateGroups="handler" /></bpmn:extensionElements>
    </bpmn:userTask>
    <bpmn:sequenceFlow id="f_end" sourceRef="screen" targetRef="end" />
    <bpmn:endEvent id="end" />
  </bpmn:process>
</bpmn:definitions>`;
  return { processes: { [`${processId}.bpmn`]: xml } };
}

const cycle = (v: string) => `<bpmn:timeCycle>${v}</bpmn:timeCycle>`;
const date = (v: string) => `<bpmn:timeDate>${v}</bpmn:timeDate>`;

async function schedules(countyId: string, pilotId: string) {
  return store.db
    .withTables<{
      start_timers: {
        county_id: string;
        pilot_id: string;
        deployment_id: string;
        start_event_id: string;
        status: string;
        next_at: Date | null;
        remaining: number | null;
        fired_count: number;
        last_error: string | null;
        last_case_id: string | null;
      };
    }>()
    .selectFrom('start_timers')
    .select([
      'deployment_id',
      'start_event_id',
      'status',
      'next_at',
      'remaining',
      'fired_count',
      'last_error',
      'last_case_id',
    ])
    .where('county_id', '=', countyId)
    .where('pilot_id', '=', pilotId)
    .orderBy('start_event_id')
    .execute();
}

async function casesOf(countyId: string, deploymentId?: string) {
  return store.db
    .selectFrom('cases')
    .select(['case_id', 'deployment_id', 'process_id', 'created_by', 'state'])
    .where('county_id', '=', countyId)
    .where('pilot_id', '=', 'patrol')
    .$if(deploymentId !== undefined, (q) => q.where('deployment_id', '=', deploymentId!))
    .orderBy('created_at')
    .execute();
}

let pilotSeq = 0;
/** A fresh pilot `patrol` in a fresh county (tests stay independent). */
async function freshCounty(): Promise<string> {
  pilotSeq += 1;
  const countyId = `c${pilotSeq}`;
  await store.counties.create({ countyId, name: `${countyId}县`, shortName: countyId, parentId: 'fj' });
  await createPilot(store.db, { countyId, pilotId: 'patrol', name: '定时排查' });
  return countyId;
}

/** A new county whose pilot `patrol` is deployed at T0 with these start events, its schedules armed. */
async function patrolCounty(timers: Record<string, string>): Promise<string> {
  const c = await freshCounty();
  await deploy(store.db, { countyId: c, pilotId: 'patrol', now: T0, bundle: bundle(timers) });
  await syncStartTimers(store.db, T0);
  return c;
}

beforeAll(async () => {
  store = await createTestStore();
  await seedCounties(store, ['huian']);
  runtime = new CommandRuntime(store.db, { clock });
});
afterAll(async () => {
  await store.close();
});
// each test's pilot is switched off afterwards (no active deployment: its schedules stop), so that
// the next test's worker passes see only their own
afterEach(async () => {
  await sql`UPDATE pilots SET active_deployment_id = NULL WHERE pilot_id = 'patrol'`.execute(store.db);
  await syncStartTimers(store.db, now);
  const left = await sql<{
    n: number;
  }>`SELECT count(*)::int AS n FROM start_timers WHERE status = 'active'`.execute(store.db);
  expect(left.rows[0]?.n).toBe(0);
});

describe('timer start events', () => {
  it('given R3/PT10H and a past timeDate, then the date starts one case at once and the cycle three cases ten hours apart, by the system, audited as the timer', async () => {
    now = T0;
    const c = await freshCounty();
    const d = await deploy(store.db, {
      countyId: c,
      pilotId: 'patrol',
      now: T0,
      bundle: bundle({ every10h: cycle('R3/PT10H'), once: date('2026-01-01T08:00:00+08:00') }),
    });
    const worker = new TimerWorker(store.db, runtime, { clock });
    expect(await worker.drain()).toBe(1); // the date lies in the past: at once
    expect(await schedules(c, 'patrol')).toMatchObject([
      {
        start_event_id: 'every10h',
        status: 'active',
        next_at: new Date(T0.getTime() + 10 * H),
        remaining: 3,
      },
      { start_event_id: 'once', status: 'done', next_at: null, fired_count: 1 },
    ]);
    for (const [i, late] of [
      [1, 7],
      [2, 0],
      [3, 250],
    ] as const) {
      now = new Date(T0.getTime() + i * 10 * H + late);
      expect(await worker.drain(), `occurrence ${i}`).toBe(1);
      expect(await worker.drain()).toBe(0);
    }
    now = new Date(T0.getTime() + 100 * H);
    expect(await worker.drain()).toBe(0);
    const [every] = await schedules(c, 'patrol');
    expect(every).toMatchObject({
      status: 'done',
      next_at: null,
      remaining: 0,
      fired_count: 3,
      last_error: null,
    });
    const cases = await casesOf(c, d.deploymentId);
    expect(cases).toHaveLength(4);
    expect(cases.every((x) => x.created_by === 'system' && x.process_id === 'patrol')).toBe(true);
    const audit = await store.db
      .selectFrom('audit_events')
      .select(['actor_kind', 'actor_id', 'payload'])
      .where('county_id', '=', c)
      .where('chain', '=', cases[1]!.case_id)
      .where('kind', '=', 'start')
      .executeTakeFirstOrThrow();
    expect(audit.payload).toMatchObject({ node: 'every10h', details: { trigger: 'timer' } });
    expect((await verifyAudit(store.db, { countyId: c })).ok).toBe(true);
    // lateness: 60 days for the date deployed after it had passed, then 7, 0 and 250 ms
    expect(worker.stats().startTimers).toMatchObject({
      started: 4,
      lateness: { count: 4, p50: 7, max: T0.getTime() - Date.parse('2026-01-01T00:00:00Z') },
    });
    const db = await timerStats(store.db, { now });
    expect(db.startTimers.lateness.count).toBeGreaterThanOrEqual(4);
  });

  it('given a cron cycle 0 0 9 * * MON-FRI, then cases start at 09:00 China Standard Time on weekdays, a late worker starts one and the schedule skips the weekend', async () => {
    now = T0; // Monday 08:00 CST
    const c = await freshCounty();
    await deploy(store.db, {
      countyId: c,
      pilotId: 'patrol',
      now: T0,
      bundle: bundle({ weekdays: cycle('0 0 9 * * MON-FRI') }),
    });
    const worker = new TimerWorker(store.db, runtime, { clock });
    expect(await worker.drain()).toBe(0);
    const at = (iso: string) => new Date(iso);
    expect(await schedules(c, 'patrol')).toMatchObject([
      { status: 'active', next_at: at('2026-03-02T01:00:00.000Z'), remaining: null },
    ]);
    // Monday 09:00 CST on time, then Tuesday's found late on Thursday 11:00 CST: one case, next is Friday
    for (const [fire, next] of [
      ['2026-03-02T01:00:00.020Z', '2026-03-03T01:00:00.000Z'],
      ['2026-03-05T03:00:00.000Z', '2026-03-06T01:00:00.000Z'],
      // Friday's, fired on Saturday: the next is Monday
      ['2026-03-07T05:00:00.000Z', '2026-03-09T01:00:00.000Z'],
    ] as const) {
      now = at(fire);
      expect(await worker.drain(), fire).toBe(1);
      expect(await worker.drain()).toBe(0);
      expect((await schedules(c, 'patrol'))[0]).toMatchObject({ status: 'active', next_at: at(next) });
    }
    const cases = await casesOf(c);
    expect(cases).toHaveLength(3);
    expect(cases.every((x) => x.created_by === 'system')).toBe(true);
  });

  it('given R/PT1H and five and a half hours with no worker running, when a new process starts its worker, then the missed occurrence starts ONE case and the schedule resumes on its grid', async () => {
    now = T0;
    const c = await patrolCounty({ hourly: cycle('R/PT1H') });
    // the "new process": a PGlite reopened from the data directory image, or a second pool on PostgreSQL
    const url = testDatabaseUrl();
    const second =
      url === undefined
        ? await openStore({
            pglite: await PGlite.create({ loadDataDir: await pgliteOf(store).dumpDataDir('none') }),
            migrate: false,
          })
        : await openStore({ databaseUrl: url, schema: store.schema, migrate: false, poolSize: 2 });
    try {
      now = new Date(T0.getTime() + 5.5 * H);
      const worker = new TimerWorker(second.db, new CommandRuntime(second.db, { clock }), { clock });
      expect(await worker.drain()).toBe(1);
      expect(await worker.drain()).toBe(0);
      const row = await second.db
        .withTables<{
          start_timers: { county_id: string; next_at: Date; fired_count: number; status: string };
        }>()
        .selectFrom('start_timers')
        .select(['next_at', 'fired_count', 'status'])
        .where('county_id', '=', c)
        .executeTakeFirstOrThrow();
      expect(row).toEqual({ next_at: new Date(T0.getTime() + 6 * H), fired_count: 1, status: 'active' });
      expect(worker.stats().startTimers.lateness).toMatchObject({ count: 1, max: 4.5 * H });
    } finally {
      await second.close();
    }
  });

  it('given a new deployment becoming active, then the old schedules stop (a due occurrence of the old one never fires) and the new ones start', async () => {
    now = T0;
    const c = await freshCounty();
    const v1 = await deploy(store.db, {
      countyId: c,
      pilotId: 'patrol',
      now: T0,
      bundle: bundle({ daily: cycle('R/P1D') }),
    });
    const worker = new TimerWorker(store.db, runtime, { clock });
    expect(await worker.drain()).toBe(0);
    // v1's first occurrence is due at T0 + 1 day, but v2 becomes active first
    now = new Date(T0.getTime() + 30 * H);
    const v2 = await deploy(store.db, {
      countyId: c,
      pilotId: 'patrol',
      now: new Date(T0.getTime() + 29 * H),
      bundle: bundle({ twice: cycle('R2/PT2H') }),
    });
    expect(await syncStartTimers(store.db, now)).toMatchObject({
      pilots: 1,
      armed: 1,
      stopped: 1,
      invalid: 0,
    });
    expect(await syncStartTimers(store.db, now)).toMatchObject({ pilots: 0 });
    expect(await schedules(c, 'patrol')).toMatchObject([
      {
        start_event_id: 'daily',
        deployment_id: v1.deploymentId,
        status: 'stopped',
        next_at: new Date(T0.getTime() + 24 * H),
      },
      {
        start_event_id: 'twice',
        deployment_id: v2.deploymentId,
        status: 'active',
        next_at: new Date(T0.getTime() + 31 * H),
      },
    ]);
    expect(await worker.drain()).toBe(0);
    now = new Date(T0.getTime() + 40 * H);
    expect(await worker.drain()).toBe(1);
    expect(await worker.drain()).toBe(0);
    expect((await casesOf(c)).map((x) => x.deployment_id)).toEqual([v2.deploymentId]);
    // rolling back to v1 (same content deployed again) re-arms its schedule from now, and stops v2's
    await deploy(store.db, {
      countyId: c,
      pilotId: 'patrol',
      now,
      bundle: bundle({ daily: cycle('R/P1D') }),
    });
    expect(await syncStartTimers(store.db, now)).toMatchObject({ armed: 1, stopped: 1 });
    expect(await schedules(c, 'patrol')).toMatchObject([
      { start_event_id: 'daily', status: 'active', next_at: new Date(now.getTime() + 24 * H) },
      { start_event_id: 'twice', status: 'stopped' },
    ]);
  });

  it('given an occurrence whose case a crashed worker already started, when a worker retries it, then the start is replayed and no second case is made', async () => {
    now = T0;
    const c = await freshCounty();
    const d = await deploy(store.db, {
      countyId: c,
      pilotId: 'patrol',
      now: T0,
      bundle: bundle({ tick: cycle('R/PT1H') }),
    });
    await syncStartTimers(store.db, T0);
    now = new Date(T0.getTime() + H + 10);
    // the crashed attempt: the case was committed under the occurrence's key, the schedule not advanced
    const occurrence = new Date(T0.getTime() + H);
    const crashed = await runtime.startCase({
      countyId: c,
      deploymentId: d.deploymentId,
      processId: 'patrol',
      startEvent: 'tick',
      actor: { id: 'system', supervisor: true },
      idempotencyKey: startTimerKey({
        deployment_id: d.deploymentId,
        process_id: 'patrol',
        start_event_id: 'tick',
        occurrence,
      }),
    });
    const f = await fireDueStartTimer(store.db, runtime, { clock });
    expect(f).toMatchObject({ outcome: 'started', caseId: crashed.caseId, replayed: true });
    expect(await casesOf(c)).toHaveLength(1);
    expect((await schedules(c, 'patrol'))[0]).toMatchObject({
      next_at: new Date(T0.getTime() + 2 * H),
      fired_count: 1,
    });
  });

  it('given a claimed occurrence whose worker died, then nobody else starts it before the lease ends, and after it exactly one case exists', async () => {
    now = T0;
    const c = await patrolCounty({ tick: cycle('R/PT1H') });
    now = new Date(T0.getTime() + H);
    // the dying worker's claim (what fireDueStartTimer's first statement does), then nothing
    await sql`UPDATE start_timers SET available_at = ${new Date(now.getTime() + 60_000)} WHERE county_id = ${c}`.execute(
      store.db,
    );
    expect((await fireDueStartTimer(store.db, runtime, { clock })).outcome).toBe('none');
    now = new Date(now.getTime() + 61_000);
    expect((await fireDueStartTimer(store.db, runtime, { clock })).outcome).toBe('started');
    expect(await casesOf(c)).toHaveLength(1);
  });

  it('given a schedule the engine refuses to start (its start event is gone), then the occurrence is skipped with the code and the schedule moves on', async () => {
    now = T0;
    const c = await freshCounty();
    const d = await deploy(store.db, {
      countyId: c,
      pilotId: 'patrol',
      now: T0,
      bundle: bundle({ tick: cycle('R/PT1H') }),
    });
    await syncStartTimers(store.db, T0);
    await sql`INSERT INTO start_timers (county_id, pilot_id, deployment_id, process_id, start_event_id, kind, value,
        base_at, every, remaining, next_at, available_at, status, activated_at, updated_at)
      VALUES (${c}, 'patrol', ${d.deploymentId}, 'patrol', 'ghost', 'cycle', 'R/PT2H', ${T0}, 'PT2H', NULL,
        ${new Date(T0.getTime() + 2 * H)}, ${new Date(T0.getTime() + 2 * H)}, 'active', ${T0}, ${T0})`.execute(
      store.db,
    );
    now = new Date(T0.getTime() + 2 * H + 5);
    const worker = new TimerWorker(store.db, runtime, { clock });
    expect(await worker.runStartTimers()).toMatchObject({ started: 1, refused: 1, failed: 0 });
    const ghost = (await schedules(c, 'patrol'))[0]!;
    expect(ghost).toMatchObject({
      start_event_id: 'ghost',
      status: 'active',
      next_at: new Date(T0.getTime() + 4 * H),
      fired_count: 0,
    });
    expect(ghost.last_error).toContain('STORE_ERR_ENGINE_REJECTED');
    expect(ghost.last_error).toContain('ENG_ERR_NO_START_EVENT');
    expect(await casesOf(c)).toHaveLength(1);
  });

  it('given a timer start whose FEEL needs a variable, then its schedule is invalid with ENG_ERR_BAD_TIMER and no case starts', async () => {
    now = T0;
    const c = await freshCounty();
    await deploy(store.db, {
      countyId: c,
      pilotId: 'patrol',
      now: T0,
      bundle: bundle({ bad: date('=startAt'), ok: cycle('R1/PT1H') }),
    });
    expect(await syncStartTimers(store.db, T0)).toMatchObject({ armed: 1, invalid: 1 });
    const [bad] = await schedules(c, 'patrol');
    expect(bad).toMatchObject({ status: 'invalid', next_at: null });
    expect(bad!.last_error).toContain('ENG_ERR_BAD_TIMER');
    now = new Date(T0.getTime() + 2 * H);
    const worker = new TimerWorker(store.db, runtime, { clock });
    expect(await worker.drain()).toBe(1);
    expect(await casesOf(c)).toHaveLength(1);
  });

  it('given startTimers: false, then the worker leaves the schedules alone', async () => {
    now = T0;
    const c = await freshCounty();
    await deploy(store.db, {
      countyId: c,
      pilotId: 'patrol',
      now: T0,
      bundle: bundle({ tick: cycle('R/PT1H') }),
    });
    now = new Date(T0.getTime() + 2 * H);
    const worker = new TimerWorker(store.db, runtime, { clock, startTimers: false });
    await worker.drain();
    expect(await schedules(c, 'patrol')).toEqual([]);
    expect(await casesOf(c)).toEqual([]);
  });
});

describe.skipIf(!onPostgres)(
  `start timers racing on PostgreSQL (skipped on PGlite: ${PGLITE_SKIP_REASON})`,
  () => {
    it('given one due occurrence and two worker processes draining at once, then exactly one case starts', async () => {
      const other = await openStore({
        databaseUrl: testDatabaseUrl()!,
        schema: store.schema,
        migrate: false,
        poolSize: 4,
      });
      try {
        for (let round = 0; round < 5; round++) {
          now = T0;
          const c = await freshCounty();
          await deploy(store.db, {
            countyId: c,
            pilotId: 'patrol',
            now: T0,
            bundle: bundle({ tick: cycle('R/PT1H') }),
          });
          now = new Date(T0.getTime() + H + 1);
          const a = new TimerWorker(store.db, new CommandRuntime(store.db, { clock }), { clock });
          const b = new TimerWorker(other.db, new CommandRuntime(other.db, { clock }), { clock });
          const [ra, rb] = await Promise.all([a.runStartTimers(), b.runStartTimers()]);
          expect(ra.started + rb.started, `round ${round}`).toBe(1);
          expect(ra.failed + rb.failed).toBe(0);
          expect(await casesOf(c)).toHaveLength(1);
          expect((await schedules(c, 'patrol'))[0]).toMatchObject({
            fired_count: 1,
            next_at: new Date(T0.getTime() + 2 * H),
          });
        }
      } finally {
        await other.close();
      }
    });
  },
);
