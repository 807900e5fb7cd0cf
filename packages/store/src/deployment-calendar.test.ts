import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { calendarOfBundle } from './deployment-calendar.js';
import { createPilot, deploy } from './deployments.js';
import { petitionBundle, registrar } from './fixtures/seed.js';
import { CommandRuntime } from './runtime.js';
import type { Store } from './store.js';
import { createTestStore } from './testing.js';

let store: Store;
// 2025-10-09 10:00 Beijing time: the register step's 15 days end on Friday 2025-10-24
const clock = () => new Date('2025-10-09T02:00:00.000Z');

beforeAll(async () => {
  store = await createTestStore();
  for (const c of ['huian', 'jinjiang']) {
    await store.counties.create({ countyId: c, name: `${c}县`, shortName: c });
    await store.units.create({ countyId: c, unitId: 'xfj', name: '信访局', kind: 'office' });
    await createPilot(store.db, { countyId: c, pilotId: 'main', name: '试点' });
  }
  // huian's pilot declares 2025-10-24 a local rest day; jinjiang has no local days
  await deploy(store.db, {
    countyId: 'huian',
    pilotId: 'main',
    bundle: { ...petitionBundle, calendar: { restDays: [{ date: '2025-10-24', name: '县庆' }] } },
  });
  await deploy(store.db, { countyId: 'jinjiang', pilotId: 'main', bundle: petitionBundle });
});
afterAll(async () => {
  await store.close();
});

async function registerDue(runtime: CommandRuntime, countyId: string): Promise<string | undefined> {
  const out = await runtime.startCase({ countyId, pilotId: 'main', processId: 'petition', actor: registrar });
  const task = await store.db
    .selectFrom('tasks')
    .select('due_at')
    .where('county_id', '=', countyId)
    .where('task_id', '=', out.tasksCreated[0] ?? '')
    .executeTakeFirstOrThrow();
  return task.due_at === null ? undefined : new Date(task.due_at).toISOString();
}

describe('CommandRuntime with deploymentCalendars: one calendar per deployment', () => {
  it('given a pilot local rest day on the last day, when a case starts, then the due date moves to the next workday', async () => {
    const runtime = new CommandRuntime(store.db, { deploymentCalendars: {}, clock });
    // 10-24 is huian's rest day, 10-25/26 the weekend: the period ends on Monday 10-27
    expect(await registerDue(runtime, 'huian')).toBe('2025-10-27T16:00:00.000Z');
    // the same runtime keeps jinjiang on the national calendar
    expect(await registerDue(runtime, 'jinjiang')).toBe('2025-10-24T16:00:00.000Z');
  });

  it('given a fixed calendar and no deploymentCalendars, when a case starts, then local days are not applied', async () => {
    const { createCalendar, deadlineCalendar } = await import('@shidian/calendar');
    const runtime = new CommandRuntime(store.db, { calendar: deadlineCalendar(createCalendar()), clock });
    expect(await registerDue(runtime, 'huian')).toBe('2025-10-24T16:00:00.000Z');
  });

  it('given calendar data that is invalid, when resolved, then STORE_ERR_DEPLOYMENT_INVALID', async () => {
    await expect(calendarOfBundle({ calendar: { restDays: ['not-a-date'] } })).rejects.toMatchObject({
      code: 'STORE_ERR_DEPLOYMENT_INVALID',
    });
  });

  it('given a server-style bundle of files, when resolved, then its calendar.json applies', async () => {
    const cal = await calendarOfBundle({ files: { 'calendar.json': '{"restDays":["2025-10-24"]}' } });
    expect(cal.day('2025-10-24').kind).not.toBe('workday');
  });
});
