import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Readable } from 'node:stream';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { openStore } from '@shidian/store';
import { verifyPassword } from '@shidian/server';
import { main } from '../main.js';

// Against DATABASE_URL when set (each run in a schema of its own would need more plumbing: the
// commands use the database as given), else a fresh embedded database directory.
const onPg = process.env['DATABASE_URL'] !== undefined && process.env['DATABASE_URL'] !== '';
let dir: string;
const suffix = Math.random().toString(36).slice(2, 8);
const ids = { province: `p${suffix}`, county: `c${suffix}`, user: `u.${suffix}` };

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'shidian-admin-'));
});
afterAll(() => {
  rmSync(dir, { recursive: true, force: true });
});

async function run(argv: string[], stdin?: string): Promise<{ code: number; json: Record<string, unknown> }> {
  const out: string[] = [];
  const spy = vi
    .spyOn(process.stdout, 'write')
    .mockImplementation((c: string | Uint8Array) => (out.push(String(c)), true));
  const errSpy = vi.spyOn(process.stderr, 'write').mockImplementation(() => true);
  const original = Object.getOwnPropertyDescriptor(process, 'stdin');
  if (stdin !== undefined)
    Object.defineProperty(process, 'stdin', {
      value: Object.assign(Readable.from([stdin]), { isTTY: false }),
      configurable: true,
    });
  try {
    const code = await main([...argv, '--json', ...(onPg ? [] : ['--data-dir', dir])]);
    const line = out.join('').trim().split('\n').pop() ?? '{}';
    return { code, json: JSON.parse(line) as Record<string, unknown> };
  } finally {
    if (original !== undefined) Object.defineProperty(process, 'stdin', original);
    spy.mockRestore();
    errSpy.mockRestore();
  }
}

describe('shidian county / unit / user', () => {
  it('adds a province, a county in it, a unit and a user whose password verifies; disables the user', async () => {
    expect(
      (
        await run([
          'county',
          'add',
          ids.province,
          '--name',
          '福建省',
          '--short-name',
          '闽',
          '--kind',
          'province',
        ])
      ).code,
    ).toBe(0);
    const county = await run([
      'county',
      'add',
      ids.county,
      '--name',
      '惠安县',
      '--short-name',
      '惠安',
      '--province',
      ids.province,
    ]);
    expect(county).toEqual({
      code: 0,
      json: { ok: true, countyId: ids.county, kind: 'county', parentId: ids.province },
    });
    const again = await run(['county', 'add', ids.county, '--name', '惠安县', '--short-name', '惠安']);
    expect(again.code).toBe(1);
    expect(again.json).toMatchObject({ ok: false, code: 'STORE_ERR_COUNTY_EXISTS' });
    expect((await run(['unit', 'add', 'xfj', '--county', ids.county, '--name', '县信访局'])).code).toBe(0);

    const user = await run(
      [
        'user',
        'add',
        '--county',
        ids.county,
        '--unit',
        'xfj',
        '--role',
        'registrar',
        '--role',
        'handler',
        '--username',
        ids.user,
        '--password-stdin',
      ],
      'a-long-password\n',
    );
    expect(user.code).toBe(0);
    expect(user.json).toMatchObject({ ok: true, username: ids.user, roles: ['registrar', 'handler'] });

    const store = await openStore(onPg ? {} : { dataDir: dir });
    try {
      const row = await store.users.findByUsername(ids.user);
      expect(row?.password_hash?.startsWith('scrypt$')).toBe(true);
      expect(await verifyPassword('a-long-password', row?.password_hash ?? '')).toBe(true);
      const grants = await store.memberships.listForUser(row!.user_id);
      expect(grants.map((g) => [g.role, g.unit_id]).sort()).toEqual([
        ['handler', 'xfj'],
        ['registrar', 'xfj'],
      ]);
    } finally {
      await store.close();
    }

    const disabled = await run(['user', 'disable', '--username', ids.user]);
    expect(disabled).toMatchObject({ code: 0, json: { ok: true, disabled: true } });
  });

  it.each([
    [
      'a short password',
      ['user', 'add', '--county', 'x', '--role', 'registrar', '--username', 'v', '--password-stdin'],
      'short\n',
      'CLI_ERR_WEAK_PASSWORD',
    ],
    [
      'no --password-stdin',
      ['user', 'add', '--county', 'x', '--role', 'registrar', '--username', 'v'],
      undefined,
      'CLI_ERR_USAGE',
    ],
    [
      'an invalid role id',
      ['user', 'add', '--county', 'x', '--role', 'Boss!', '--username', 'v', '--password-stdin'],
      'a-long-password\n',
      'CLI_ERR_USAGE',
    ],
    [
      'an unknown county',
      ['unit', 'add', 'xfj', '--county', 'nowhere-zz', '--name', 'x'],
      undefined,
      'STORE_ERR_COUNTY_NOT_FOUND',
    ],
    [
      'an unknown user',
      ['user', 'disable', '--username', 'nobody-zz'],
      undefined,
      'STORE_ERR_USER_NOT_FOUND',
    ],
  ])('given %s, then exit 2 with a coded error and nothing written', async (_what, argv, stdin, code) => {
    const r = await run(argv, stdin);
    expect(r.code).toBe(2);
    expect(r.json).toMatchObject({ ok: false, code });
  });
});
