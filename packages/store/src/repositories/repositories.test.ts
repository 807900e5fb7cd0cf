import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createTestStore } from '../testing.js';
import type { Store } from '../store.js';
import { PROVINCE_READER_ROLE } from './memberships.js';

let store: Store;
beforeAll(async () => {
  store = await createTestStore();
  await store.counties.create({ countyId: 'fj', name: '福建省', shortName: '闽', kind: 'province' });
  await store.counties.create({ countyId: 'huian', name: '惠安县', shortName: '惠安', parentId: 'fj' });
  await store.counties.create({ countyId: 'jinjiang', name: '晋江市', shortName: '晋江', parentId: 'fj' });
});
afterAll(async () => {
  await store.close();
});

describe('counties', () => {
  it('given an existing id, when creating it again, then STORE_ERR_COUNTY_EXISTS', async () => {
    await expect(
      store.counties.create({ countyId: 'huian', name: 'x', shortName: 'x' }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_COUNTY_EXISTS' });
  });
  it('given an unknown province, when creating a county under it, then STORE_ERR_COUNTY_NOT_FOUND', async () => {
    await expect(
      store.counties.create({ countyId: 'x1', name: 'x', shortName: 'x', parentId: 'nowhere' }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_COUNTY_NOT_FOUND',
    });
  });
  it('given a bad id or format, when creating, then STORE_ERR_INVALID_INPUT', async () => {
    await expect(store.counties.create({ countyId: 'a b', name: 'x', shortName: 'x' })).rejects.toMatchObject(
      { code: 'STORE_ERR_INVALID_INPUT' },
    );
    await expect(
      store.counties.create({ countyId: 'ab', name: 'x', shortName: 'x', caseNumberFormat: '{year}' }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_INVALID_INPUT',
    });
  });
  it('lists the counties of a province and defaults the case number format', async () => {
    const list = await store.counties.list({ parentId: 'fj' });
    expect(list.map((c) => c.county_id)).toEqual(['huian', 'jinjiang']);
    expect(list[0]?.case_number_format).toBe('{year}-{short}-{seq:6}');
    await expect(store.counties.get('nope')).rejects.toMatchObject({ code: 'STORE_ERR_COUNTY_NOT_FOUND' });
  });
});

describe('units', () => {
  it('creates units with a parent and keeps counties apart', async () => {
    await store.units.create({ countyId: 'huian', unitId: 'xfj', name: '惠安县信访局', kind: 'office' });
    await store.units.create({
      countyId: 'huian',
      unitId: 'luocheng',
      name: '螺城镇',
      kind: 'township',
      parentUnitId: 'xfj',
    });
    expect((await store.units.list('huian')).map((u) => u.unit_id)).toEqual(['luocheng', 'xfj']);
    expect(await store.units.find('jinjiang', 'xfj')).toBeUndefined();
  });
  it('given a duplicate, an unknown parent or an unknown county, then coded errors', async () => {
    await expect(store.units.create({ countyId: 'huian', unitId: 'xfj', name: 'x' })).rejects.toMatchObject({
      code: 'STORE_ERR_UNIT_EXISTS',
    });
    await expect(
      store.units.create({ countyId: 'huian', unitId: 'u2', name: 'x', parentUnitId: 'missing' }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_UNIT_NOT_FOUND',
    });
    await expect(store.units.create({ countyId: 'missing', unitId: 'u2', name: 'x' })).rejects.toMatchObject({
      code: 'STORE_ERR_COUNTY_NOT_FOUND',
    });
  });
});

describe('users, memberships, sessions', () => {
  it('creates, finds, disables a user and revokes its sessions', async () => {
    const u = await store.users.create({
      countyId: 'huian',
      username: 'zhangsan',
      displayName: '张三',
      passwordHash: 'h',
    });
    expect(u.disabled).toBe(false);
    expect((await store.users.findByUsername('zhangsan'))?.user_id).toBe(u.user_id);
    expect(await store.users.find('jinjiang', u.user_id)).toBeUndefined();
    await store.sessions.create({
      token: 'a'.repeat(32),
      userId: u.user_id,
      countyId: 'huian',
      kind: 'session',
    });
    const found = await store.sessions.lookup('a'.repeat(32));
    expect(found.status === 'active' ? found.user.username : found.status).toBe('zhangsan');
    const d = await store.users.disable(u.user_id);
    expect(d.disabled).toBe(true);
    // disabling revokes the sessions
    expect(await store.sessions.lookup('a'.repeat(32))).toEqual({ status: 'revoked' });
    await store.users.enable(u.user_id);
    expect(await store.sessions.lookup('a'.repeat(32))).toEqual({ status: 'revoked' });
  });
  it('given a taken username or unknown ids, then coded errors', async () => {
    await expect(
      store.users.create({ countyId: 'huian', username: 'zhangsan', displayName: 'x' }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_USER_EXISTS' });
    await expect(
      store.users.create({ countyId: 'nope', username: 'lisi', displayName: 'x' }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_COUNTY_NOT_FOUND' });
    await expect(store.users.disable('not-a-uuid')).rejects.toMatchObject({
      code: 'STORE_ERR_USER_NOT_FOUND',
    });
    await expect(store.users.disable('00000000-0000-4000-8000-000000000000')).rejects.toMatchObject({
      code: 'STORE_ERR_USER_NOT_FOUND',
    });
  });
  it('expired, revoked and unknown tokens are told apart', async () => {
    const u = await store.users.create({ countyId: 'huian', username: 'wangwu', displayName: '王五' });
    await store.sessions.create({
      token: 'b'.repeat(32),
      userId: u.user_id,
      countyId: 'huian',
      kind: 'api_token',
      expiresAt: new Date(Date.now() - 1000),
    });
    expect(await store.sessions.lookup('b'.repeat(32))).toEqual({ status: 'expired' });
    expect(await store.sessions.lookup('z'.repeat(32))).toEqual({ status: 'unknown' });
    await store.sessions.create({
      token: 'c'.repeat(32),
      userId: u.user_id,
      countyId: 'huian',
      kind: 'api_token',
      name: 'ci',
    });
    expect(await store.sessions.revoke('c'.repeat(32))).toBe(true);
    expect(await store.sessions.lookup('c'.repeat(32))).toEqual({ status: 'revoked' });
    await expect(
      store.sessions.create({ token: 'short', userId: u.user_id, countyId: 'huian', kind: 'session' }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_INVALID_INPUT',
    });
  });
  it('given an active session, then lookup returns its grants (a province grant with its counties) and writes last_used_at at most once a minute', async () => {
    const u = await store.users.create({ countyId: 'fj', username: 'lookup1', displayName: '查' });
    await store.memberships.grant({ countyId: 'fj', userId: u.user_id, role: PROVINCE_READER_ROLE });
    await store.memberships.grant({ countyId: 'huian', userId: u.user_id, role: 'handler' });
    await store.sessions.create({
      token: 'l'.repeat(32),
      userId: u.user_id,
      countyId: 'fj',
      kind: 'session',
    });
    const lastUsed = async () =>
      (
        await store.db
          .selectFrom('sessions')
          .select('last_used_at')
          .where('user_id', '=', u.user_id)
          .executeTakeFirstOrThrow()
      ).last_used_at;
    const t0 = new Date('2030-01-01T00:00:00.000Z');
    const first = await store.sessions.lookup('l'.repeat(32), t0);
    expect(first.status).toBe('active');
    if (first.status !== 'active') return;
    expect(first.user).toMatchObject({ user_id: u.user_id, username: 'lookup1', disabled: false });
    expect(first.user).not.toHaveProperty('password_hash');
    expect(first.grants).toEqual([
      {
        countyId: 'fj',
        unitId: null,
        role: PROVINCE_READER_ROLE,
        countyKind: 'province',
        counties: ['huian', 'jinjiang'],
      },
      { countyId: 'huian', unitId: null, role: 'handler', countyKind: 'county', counties: [] },
    ]);
    expect(await lastUsed()).toEqual(t0);
    // within the minute: nothing written
    await store.sessions.lookup('l'.repeat(32), new Date(t0.getTime() + 30_000));
    expect(await lastUsed()).toEqual(t0);
    // a minute later: written once more
    const t1 = new Date(t0.getTime() + 61_000);
    await store.sessions.lookup('l'.repeat(32), t1);
    expect(await lastUsed()).toEqual(t1);
  });
  it('grants roles per unit, refuses duplicates, and gives province readers read access to every county of the province', async () => {
    const staff = await store.users.create({ countyId: 'huian', username: 'reg1', displayName: '登记员甲' });
    await store.memberships.grant({
      countyId: 'huian',
      userId: staff.user_id,
      unitId: 'xfj',
      role: 'registrar',
    });
    await store.memberships.grant({ countyId: 'huian', userId: staff.user_id, role: 'handler' });
    await expect(
      store.memberships.grant({ countyId: 'huian', userId: staff.user_id, unitId: 'xfj', role: 'registrar' }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_MEMBERSHIP_EXISTS',
    });
    await expect(
      store.memberships.grant({ countyId: 'huian', userId: staff.user_id, role: 'handler' }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_MEMBERSHIP_EXISTS',
    });
    await expect(
      store.memberships.grant({ countyId: 'huian', userId: staff.user_id, unitId: 'nope', role: 'x' }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_UNIT_NOT_FOUND',
    });
    await expect(
      store.memberships.grant({ countyId: 'huian', userId: staff.user_id, role: PROVINCE_READER_ROLE }),
    ).rejects.toMatchObject({
      code: 'STORE_ERR_INVALID_INPUT',
    });
    expect(await store.memberships.accessOf(staff.user_id)).toEqual([
      {
        countyId: 'huian',
        access: 'write',
        roles: [
          { role: 'handler', unitId: null },
          { role: 'registrar', unitId: 'xfj' },
        ],
      },
    ]);

    const inspector = await store.users.create({
      countyId: 'fj',
      username: 'sheng1',
      displayName: '省督查员',
    });
    await store.memberships.grant({ countyId: 'fj', userId: inspector.user_id, role: PROVINCE_READER_ROLE });
    expect((await store.memberships.accessOf(inspector.user_id)).map((a) => [a.countyId, a.access])).toEqual([
      ['huian', 'read'],
      ['jinjiang', 'read'],
    ]);
    await store.users.disable(inspector.user_id);
    expect(await store.memberships.accessOf(inspector.user_id)).toEqual([]);
  });
});
