import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { verifyAudit } from './audit.js';
import { handler, registrar, seedCounties } from './fixtures/seed.js';
import { issueNotice, listNotices } from './notices.js';
import { CommandRuntime, formatCaseNumber } from './runtime.js';
import type { Store } from './store.js';
import { createTestStore } from './testing.js';

const T0 = new Date('2025-03-03T01:00:00.000Z');
let store: Store;
let runtime: CommandRuntime;

beforeAll(async () => {
  store = await createTestStore();
  await seedCounties(store);
  runtime = new CommandRuntime(store.db, { clock: () => T0 });
});
afterAll(async () => {
  await store.close();
});

async function counts(caseId: string) {
  const r = await sql<{ tasks: number; audit: number; timers: number; version: number }>`
    SELECT (SELECT count(*)::int FROM tasks WHERE case_id = ${caseId}) AS tasks,
           (SELECT count(*)::int FROM audit_events WHERE case_id = ${caseId}) AS audit,
           (SELECT count(*)::int FROM timers WHERE case_id = ${caseId}) AS timers,
           (SELECT version FROM cases WHERE case_id = ${caseId}) AS version`.execute(store.db);
  return r.rows[0];
}

describe('starting a case', () => {
  it('given the active deployment, when starting, then the case is numbered, its first task, candidates, deadline timers, notice-free state and audit are written', async () => {
    const out = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
      petitionerName: '李四',
      responsibleUnitId: 'xfj',
    });
    expect(out.caseNumber).toBe('2025-惠安-000001');
    expect(out.version).toBe(1);
    expect(out.stage).toBe('acceptance');
    expect(out.tasksCreated).toHaveLength(1);
    const task = await store.db
      .selectFrom('tasks')
      .selectAll()
      .where('task_id', '=', out.tasksCreated[0]!)
      .executeTakeFirstOrThrow();
    expect(task).toMatchObject({
      county_id: 'huian',
      element_id: 'register',
      status: 'open',
      stage: 'acceptance',
      petitioner_name: '李四',
      form_ref: 'register-form',
    });
    expect(task.due_at?.toISOString()).toBe('2025-03-18T01:00:00.000Z');
    expect(task.warn_at).not.toBeNull();
    const cands = await store.db
      .selectFrom('task_candidates')
      .select(['kind', 'value'])
      .where('task_id', '=', task.task_id)
      .execute();
    expect(cands).toEqual([{ kind: 'group', value: 'registrar' }]);
    const timers = await store.db
      .selectFrom('timers')
      .select(['kind', 'due_at'])
      .where('case_id', '=', out.caseId)
      .orderBy('due_at')
      .execute();
    expect(timers.map((t) => t.kind)).toEqual(['warning', 'deadline']);
    const second = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
    });
    expect(second.caseNumber).toBe('2025-惠安-000002');
    expect((await verifyAudit(store.db, { countyId: 'huian', caseId: out.caseId })).ok).toBe(true);
  });

  it('formats configurable case numbers', () => {
    expect(
      formatCaseNumber('{year}-{short}-{seq:6}', { year: 2025, short: '惠安', county: 'huian', seq: 123 }),
    ).toBe('2025-惠安-000123');
    expect(formatCaseNumber('{county}/{year}/{seq}', { year: 2026, short: 'x', county: 'jj', seq: 7 })).toBe(
      'jj/2026/7',
    );
  });

  it('given an unknown pilot or process, then coded errors and no case row', async () => {
    const before = await store.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    await expect(
      runtime.startCase({ countyId: 'huian', pilotId: 'nope', processId: 'petition', actor: registrar }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_PILOT_NOT_FOUND',
    });
    await expect(
      runtime.startCase({ countyId: 'huian', pilotId: 'main', processId: 'nope', actor: registrar }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_PROCESS_NOT_FOUND',
    });
    const after = await store.db
      .selectFrom('cases')
      .select((eb) => eb.fn.countAll<number>().as('n'))
      .executeTakeFirstOrThrow();
    expect(Number(after.n)).toBe(Number(before.n));
  });
});

describe('commands on tasks', () => {
  it('given an open task, when its candidate completes it, then the next task opens in the case unit and the chain still verifies', async () => {
    const s = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
      responsibleUnitId: 'xfj',
    });
    const taskId = s.tasksCreated[0]!;
    const out = await runtime.execute({
      countyId: 'huian',
      command: { type: 'complete', taskId, actor: registrar, variables: { decision: 'accept' } },
    });
    expect(out.version).toBe(2);
    expect(out.tasksClosed).toEqual([taskId]);
    expect(out.stage).toBe('handling');
    const next = await store.db
      .selectFrom('tasks')
      .selectAll()
      .where('task_id', '=', out.tasksCreated[0]!)
      .executeTakeFirstOrThrow();
    expect(next).toMatchObject({ element_id: 'handle', unit_id: 'xfj', status: 'open' });
    const done = await store.db
      .selectFrom('tasks')
      .selectAll()
      .where('task_id', '=', taskId)
      .executeTakeFirstOrThrow();
    expect(done).toMatchObject({ status: 'completed', completed_by: 'u-registrar' });
    // the 受理告知书 requested by the completed step is pending, then issued and delivered
    expect(out.noticesRequested).toBe(1);
    const [notice] = await listNotices(store.db, 'huian', { caseId: s.caseId });
    expect(notice).toMatchObject({
      template_id: 'notice.receipt',
      element_id: 'register',
      status: 'pending',
    });
    await issueNotice(store.db, 'huian', notice!.notice_id, 'issued');
    await issueNotice(store.db, 'huian', notice!.notice_id, 'delivered');
    await expect(issueNotice(store.db, 'huian', notice!.notice_id, 'issued')).rejects.toMatchObject({
      code: 'STORE_ERR_CONFLICT',
    });
    await expect(issueNotice(store.db, 'jinjiang', notice!.notice_id, 'issued')).rejects.toMatchObject({
      code: 'STORE_ERR_NOTICE_NOT_FOUND',
    });
    const pending = await store.db
      .selectFrom('timers')
      .select('engine_timer_id')
      .where('case_id', '=', s.caseId)
      .where('cancelled_at', 'is', null)
      .execute();
    expect(pending).toEqual([]);
    const end = await runtime.execute({
      countyId: 'huian',
      command: { type: 'complete', taskId: next.task_id, actor: handler },
    });
    expect(end.status).toBe('completed');
    expect((await verifyAudit(store.db, { countyId: 'huian', caseId: s.caseId })).ok).toBe(true);
  });

  it('given an idempotency key, when the same command is retried, then the first result comes back and nothing is applied twice', async () => {
    const s = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
      idempotencyKey: 'start-1',
    });
    const again = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
      idempotencyKey: 'start-1',
    });
    expect(again).toEqual({ ...s, replayed: true });
    const cmd = { type: 'complete' as const, taskId: s.tasksCreated[0]!, actor: registrar };
    const first = await runtime.execute({ countyId: 'huian', command: cmd, idempotencyKey: 'k-1' });
    const before = await counts(s.caseId);
    const second = await runtime.execute({ countyId: 'huian', command: cmd, idempotencyKey: 'k-1' });
    expect(second).toEqual({ ...first, replayed: true });
    expect(await counts(s.caseId)).toEqual(before);
    await expect(
      runtime.execute({
        countyId: 'huian',
        command: { ...cmd, variables: { other: 1 } },
        idempotencyKey: 'k-1',
      }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_IDEMPOTENCY_MISMATCH' });
  });

  it('given bad input, then coded errors and nothing partially written', async () => {
    const s = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
    });
    const taskId = s.tasksCreated[0]!;
    const before = await counts(s.caseId);
    await expect(
      runtime.execute({
        countyId: 'huian',
        command: { type: 'complete', taskId: 'nope.t1', actor: registrar },
      }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_TASK_NOT_FOUND',
    });
    // a task of another county behaves as not found
    await expect(
      runtime.execute({ countyId: 'jinjiang', command: { type: 'complete', taskId, actor: registrar } }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_TASK_NOT_FOUND',
    });
    await expect(
      runtime.execute({
        countyId: 'huian',
        caseId: 'not-a-uuid',
        command: { type: 'cancel', reason: 'x', actor: registrar },
      }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_CASE_NOT_FOUND',
    });
    await expect(
      runtime.execute({
        countyId: 'jinjiang',
        caseId: s.caseId,
        command: { type: 'cancel', reason: 'x', actor: registrar },
      }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_CASE_NOT_FOUND',
    });
    await expect(
      runtime.execute({
        countyId: 'huian',
        caseId: s.caseId,
        expectedVersion: 7,
        command: { type: 'cancel', reason: 'x', actor: registrar },
      }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_STALE_VERSION',
    });
    // not a candidate: the engine refuses, the transaction rolls back
    await expect(
      runtime.execute({ countyId: 'huian', command: { type: 'complete', taskId, actor: handler } }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_ENGINE_REJECTED',
    });
    expect(await counts(s.caseId)).toEqual(before);
    await runtime.execute({ countyId: 'huian', command: { type: 'complete', taskId, actor: registrar } });
    await expect(
      runtime.execute({ countyId: 'huian', command: { type: 'complete', taskId, actor: registrar } }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_TASK_CLOSED',
    });
  });
});

describe('audit chain', () => {
  it('given a tampered event, when verifying, then the first broken link is reported', async () => {
    const s = await runtime.startCase({
      countyId: 'jinjiang',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
    });
    await runtime.execute({
      countyId: 'jinjiang',
      command: { type: 'complete', taskId: s.tasksCreated[0]!, actor: registrar },
    });
    expect(await verifyAudit(store.db, { countyId: 'jinjiang', caseId: s.caseId })).toMatchObject({
      ok: true,
      chains: 1,
    });
    await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable`.execute(store.db);
    try {
      await sql`UPDATE audit_events SET payload = '{"forged":true}' WHERE chain = ${s.caseId} AND seq = 2`.execute(
        store.db,
      );
    } finally {
      await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable`.execute(store.db);
    }
    const r = await verifyAudit(store.db, { countyId: 'jinjiang', caseId: s.caseId });
    expect(r).toMatchObject({ ok: false, firstBroken: { chain: s.caseId, seq: 2, reason: 'hash' } });
    const all = await verifyAudit(store.db, { countyId: 'huian' });
    expect(all.ok).toBe(true);
  });
});

describe('version check of unlocked commands', () => {
  /** A runtime that lets another command run on the case between its read and its write. */
  class Interleaved extends CommandRuntime {
    #pending: (() => Promise<unknown>) | undefined;
    constructor(meanwhile: () => Promise<unknown>) {
      super(store.db, { clock: () => T0 });
      this.#pending = meanwhile;
    }
    // called after the case is read and before the engine steps and writes
    override async graph(...args: Parameters<CommandRuntime['graph']>) {
      const run = this.#pending;
      this.#pending = undefined;
      if (run !== undefined) await run();
      return super.graph(...args);
    }
  }

  it('given a task completed by another command between the read and the write, when the write runs, then nothing of it is written and the command gets STORE_ERR_CONFLICT', async () => {
    const s = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
    });
    const taskId = s.tasksCreated[0]!;
    const racing = new Interleaved(() =>
      runtime.execute({ countyId: 'huian', command: { type: 'complete', taskId, actor: registrar } }),
    );
    await expect(
      racing.execute({ countyId: 'huian', command: { type: 'complete', taskId, actor: registrar } }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_CONFLICT' });
    // exactly the other command's effects: one 办理 task, version 2, an intact chain
    expect(await counts(s.caseId)).toMatchObject({ tasks: 2, version: 2 });
    expect(await verifyAudit(store.db, { countyId: 'huian', caseId: s.caseId })).toMatchObject({ ok: true });
  });

  it('given a draft saved on the case between the read and the write, when the write runs, then the command is re-run on the new state and both commands count', async () => {
    const s = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
    });
    const taskId = s.tasksCreated[0]!;
    const racing = new Interleaved(() =>
      runtime.execute({
        countyId: 'huian',
        command: { type: 'save-draft', taskId, actor: registrar, variables: { note: 'draft' } },
      }),
    );
    const out = await racing.execute({
      countyId: 'huian',
      command: { type: 'complete', taskId, actor: registrar },
    });
    expect(out).toMatchObject({ version: 3, tasksClosed: [taskId], replayed: false });
    expect(await counts(s.caseId)).toMatchObject({ tasks: 2, version: 3 });
    expect(await verifyAudit(store.db, { countyId: 'huian', caseId: s.caseId })).toMatchObject({ ok: true });
  });

  it('given the same idempotency key used by another command between the read and the write, then the first result is returned, replayed', async () => {
    const s = await runtime.startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
    });
    const input = {
      countyId: 'huian',
      command: { type: 'complete' as const, taskId: s.tasksCreated[0]!, actor: registrar },
      idempotencyKey: `race-${s.caseId}`,
    };
    let first: unknown;
    const racing = new Interleaved(async () => (first = await runtime.execute(input)));
    const second = await racing.execute(input);
    expect(second).toEqual({ ...(first as object), replayed: true });
    expect(await counts(s.caseId)).toMatchObject({ tasks: 2, version: 2 });
  });
});
