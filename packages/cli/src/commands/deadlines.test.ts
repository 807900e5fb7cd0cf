import { readFileSync } from 'node:fs';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { createCalendar, deadlineCalendar, type YearData } from '@shidian/calendar';
import { CommandRuntime, createPilot, deploy, openStore, type Store } from '@shidian/store';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';
import { recomputeProvisionalDeadlines } from './deadlines.js';

const dir = mkdtempSync(join(tmpdir(), 'shidian-cli-deadlines-'));
const dataDir = join(dir, 'db');
const bpmn = readFileSync(new URL('./fixtures/deadlines-recompute.bpmn', import.meta.url), 'utf8');
const registrar = { id: 'u-registrar', groups: ['registrar'], units: ['xfj'] };
// Sunday 2026-12-20, 10:00 Beijing time: the 15-day period ends on Monday 2027-01-04, a provisional year
const started = () => new Date('2026-12-20T02:00:00.000Z');

/**
 * INVENTED TEST FIXTURE, not the State Council's real 2027 schedule: 2027-01-04 and 2027-01-05 are
 * made rest days, so the 15-day period must end on Wednesday 2027-01-06.
 */
const INVENTED_2027: YearData = {
  year: 2027,
  restDays: [{ from: '2027-01-04', to: '2027-01-05', name: '测试假日（虚构）' }],
  workdays: [],
  source: 'invented test fixture',
};

let caseId = '';

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi.spyOn(console, 'error').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    return { code: await main(args), out: lines.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

async function withStore<T>(f: (store: Store) => Promise<T>): Promise<T> {
  const store = await openStore({ dataDir });
  try {
    return await f(store);
  } finally {
    await store.close();
  }
}

const budgetOf = (store: Store) =>
  store.db
    .selectFrom('cases')
    .select('state')
    .where('case_id', '=', caseId)
    .executeTakeFirstOrThrow()
    .then((r) => Object.values((r.state as { budgets: Record<string, { due: string; provisional?: boolean }> }).budgets)[0]);

beforeAll(async () => {
  expect((await run(['migrate', '--data-dir', dataDir, '--json'])).code).toBe(0);
  await withStore(async (store) => {
    await store.counties.create({ countyId: 'huian', name: '惠安县', shortName: '惠安' });
    await store.units.create({ countyId: 'huian', unitId: 'xfj', name: '信访局', kind: 'office' });
    await createPilot(store.db, { countyId: 'huian', pilotId: 'main', name: '试点' });
    await deploy(store.db, {
      countyId: 'huian',
      pilotId: 'main',
      bundle: { processes: { 'register.bpmn': bpmn } },
    });
    // Given a case started with a provisional calendar (the holiday data ends with 2026)
    const runtime = new CommandRuntime(store.db, {
      calendar: deadlineCalendar(createCalendar({ uncoveredYears: 'provisional' })),
      clock: started,
    });
    const out = await runtime.startCase({ countyId: 'huian', pilotId: 'main', processId: 'intake', actor: registrar });
    caseId = out.caseId;
    expect(await budgetOf(store)).toMatchObject({ due: '2027-01-04T16:00:00.000Z', provisional: true });
  });
});
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('shidian deadlines recompute', () => {
  it('given the calendar is still provisional, when run as a dry run, then the case is listed and nothing moves', async () => {
    const r = await run(['deadlines', 'recompute', '--data-dir', dataDir, '--dry-run', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toMatchObject({
      ok: true,
      dryRun: true,
      cases: [
        {
          caseId,
          ok: true,
          budgets: [{ from: '2027-01-04T16:00:00.000Z', due: '2027-01-04T16:00:00.000Z', provisional: true }],
        },
      ],
    });
    expect(await withStore(budgetOf)).toMatchObject({ provisional: true });
  });

  it('given another county, when run for it, then no case is touched', async () => {
    const r = await run(['deadlines', 'recompute', '--data-dir', dataDir, '--county', 'jinjiang', '--json']);
    expect(r.code).toBe(0);
    expect(JSON.parse(r.out)).toEqual({ ok: true, dryRun: false, cases: [] });
  });

  it('given 2027 data in the calendar, when recomputed, then the due date moves, the flag goes, and the system audits it', async () => {
    await withStore(async (store) => {
      // When recomputed with a calendar that has (invented) 2027 data
      const runtime = new CommandRuntime(store.db, {
        calendar: deadlineCalendar(createCalendar({ extraYears: [INVENTED_2027] })),
        clock: () => new Date('2026-12-21T02:00:00.000Z'),
      });
      const cases = await recomputeProvisionalDeadlines(store, runtime);
      // Then the due date is the Wednesday after the invented rest days
      expect(cases).toMatchObject([
        {
          caseId,
          ok: true,
          budgets: [{ from: '2027-01-04T16:00:00.000Z', due: '2027-01-06T16:00:00.000Z', provisional: false }],
        },
      ]);
      const budget = await budgetOf(store);
      expect(budget?.due).toBe('2027-01-06T16:00:00.000Z');
      expect(budget?.provisional).toBeUndefined();
      const task = await store.db
        .selectFrom('tasks')
        .select('due_at')
        .where('case_id', '=', caseId)
        .executeTakeFirstOrThrow();
      expect(new Date(task.due_at ?? 0).toISOString()).toBe('2027-01-06T16:00:00.000Z');
      const audit = await store.db
        .selectFrom('audit_events')
        .select(['actor_id', 'kind'])
        .where('kind', '=', 'recompute-deadlines')
        .execute();
      expect(audit).toEqual([{ actor_id: 'system', kind: 'recompute-deadlines' }]);
    });
    // and a second run finds nothing left to do
    const again = await run(['deadlines', 'recompute', '--data-dir', dataDir, '--json']);
    expect(JSON.parse(again.out)).toEqual({ ok: true, dryRun: false, cases: [] });
  });

  it('given an invalid SHIDIAN_UNCOVERED_YEARS, when run, then exit 2', async () => {
    vi.stubEnv('SHIDIAN_UNCOVERED_YEARS', 'maybe');
    try {
      expect((await run(['deadlines', 'recompute', '--data-dir', dataDir])).code).toBe(2);
    } finally {
      vi.unstubAllEnvs();
    }
  });
});
