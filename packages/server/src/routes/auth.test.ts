import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startTestApp, TEST_PASSWORD, type TestApp } from '../test-support.js';

let t: TestApp;
let clock = new Date('2026-03-02T01:00:00Z');
beforeAll(async () => {
  // with the (optional, default off) session cache on, as `SHIDIAN_SESSION_CACHE_MS=5000` would
  t = await startTestApp({ now: () => clock, sessionTtlSeconds: 3600, sessionCacheMs: 5000 });
});
afterAll(async () => {
  await t.close();
});

const login = (username: string, password = TEST_PASSWORD) =>
  t.app.inject({ method: 'POST', url: '/api/auth/login', payload: { username, password } });

function cookieOf(res: Awaited<ReturnType<typeof login>>, name: string) {
  return res.cookies.find((c) => c.name === name);
}

describe('POST /api/auth/login', () => {
  it('given the right password, then a bearer token, a CSRF token and secure cookies', async () => {
    const res = await login('huian.registrar');
    expect(res.statusCode).toBe(200);
    const body = res.json() as {
      token: string;
      csrfToken: string;
      expiresAt: string;
      user: { username: string; memberships: unknown[] };
    };
    expect(body.token).toMatch(/^sd_/);
    expect(body.expiresAt).toBe('2026-03-02T02:00:00.000Z');
    expect(body.user.username).toBe('huian.registrar');
    expect(body.user.memberships).toEqual([{ countyId: 'huian', unitId: 'xfj', role: 'registrar' }]);
    const session = cookieOf(res, 'shidian_session');
    expect(session).toMatchObject({
      value: body.token,
      httpOnly: true,
      secure: true,
      sameSite: 'Strict',
      path: '/api',
      maxAge: 3600,
    });
    const csrf = cookieOf(res, 'shidian_csrf');
    expect(csrf).toMatchObject({ value: body.csrfToken, secure: true, sameSite: 'Strict', path: '/' });
    expect(csrf?.httpOnly).toBeFalsy();
    expect(res.headers['cache-control']).toBe('no-store');
  });

  it.each([
    ['a wrong password', 'huian.registrar', 'nope'],
    ['an unknown user', 'nobody.here', TEST_PASSWORD],
    ['a disabled user', 'huian.gone', TEST_PASSWORD],
  ])('given %s, then 401 API_ERR_INVALID_CREDENTIALS', async (_what, username, password) => {
    const res = await login(username, password);
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'API_ERR_INVALID_CREDENTIALS' });
    expect(res.cookies).toHaveLength(0);
  });

  it('the session row keeps only a hash of the token', async () => {
    const res = await login('huian.handler');
    const token = (res.json() as { token: string }).token;
    const rows = await t.store.db.selectFrom('sessions').select('token_hash').execute();
    expect(rows.some((r) => r.token_hash.includes(token) || token.includes(r.token_hash))).toBe(false);
    expect(rows.length).toBeGreaterThan(0);
  });
});

describe('GET /api/me', () => {
  it('given a bearer token, then the user and their roles', async () => {
    const res = await t.as('huian.leader', { method: 'GET', url: '/api/me' });
    expect(res.statusCode).toBe(200);
    expect(res.json()).toMatchObject({
      username: 'huian.leader',
      memberships: [{ countyId: 'huian', unitId: null, role: 'leader' }],
      readableCounties: ['huian'],
    });
  });

  it('given a province reader, then every county of the province is readable and none of another', async () => {
    const res = await t.as('fj.reader', { method: 'GET', url: '/api/me' });
    expect(res.json()).toMatchObject({
      memberships: [],
      provinces: ['fj'],
      readableCounties: ['anxi', 'huian'],
    });
  });

  it.each([
    ['no credentials', {}, 'API_ERR_UNAUTHENTICATED'],
    ['a malformed token', { authorization: 'Bearer abc' }, 'API_ERR_UNAUTHENTICATED'],
    [
      'a well-formed unknown token',
      { authorization: `Bearer sd_${'A'.repeat(43)}` },
      'API_ERR_UNAUTHENTICATED',
    ],
    ['basic auth', { authorization: 'Basic dXNlcjpwYXNz' }, 'API_ERR_UNAUTHENTICATED'],
    ['a bogus cookie', { cookie: 'shidian_session=sd_x' }, 'API_ERR_UNAUTHENTICATED'],
  ])('given %s, then 401 %s', async (_what, headers, code) => {
    const res = await t.app.inject({ method: 'GET', url: '/api/me', headers });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code });
  });

  it('given the session cookie, then GET works without a CSRF token', async () => {
    const token = await t.token('huian.registrar');
    const res = await t.app.inject({ method: 'GET', url: '/api/me', cookies: { shidian_session: token } });
    expect(res.statusCode).toBe(200);
  });

  it('given a token past its expiry, then 401 API_ERR_TOKEN_EXPIRED', async () => {
    const res0 = await login('huian.supervisor');
    const token = (res0.json() as { token: string }).token;
    const saved = clock;
    clock = new Date(saved.getTime() + 3601_000);
    try {
      const res = await t.app.inject({
        method: 'GET',
        url: '/api/me',
        headers: { authorization: `Bearer ${token}` },
      });
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'API_ERR_TOKEN_EXPIRED' });
    } finally {
      clock = saved;
    }
  });

  it('given a user disabled after login, then their token stops working', async () => {
    const res0 = await login('anxi.admin');
    const token = (res0.json() as { token: string }).token;
    await t.store.users.disable(t.userId('anxi.admin'));
    const res = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'API_ERR_UNAUTHENTICATED' });
  });
});

describe('session cache (sessionCacheMs 5000)', () => {
  it('given a session used moments ago and revoked by another process, then it is honoured only until the cache time (5 s) runs out', async () => {
    const { token } = (await login('huian.leader')).json() as { token: string };
    const me = () =>
      t.app.inject({ method: 'GET', url: '/api/me', headers: { authorization: `Bearer ${token}` } });
    expect((await me()).statusCode).toBe(200);
    // another process (e.g. `shidian user disable`) revokes it in the database
    expect(await t.store.sessions.revoke(token)).toBe(true);
    expect((await me()).statusCode).toBe(200);
    const saved = clock;
    clock = new Date(saved.getTime() + 5000);
    try {
      const res = await me();
      expect(res.statusCode).toBe(401);
      expect(res.json()).toMatchObject({ code: 'API_ERR_UNAUTHENTICATED' });
    } finally {
      clock = saved;
    }
  });

  it('given a session used moments ago, when it logs out through the app, then the next request is refused at once', async () => {
    const { token } = (await login('huian.leader')).json() as { token: string };
    const headers = { authorization: `Bearer ${token}` };
    expect((await t.app.inject({ method: 'GET', url: '/api/me', headers })).statusCode).toBe(200);
    expect((await t.app.inject({ method: 'POST', url: '/api/auth/logout', headers })).statusCode).toBe(204);
    const res = await t.app.inject({ method: 'GET', url: '/api/me', headers });
    expect(res.statusCode).toBe(401);
    expect(res.json()).toMatchObject({ code: 'API_ERR_UNAUTHENTICATED' });
  });
});

describe('POST /api/auth/logout and CSRF', () => {
  it('given a cookie session without X-CSRF-Token, then 403 API_ERR_CSRF and the session survives', async () => {
    const res0 = await login('huian.reviewer');
    const { token } = res0.json() as { token: string };
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      cookies: { shidian_session: token },
    });
    expect(res.statusCode).toBe(403);
    expect(res.json()).toMatchObject({ code: 'API_ERR_CSRF' });
    const wrong = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      cookies: { shidian_session: token },
      headers: { 'x-csrf-token': 'x'.repeat(43) },
    });
    expect(wrong.json()).toMatchObject({ code: 'API_ERR_CSRF' });
    const me = await t.app.inject({ method: 'GET', url: '/api/me', cookies: { shidian_session: token } });
    expect(me.statusCode).toBe(200);
  });

  it('given a cookie session with its CSRF token, then logout revokes it and clears the cookies', async () => {
    const res0 = await login('huian.reviewer');
    const { token, csrfToken } = res0.json() as { token: string; csrfToken: string };
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      cookies: { shidian_session: token },
      headers: { 'x-csrf-token': csrfToken },
    });
    expect(res.statusCode).toBe(204);
    expect(cookieOf(res, 'shidian_session')?.value).toBe('');
    const me = await t.app.inject({
      method: 'GET',
      url: '/api/me',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(me.statusCode).toBe(401);
  });

  it('given a bearer token, then logout needs no CSRF token', async () => {
    const res0 = await login('huian.reviewer');
    const { token } = res0.json() as { token: string };
    const res = await t.app.inject({
      method: 'POST',
      url: '/api/auth/logout',
      headers: { authorization: `Bearer ${token}` },
    });
    expect(res.statusCode).toBe(204);
  });

  it('given no credentials, then logout is 401', async () => {
    const res = await t.app.inject({ method: 'POST', url: '/api/auth/logout' });
    expect(res.statusCode).toBe(401);
  });
});

describe('login rate limit', () => {
  it('given more attempts than allowed from one address, then 429 API_ERR_RATE_LIMITED with Retry-After', async () => {
    const limited = await startTestApp({ loginRateLimit: { max: 3, timeWindowMs: 60_000 } });
    try {
      const codes: number[] = [];
      for (let i = 0; i < 5; i++) {
        const res = await limited.app.inject({
          method: 'POST',
          url: '/api/auth/login',
          payload: { username: 'x', password: 'y' },
        });
        codes.push(res.statusCode);
        if (res.statusCode === 429) {
          expect(res.json()).toMatchObject({ code: 'API_ERR_RATE_LIMITED' });
          expect(Number(res.headers['retry-after'])).toBeGreaterThan(0);
        }
      }
      expect(codes).toEqual([401, 401, 401, 429, 429]);
    } finally {
      await limited.close();
    }
  });
});
