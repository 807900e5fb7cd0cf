import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { deploymentIdOf } from './deployments.js';
import { generateOpenTasks } from './fixtures/generate.js';
import { petitionBundle, registrar, seedCounties } from './fixtures/seed.js';
import { inboxCounts, inboxPage, inboxSql, type InboxItem, type InboxQuery } from './inbox.js';
import { CommandRuntime } from './runtime.js';
import type { Store } from './store.js';
import { createTestStore } from './testing.js';

const NOW = new Date('2025-06-01T00:00:00.000Z');
let store: Store;

beforeAll(async () => {
  store = await createTestStore();
  await seedCounties(store, ['huian']);
  await generateOpenTasks(store.db, {
    counties: 2,
    perCounty: 600,
    groups: 4,
    now: NOW,
    assignee: 'u-me',
    deploymentId: deploymentIdOf(petitionBundle),
  });
  await sql`ANALYZE`.execute(store.db);
});
afterAll(async () => {
  await store.close();
});

const base: InboxQuery = {
  countyId: 'g000',
  userId: 'u-me',
  roles: [
    { role: 'grp1', unitId: null },
    { role: 'grp2', unitId: 'u2' },
  ],
  now: NOW,
};

async function all(q: InboxQuery): Promise<InboxItem[]> {
  const out: InboxItem[] = [];
  let cursor: string | null = null;
  for (let i = 0; i < 100; i++) {
    const p = await inboxPage(store.db, { ...q, cursor });
    out.push(...p.items);
    cursor = p.nextCursor;
    if (cursor === null) return out;
  }
  throw new Error('pagination did not end');
}

async function expected(q: InboxQuery): Promise<string[]> {
  // the same visibility rule, computed by hand from the rows
  const rows = await store.db
    .selectFrom('tasks')
    .leftJoin('task_candidates', (j) =>
      j
        .onRef('task_candidates.task_id', '=', 'tasks.task_id')
        .onRef('task_candidates.county_id', '=', 'tasks.county_id'),
    )
    .select(['tasks.task_id', 'tasks.assignee_id', 'tasks.unit_id', 'task_candidates.value'])
    .where('tasks.county_id', '=', q.countyId)
    .where('tasks.status', '=', 'open')
    .execute();
  const ids = new Set<string>();
  for (const r of rows) {
    if (r.assignee_id === q.userId) ids.add(r.task_id);
    else if (
      r.assignee_id === null &&
      q.roles!.some(
        (m) => m.role === r.value && (m.unitId === null || r.unit_id === null || r.unit_id === m.unitId),
      )
    )
      ids.add(r.task_id);
  }
  return [...ids].sort();
}

describe('inbox', () => {
  it('given tasks of several groups, units and counties, when paging through the inbox, then exactly the visible tasks come, in due order, without repeats', async () => {
    const items = await all({ ...base, limit: 37 });
    expect(items.map((i) => i.taskId).sort()).toEqual(await expected(base));
    expect(items.length).toBeGreaterThan(37);
    for (let i = 1; i < items.length; i++) {
      const a = items[i - 1]!;
      const b = items[i]!;
      expect(
        a.dueAt!.getTime() < b.dueAt!.getTime() ||
          (a.dueAt!.getTime() === b.dueAt!.getTime() && a.taskId < b.taskId),
      ).toBe(true);
    }
    expect(items.every((i) => i.caseNumber.startsWith('g000-'))).toBe(true);
  });

  it('sorts by creation time and by priority with keyset pages that join up', async () => {
    const created = await all({ ...base, sort: 'created', limit: 50 });
    expect(created.map((i) => i.taskId).sort()).toEqual(await expected(base));
    expect(
      created.every((x, i) => i === 0 || created[i - 1]!.createdAt.getTime() <= x.createdAt.getTime()),
    ).toBe(true);
    const prio = await all({ ...base, sort: 'priority', limit: 50 });
    expect(prio.length).toBe(created.length);
    expect(prio.every((x, i) => i === 0 || prio[i - 1]!.priority >= x.priority)).toBe(true);
  });

  it('filters by stage, deadline state, due date, case number and petitioner name', async () => {
    const overdue = await all({ ...base, deadlineState: 'overdue' });
    expect(overdue.length).toBeGreaterThan(0);
    expect(overdue.every((i) => i.deadlineState === 'overdue' && i.dueAt!.getTime() <= NOW.getTime())).toBe(
      true,
    );
    const warning = await all({ ...base, deadlineState: 'warning' });
    expect(warning.every((i) => i.deadlineState === 'warning')).toBe(true);
    expect(warning.length).toBeGreaterThan(0);
    const handling = await all({ ...base, stage: 'handling' });
    expect(handling.length).toBeGreaterThan(0);
    expect(handling.every((i) => i.stage === 'handling')).toBe(true);
    const before = new Date(NOW.getTime() - 10 * 86_400_000);
    expect(
      (await all({ ...base, dueBefore: before })).every((i) => i.dueAt!.getTime() < before.getTime()),
    ).toBe(true);
    const byNumber = await all({ ...base, caseNumber: 'g000-000002' });
    expect(byNumber.length).toBeGreaterThan(0);
    expect(byNumber.every((i) => i.caseNumber === 'g000-000002')).toBe(true);
    const byName = await all({ ...base, petitionerName: '王1' });
    expect(byName.every((i) => i.petitionerName!.startsWith('王1'))).toBe(true);
    expect(await all({ ...base, petitionerName: '%' })).toEqual([]);
  });

  it('counts per group and per deadline state, consistent with the pages', async () => {
    const c = await inboxCounts(store.db, base);
    const items = await all(base);
    expect(c.total).toBe(items.length);
    expect(c.assigned).toBe(items.filter((i) => i.assigneeId === 'u-me').length);
    const states = { none: 0, normal: 0, warning: 0, overdue: 0 };
    for (const i of items) states[i.deadlineState] += 1;
    expect(c.byDeadlineState).toEqual(states);
    expect(Object.keys(c.byGroup).sort()).toEqual(['grp1', 'grp2']);
    expect(c.byGroup['grp1']! + c.byGroup['grp2']!).toBe(c.total - c.assigned);
  });

  it('shows tasks created by the runtime to their candidates, and nothing of another county', async () => {
    const rt = new CommandRuntime(store.db, { clock: () => NOW });
    const s = await rt.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
      responsibleUnitId: 'xfj',
    });
    const mine = await inboxPage(store.db, {
      countyId: 'huian',
      userId: 'someone',
      roles: [{ role: 'registrar', unitId: null }],
      now: NOW,
    });
    expect(mine.items.map((i) => i.taskId)).toContain(s.tasksCreated[0]);
    const other = await inboxPage(store.db, {
      countyId: 'g000',
      userId: 'someone',
      roles: [{ role: 'registrar', unitId: null }],
      now: NOW,
    });
    expect(other.items).toEqual([]);
  });

  it('given a forged cursor or a bad limit, then coded errors', async () => {
    await expect(inboxPage(store.db, { ...base, cursor: 'garbage' })).rejects.toMatchObject({
      code: 'STORE_ERR_INVALID_CURSOR',
    });
    const p = await inboxPage(store.db, { ...base, limit: 5 });
    await expect(
      inboxPage(store.db, { ...base, sort: 'created', cursor: p.nextCursor }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_INVALID_CURSOR' });
    await expect(inboxPage(store.db, { ...base, limit: 0 })).rejects.toMatchObject({
      code: 'STORE_ERR_INVALID_INPUT',
    });
  });

  it('the page query is served by an index of open tasks, not a scan of the table', async () => {
    const plan = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ${inboxSql(base, base.roles!)}`.execute(
      store.db,
    );
    const text = plan.rows.map((r) => r['QUERY PLAN']).join('\n');
    expect(text).not.toMatch(/Seq Scan on tasks/);
    expect(text).toMatch(/tasks_open_|tasks_pkey/);
  });
});
