/**
 * The task routes read the session and the task in one statement (`lookupSession` with a task id,
 * see sessions.ts) when sessions are not cached (the default). These tests pin that this path
 * answers exactly as the separate session check and task read did: revocation, disabled users and
 * expiry at once, county isolation, CSRF, the order of errors, and nothing written on refusal.
 */
import type { InjectOptions } from 'fastify';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { loadBundle } from '@shidian/pilot';
import { startTestApp, TEST_COST, TEST_PASSWORD, type TestApp } from './test-support.js';
import { buildApp } from './app.js';
import { lookupSession } from './sessions.js';

let t: TestApp;
let clock = new Date('2026-03-02T01:00:00Z');
const intake = { petitionerName: '赵六', summary: '噪声扰民' };

beforeAll(async () => {
  t = await startTestApp({ now: () => clock, sessionTtlSeconds: 3600, sessionCacheMs: 0 });
  const files = Object.fromEntries(loadBundle(new URL('./fixtures/mini', import.meta.url).pathname).files);
  const dep = await t.as('huian.admin', {
    method: 'POST',
    url: '/api/pilots/mini/deployments',
    payload: { files },
  });
  expect(dep.statusCode).toBe(201);
});
afterAll(async () => {
  await t.close();
});

async function newTask(): Promise<{ caseId: string; taskId: string }> {
  const res = await t.as('huian.registrar', {
    method: 'POST',
    url: '/api/cases',
    payload: { pilotId: 'mini', data: intake },
  });
  expect(res.statusCode).toBe(201);
  const out = res.json() as { caseId: string; tasks: Array<{ taskId: string }> };
  return { caseId: out.caseId, taskId: out.tasks[0]!.taskId };
}

async function login(username: string): Promise<string> {
  const res = await t.app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username, password: TEST_PASSWORD },
  });
  expect(res.statusCode).toBe(200);
  return (res.json() as { token: string }).token;
}

async function caseVersion(caseId: string): Promise<number> {
  const row = await t.store.db
    .selectFrom('cases')
    .select('version')
    .where('case_id', '=', caseId)
    .executeTakeFirstOrThrow();
  return row.version;
}

const complete = (
  taskId: string,
  headers: Record<string, string>,
  payload: InjectOptions['payload'] = { data: {} },
) => t.app.inject({ method: 'POST', url: `/api/tasks/${taskId}/complete`, headers, payload });

describe('a move authenticates and reads its task in one statement', () => {
  it('given a revoked token, then 401 API_ERR_UNAUTHENTICATED on the move and the task view, and nothing written', async () => {
    const { caseId, taskId } = await newTask();
    const token = await login('huian.registrar');
    const before = await caseVersion(caseId);
    expect(await t.store.sessions.revoke(token)).toBe(true);
    const headers = { authorization: `Bearer ${token}` };
    const move = await complete(taskId, headers);
    expect(move.statusCode).toBe(401);
    expect(move.json()).toMatchObject({ code: 'API_ERR_UNAUTHENTICATED' });
    const view = await t.app.inject({ method: 'GET', url: `/api/tasks/${taskId}`, headers });
    expect(view.statusCode).toBe(401);
    expect(view.json()).toMatchObject({ code: 'API_ERR_UNAUTHENTICATED' });
    expect(await caseVersion(caseId)).toBe(before);
  });

  it('given a user disabled after login, then their next move is 401 at once and nothing is written', async () => {
    const { caseId, taskId } = await newTask();
    const username = 'huian.handler';
    const token = await login(username);
    const before = await caseVersion(caseId);
    await t.store.users.disable(t.userId(username));
    try {
      const res = await complete(taskId, { authorization: `Bearer ${token}` });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'API_ERR_UNAUTHENTICATED' });
      expect(await caseVersion(caseId)).toBe(before);
    } finally {
      await t.store.db
        .updateTable('users')
        .set({ disabled: false, disabled_at: null })
        .where('user_id', '=', t.userId(username))
        .execute();
    }
  });

  it('given a token past its expiry, then 401 API_ERR_TOKEN_EXPIRED and nothing written', async () => {
    const { caseId, taskId } = await newTask();
    const token = await login('huian.registrar');
    const before = await caseVersion(caseId);
    const saved = clock;
    clock = new Date(saved.getTime() + 3601_000);
    try {
      const res = await complete(taskId, { authorization: `Bearer ${token}` });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'API_ERR_TOKEN_EXPIRED' });
    } finally {
      clock = saved;
    }
    expect(await caseVersion(caseId)).toBe(before);
    // within its lifetime the same token works
    const ok = await complete(taskId, { authorization: `Bearer ${token}` });
    expect(ok.statusCode).toBe(200);
  });

  it('given another county’s staff, then 404 API_ERR_TASK_NOT_FOUND; a province reader reads it and gets 403 on a move', async () => {
    const { caseId, taskId } = await newTask();
    const before = await caseVersion(caseId);
    const other = await complete(taskId, await t.auth('anxi.registrar'));
    expect(other.statusCode).toBe(404);
    expect(other.json()).toMatchObject({ code: 'API_ERR_TASK_NOT_FOUND' });
    const view = await t.as('fj.reader', { method: 'GET', url: `/api/tasks/${taskId}` });
    expect(view.statusCode).toBe(200);
    expect((view.json() as { task: { taskId: string } }).task.taskId).toBe(taskId);
    const move = await complete(taskId, await t.auth('fj.reader'));
    expect(move.statusCode).toBe(403);
    expect(move.json()).toMatchObject({ code: 'API_ERR_FORBIDDEN' });
    expect(await caseVersion(caseId)).toBe(before);
  });

  it('given a cookie session without X-CSRF-Token, then 403 API_ERR_CSRF and nothing written', async () => {
    const { caseId, taskId } = await newTask();
    const token = await login('huian.registrar');
    const before = await caseVersion(caseId);
    const res = await t.app.inject({
      method: 'POST',
      url: `/api/tasks/${taskId}/complete`,
      cookies: { shidian_session: token },
      payload: { data: {} },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'API_ERR_CSRF' });
    expect(await caseVersion(caseId)).toBe(before);
  });

  it('keeps the order of errors: no credentials before a bad body, a bad body before an unknown task', async () => {
    const anonymous = await complete('no-such-task', {}, { nonsense: true });
    expect(anonymous.statusCode).toBe(401);
    expect(anonymous.json()).toMatchObject({ code: 'API_ERR_UNAUTHENTICATED' });
    const headers = await t.auth('huian.registrar');
    const badBody = await complete('no-such-task', headers, { nonsense: true });
    expect(badBody.statusCode).toBe(400);
    expect(badBody.json()).toMatchObject({ code: 'API_ERR_VALIDATION' });
    const unknown = await complete('no-such-task', headers);
    expect(unknown.statusCode).toBe(404);
    expect(unknown.json()).toMatchObject({ code: 'API_ERR_TASK_NOT_FOUND' });
  });

  it('given a valid session, then the move is done with the task it read (version checked by the runtime)', async () => {
    const { caseId, taskId } = await newTask();
    const before = await caseVersion(caseId);
    const res = await complete(taskId, await t.auth('huian.registrar'));
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ caseId, version: before + 1 });
    const again = await complete(taskId, await t.auth('huian.registrar'));
    expect(again.statusCode).toBe(409);
  });
});

describe('lookupSession', () => {
  it('answers the session as the store does, and the task only within the counties the grants reach', async () => {
    const { taskId } = await newTask();
    const own = await lookupSession(t.store, await login('huian.registrar'), clock, taskId);
    expect(own.session.ok).toBe(true);
    expect(own.task?.task_id).toBe(taskId);
    const province = await lookupSession(t.store, await login('fj.reader'), clock, taskId);
    expect(province.session.ok).toBe(true);
    expect(province.task?.task_id).toBe(taskId);
    for (const username of ['anxi.registrar', 'zj.reader', 'lonely']) {
      const other = await lookupSession(t.store, await login(username), clock, taskId);
      expect(other.session.ok, username).toBe(true);
      expect(other.task, username).toBeNull();
    }
    const none = await lookupSession(t.store, await login('huian.registrar'), clock);
    expect(none).toMatchObject({ session: { ok: true }, task: null });
    expect(await lookupSession(t.store, 'sd_malformed', clock, taskId)).toEqual({
      session: { ok: false, reason: 'unknown' },
      task: null,
    });
  });

  it('matches the store’s sessions.lookup for active, revoked and expired tokens, and writes last_used_at at most once a minute', async () => {
    const token = await login('huian.reviewer');
    const ours = await lookupSession(t.store, token, clock);
    const theirs = await t.store.sessions.lookup(token, clock);
    expect(theirs.status).toBe('active');
    if (!ours.session.ok || theirs.status !== 'active') throw new Error('expected active sessions');
    expect(ours.session.principal.userId).toBe(theirs.user.user_id);
    expect(ours.session.expiresAt).toEqual(theirs.session.expires_at);
    const lastUsed = async () =>
      (
        await t.store.db
          .selectFrom('sessions')
          .select('last_used_at')
          .where('user_id', '=', t.userId('huian.reviewer'))
          .orderBy('created_at', 'desc')
          .executeTakeFirstOrThrow()
      ).last_used_at;
    const first = await lastUsed();
    await lookupSession(t.store, token, new Date(clock.getTime() + 30_000));
    expect(await lastUsed()).toEqual(first);
    const later = new Date(clock.getTime() + 61_000);
    await lookupSession(t.store, token, later);
    expect(await lastUsed()).toEqual(later);
    expect((await lookupSession(t.store, token, new Date(clock.getTime() + 3601_000))).session).toEqual({
      ok: false,
      reason: 'expired',
    });
    await t.store.sessions.revoke(token);
    expect((await lookupSession(t.store, token, clock)).session).toEqual({ ok: false, reason: 'revoked' });
  });
});

describe('with the session cache on (SHIDIAN_SESSION_CACHE_MS), the task is read on its own', () => {
  it('given the cache, then a move works, another county gets 404 and a province reader 403', async () => {
    // a second app on the same store (sessions are in the database: the tokens of `t` work here)
    const cached = await buildApp({
      store: t.store,
      now: () => clock,
      sessionCacheMs: 5000,
      passwordCost: TEST_COST,
    });
    const move = async (username: string, taskId: string) =>
      cached.inject({
        method: 'POST',
        url: `/api/tasks/${taskId}/complete`,
        headers: await t.auth(username),
        payload: { data: {} },
      });
    try {
      const { caseId, taskId } = await newTask();
      const before = await caseVersion(caseId);
      const other = await move('anxi.registrar', taskId);
      expect(other.statusCode).toBe(404);
      expect(other.json()).toMatchObject({ code: 'API_ERR_TASK_NOT_FOUND' });
      const reader = await move('fj.reader', taskId);
      expect(reader.statusCode).toBe(403);
      expect(reader.json()).toMatchObject({ code: 'API_ERR_FORBIDDEN' });
      expect(await caseVersion(caseId)).toBe(before);
      const own = await move('huian.registrar', taskId);
      expect(own.statusCode).toBe(200);
      expect(own.json()).toMatchObject({ caseId, version: before + 1 });
    } finally {
      await cached.close();
    }
  });
});
