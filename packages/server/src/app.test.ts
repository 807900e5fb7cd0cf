import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, type TestApp } from './test-support.js';
import { API_ERRORS } from './errors.js';
import { sessionCacheSetting } from './app.js';

let t: TestApp;
beforeAll(async () => {
  t = await startTestApp();
});
afterAll(async () => {
  await t.close();
});

describe('system routes', () => {
  it('given a running app, when GET /api/health, then 200 with database ok', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({ status: 'ok', database: 'ok' });
  });

  it('given some traffic, when GET /api/metrics, then Prometheus text with the shidian metrics', async () => {
    await t.app.inject({ method: 'GET', url: '/api/me' });
    const res = await t.app.inject({ method: 'GET', url: '/api/metrics' });
    expect(res.statusCode).toBe(200);
    expect(res.headers['content-type']).toMatch(/^text\/plain/);
    for (const name of [
      'shidian_http_request_duration_seconds',
      'shidian_commands_total',
      'shidian_errors_total',
      'shidian_timer_lateness_seconds',
      'shidian_open_tasks',
      'shidian_due_timers',
    ]) {
      expect(res.body).toContain(`# TYPE ${name}`);
    }
    expect(res.body).toMatch(/shidian_errors_total\{code="API_ERR_UNAUTHENTICATED",status="401"\} [1-9]/);
    expect(res.body).toMatch(/shidian_open_tasks\{deadline_state="overdue"\} 0/);
  });

  it('when GET /api/openapi.json, then an OpenAPI 3.1 document with every route and its schemas', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/openapi.json' });
    expect(res.statusCode).toBe(200);
    const doc = res.json() as {
      openapi: string;
      paths: Record<string, Record<string, { responses: Record<string, unknown>; requestBody?: unknown }>>;
    };
    expect(doc.openapi).toBe('3.1.0');
    const routes = [
      '/api/auth/login',
      '/api/auth/logout',
      '/api/me',
      '/api/health',
      '/api/metrics',
      '/api/pilots',
      '/api/pilots/{pilotId}/deployments',
      '/api/deployments/{id}/files/{*}',
      '/api/cases',
      '/api/cases/{id}',
      '/api/cases/{id}/history',
      '/api/cases/{id}/notices',
      '/api/notices/{id}',
      '/api/tasks',
      '/api/tasks/{id}',
      ...['cancel', 'suspend', 'resume', 'extend'].map((a) => `/api/cases/{id}/${a}`),
      ...[
        'claim',
        'unclaim',
        'complete',
        'draft',
        'return',
        'reject',
        'withdraw',
        'transfer',
        'delegate',
        'resolve',
        'add-signers',
        'remove-signer',
        'cc',
        'urge',
      ].map((a) => `/api/tasks/{id}/${a}`),
    ];
    expect(Object.keys(doc.paths).sort()).toEqual([...routes].sort());
    for (const [path, ops] of Object.entries(doc.paths)) {
      for (const [method, op] of Object.entries(ops)) {
        expect(Object.keys(op.responses).length, `${method} ${path} has response schemas`).toBeGreaterThan(0);
      }
    }
    expect(doc.paths['/api/auth/login']?.['post']?.requestBody).toBeDefined();
  });

  it('when GET /api/docs, then the interactive docs page', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/docs' });
    expect(res.statusCode).toBe(200);
    expect(res.body).toContain('swagger');
  });

  it('every response carries security headers from helmet', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(res.headers['x-content-type-options']).toBe('nosniff');
    expect(res.headers['strict-transport-security']).toContain('max-age=');
    expect(res.headers['content-security-policy']).toContain("frame-ancestors 'none'");
    expect(res.headers['x-frame-options']).toBeDefined();
  });
});

describe('errors', () => {
  it('given an unknown route, then 404 API_ERR_ROUTE_NOT_FOUND', async () => {
    const res = await t.app.inject({ method: 'GET', url: '/api/nope' });
    expect(res.statusCode).toBe(404);
    expect(res.json()).toMatchObject({ code: 'API_ERR_ROUTE_NOT_FOUND' });
  });

  it('messages are zh-CN by default and English on request', async () => {
    const zh = await t.app.inject({ method: 'GET', url: '/api/me' });
    expect(zh.json()).toEqual({
      code: 'API_ERR_UNAUTHENTICATED',
      message: API_ERRORS.API_ERR_UNAUTHENTICATED.zh,
    });
    const en = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { 'accept-language': 'en-US,en;q=0.9' },
    });
    expect(en.json()).toEqual({
      code: 'API_ERR_UNAUTHENTICATED',
      message: API_ERRORS.API_ERR_UNAUTHENTICATED.en,
    });
  });

  it('every catalogue entry has a client or server status and both languages', () => {
    for (const [code, spec] of Object.entries(API_ERRORS)) {
      expect(code).toMatch(/^API_ERR_[A-Z_]+$/);
      expect([400, 401, 403, 404, 409, 413, 415, 422, 429, 500, 503]).toContain(spec.status);
      expect(spec.zh.length).toBeGreaterThan(0);
      expect(spec.en.length).toBeGreaterThan(0);
    }
  });
});

describe('bad input', () => {
  const login = (payload: string, contentType = 'application/json') =>
    t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload,
      headers: { 'content-type': contentType },
    });

  it.each([
    ['malformed JSON', '{"username":"a",', 'API_ERR_MALFORMED_JSON'],
    ['empty JSON body', '', 'API_ERR_MALFORMED_JSON'],
    [
      '__proto__ key',
      '{"username":"a","password":"b","__proto__":{"admin":true}}',
      'API_ERR_PROTOTYPE_POISONING',
    ],
    [
      'escaped __proto__ key',
      '{"username":"a","password":"b","\\u005f_proto__":{"admin":true}}',
      'API_ERR_PROTOTYPE_POISONING',
    ],
    [
      'constructor.prototype',
      '{"username":"a","password":"b","constructor":{"prototype":{"admin":true}}}',
      'API_ERR_PROTOTYPE_POISONING',
    ],
    [
      'nested __proto__',
      '{"username":"a","password":"b","x":[{"__proto__":{}}]}',
      'API_ERR_PROTOTYPE_POISONING',
    ],
    ['unknown field', '{"username":"a","password":"b","role":"admin"}', 'API_ERR_VALIDATION'],
    ['wrong type', '{"username":1,"password":"b"}', 'API_ERR_VALIDATION'],
    ['missing field', '{"username":"a"}', 'API_ERR_VALIDATION'],
  ])('given %s, then 400 %s', async (_name, payload, code) => {
    const res = await login(payload);
    expect(res.statusCode).toBe(400);
    expect(res.json()).toMatchObject({ code });
    expect(res.body).not.toMatch(/at .*\.(ts|js):\d+/);
    expect(({} as Record<string, unknown>)['admin']).toBeUndefined();
  });

  it('given a form-encoded body, then 415 API_ERR_UNSUPPORTED_MEDIA_TYPE', async () => {
    const res = await login('username=a&password=b', 'application/x-www-form-urlencoded');
    expect(res.statusCode).toBe(415);
    expect(res.json()).toMatchObject({ code: 'API_ERR_UNSUPPORTED_MEDIA_TYPE' });
  });

  it('given a 50 MB body, then 413 API_ERR_BODY_TOO_LARGE and the server stays up', async () => {
    const big = Buffer.alloc(50 * 1024 * 1024, 0x61);
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/login',
      payload: big,
      headers: { 'content-type': 'application/json' },
    });
    expect(res.statusCode).toBe(413);
    expect(res.json()).toMatchObject({ code: 'API_ERR_BODY_TOO_LARGE' });
    const health = await t.app.inject({ method: 'GET', url: '/api/health' });
    expect(health.statusCode).toBe(200);
  });
});

describe('SHIDIAN_SESSION_CACHE_MS', () => {
  it('given nothing, 0 or a number of ms, then that; given anything else, then the server refuses to start', () => {
    expect(sessionCacheSetting({})).toBe(0);
    expect(sessionCacheSetting({ SHIDIAN_SESSION_CACHE_MS: '0' })).toBe(0);
    expect(sessionCacheSetting({ SHIDIAN_SESSION_CACHE_MS: ' 2000 ' })).toBe(2000);
    for (const bad of ['-1', '1.5', 'soon', '60001'])
      expect(() => sessionCacheSetting({ SHIDIAN_SESSION_CACHE_MS: bad })).toThrow();
  });
});
