/**
 * The runtime's case cache: a command on a case this runtime wrote last skips the read, and the
 * version-guarded write sends it back to the read path whenever the case moved on elsewhere.
 * Two runtimes on one database stand for two server processes.
 */
import { randomUUID } from 'node:crypto';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from './audit.js';
import { handler, registrar, seedCounties } from './fixtures/seed.js';
import { CommandRuntime } from './runtime.js';
import type { Store } from './store.js';
import { createTestStore } from './testing.js';

const staff = { id: 'u-staff', groups: ['registrar', 'handler'], units: ['xfj'] };
let store: Store;

beforeAll(async () => {
  store = await createTestStore();
  await seedCounties(store);
});
afterAll(async () => {
  await store.close();
});

async function start(rt: CommandRuntime) {
  return rt.startCase({
    countyId: 'huian',
    pilotId: 'main',
    processId: 'petition',
    actor: registrar,
    responsibleUnitId: 'xfj',
  });
}

async function caseRow(caseId: string) {
  return store.db
    .selectFrom('cases')
    .select(['version', 'status', 'audit_seq'])
    .where('case_id', '=', caseId)
    .executeTakeFirstOrThrow();
}

describe('case cache', () => {
  it('given a case another runtime moved on, when this runtime acts on its stale copy, then the read path decides and nothing is doubled', async () => {
    const a = new CommandRuntime(store.db);
    const b = new CommandRuntime(store.db);
    const started = await start(a); // a remembers the case at version 1
    const register = started.tasksCreated[0]!;
    // b completes the task a remembers as open
    const byB = await b.execute({
      countyId: 'huian',
      command: { type: 'complete', taskId: register, actor: staff },
    });
    expect(byB.version).toBe(2);
    // a's copy is stale: the guarded write fails as a whole, the read path says the task is closed
    await expect(
      a.execute({ countyId: 'huian', command: { type: 'complete', taskId: register, actor: staff } }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_TASK_CLOSED' });
    // a acts on the next task (which it never saw): read path, then it remembers the case again
    const handle = byB.tasksCreated[0]!;
    const byA = await a.execute({
      countyId: 'huian',
      command: { type: 'complete', taskId: handle, actor: handler },
    });
    expect(byA.version).toBe(3);
    expect(byA.status).toBe('completed');
    // b never saw the case before (read path); a's first command found its copy stale
    expect(b.cacheStats()).toMatchObject({ hits: 0, stale: 0 });
    expect(a.cacheStats()).toMatchObject({ hits: 0, stale: 1, cases: 0 });
    expect(await caseRow(started.caseId)).toMatchObject({ version: 3, status: 'completed' });
    const tasks = await store.db
      .selectFrom('tasks')
      .select(['element_id', 'status'])
      .where('case_id', '=', started.caseId)
      .orderBy('created_at')
      .execute();
    expect(tasks.map((t) => `${t.element_id}:${t.status}`)).toEqual([
      'register:completed',
      'handle:completed',
    ]);
    const audit = await verifyAudit(store.db, { countyId: 'huian', caseId: started.caseId });
    expect(audit.ok).toBe(true);
  });

  it('given a remembered case, when a command is retried with its idempotency key, then the first result is returned and a different request under that key is refused', async () => {
    const rt = new CommandRuntime(store.db);
    const started = await start(rt);
    const key = randomUUID();
    const cmd = {
      countyId: 'huian',
      command: { type: 'complete' as const, taskId: started.tasksCreated[0]!, actor: staff },
      idempotencyKey: key,
    };
    const first = await rt.execute(cmd);
    expect(first.replayed).toBe(false);
    const again = await rt.execute(cmd);
    expect(again).toEqual({ ...first, replayed: true });
    expect(rt.cacheStats().hits).toBe(1);
    // the same key for another request
    await expect(
      rt.execute({ ...cmd, command: { type: 'complete', taskId: first.tasksCreated[0]!, actor: staff } }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_IDEMPOTENCY_MISMATCH' });
    expect((await caseRow(started.caseId)).version).toBe(2);
  });

  it('given a remembered case and a stale expected version, then the command is refused as stale', async () => {
    const rt = new CommandRuntime(store.db);
    const started = await start(rt);
    await expect(
      rt.execute({
        countyId: 'huian',
        command: { type: 'complete', taskId: started.tasksCreated[0]!, actor: staff },
        expectedVersion: 7,
      }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_STALE_VERSION' });
    expect((await caseRow(started.caseId)).version).toBe(1);
  });

  it('given a remembered case, when the engine refuses the command, then the coded refusal of the read path is returned and nothing is written', async () => {
    const rt = new CommandRuntime(store.db);
    const started = await start(rt);
    const outsider = { id: 'u-x', groups: ['nobody'], units: ['elsewhere'] };
    await expect(
      rt.execute({
        countyId: 'huian',
        command: { type: 'complete', taskId: started.tasksCreated[0]!, actor: outsider },
      }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_ENGINE_REJECTED' });
    const after = await caseRow(started.caseId);
    expect(after.version).toBe(1);
    const events = await sql<{
      n: number;
    }>`SELECT count(*)::int AS n FROM audit_events WHERE case_id = ${started.caseId}`.execute(store.db);
    expect(events.rows[0]?.n).toBe(after.audit_seq);
  });

  it('given a case row read by the caller, then the command skips its read; given a stale or foreign row, then the read path decides', async () => {
    const starter = new CommandRuntime(store.db);
    const started = await start(starter);
    const full = () =>
      store.db
        .selectFrom('cases')
        .selectAll()
        .where('case_id', '=', started.caseId)
        .executeTakeFirstOrThrow();
    const rt = new CommandRuntime(store.db, { caseCache: 0 });
    const read = await full();
    const out = await rt.execute({
      countyId: 'huian',
      caseId: started.caseId,
      command: { type: 'complete', taskId: started.tasksCreated[0]!, actor: staff },
      caseRow: read,
    });
    expect(out.version).toBe(2);
    expect(rt.cacheStats()).toMatchObject({ hits: 1, stale: 0 });
    // the same (now stale) row again, for the next task: the write is refused, the read path completes it
    const next = out.tasksCreated[0]!;
    const again = await rt.execute({
      countyId: 'huian',
      caseId: started.caseId,
      command: { type: 'complete', taskId: next, actor: staff },
      caseRow: read,
    });
    expect(again).toMatchObject({ version: 3, status: 'completed' });
    expect(rt.cacheStats()).toMatchObject({ hits: 1, stale: 1 });
    // a row claimed for another county is ignored (not even tried)
    const other = await start(starter);
    const foreign = {
      ...(await store.db
        .selectFrom('cases')
        .selectAll()
        .where('case_id', '=', other.caseId)
        .executeTakeFirstOrThrow()),
      county_id: 'jinjiang',
    };
    await rt.execute({
      countyId: 'huian',
      command: { type: 'complete', taskId: other.tasksCreated[0]!, actor: staff },
      caseRow: foreign,
    });
    expect(rt.cacheStats()).toMatchObject({ hits: 1, stale: 1 });
    expect((await caseRow(other.caseId)).version).toBe(2);
    const audit = await verifyAudit(store.db, { countyId: 'huian', caseId: started.caseId });
    expect(audit.ok).toBe(true);
  });

  it('given the cache turned off, then commands give the same results', async () => {
    const rt = new CommandRuntime(store.db, { caseCache: 0 });
    const started = await start(rt);
    const out = await rt.execute({
      countyId: 'huian',
      command: { type: 'complete', taskId: started.tasksCreated[0]!, actor: staff },
    });
    expect(out.version).toBe(2);
    expect(out.tasksCreated).toHaveLength(1);
    expect(rt.cacheStats()).toEqual({ hits: 0, stale: 0, cases: 0 });
  });
});
