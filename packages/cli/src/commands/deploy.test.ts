import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it, vi } from 'vitest';
import { buildApp, hashPassword } from '@shidian/server';
import { openStore, type Store } from '@shidian/store';
import { main } from '../main.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..');
const PASSWORD = 'Deploy-Passw0rd!';

let store: Store;
let app: Awaited<ReturnType<typeof buildApp>>;
let server: string;
let token: string;

async function run(args: string[]): Promise<{ code: number; out: string }> {
  const lines: string[] = [];
  const log = vi.spyOn(console, 'log').mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  const err = vi
    .spyOn(console, 'error')
    .mockImplementation((...a: unknown[]) => void lines.push(a.join(' ')));
  try {
    return { code: await main(args), out: lines.join('\n') };
  } finally {
    log.mockRestore();
    err.mockRestore();
    process.exitCode = undefined;
  }
}

beforeAll(async () => {
  // given the real server on an embedded database, with a pilot administrator of county "qingshan"
  store = await openStore({ dataDir: 'memory://' });
  await store.counties.create({ countyId: 'zj', name: '浙江省', shortName: '浙', kind: 'province' });
  await store.counties.create({ countyId: 'qingshan', name: '青山县', shortName: '青山', parentId: 'zj' });
  const user = await store.users.create({
    countyId: 'qingshan',
    username: 'qs.admin',
    displayName: 'qs.admin',
    passwordHash: await hashPassword(PASSWORD, { log2N: 10, r: 8, p: 1 }),
  });
  await store.memberships.grant({
    countyId: 'qingshan',
    userId: user.user_id,
    unitId: null,
    role: 'pilot-admin',
  });
  app = await buildApp({ store, cookieSecure: false, loginRateLimit: { max: 1000, timeWindowMs: 60_000 } });
  server = await app.listen({ port: 0, host: '127.0.0.1' });
  const res = await app.inject({
    method: 'POST',
    url: '/api/auth/login',
    payload: { username: 'qs.admin', password: PASSWORD },
  });
  token = (res.json() as { token: string }).token;
}, 60_000);

afterAll(async () => {
  await app?.close();
  await store?.close();
});

describe('shidian deploy', () => {
  it('deploys a valid bundle, and answers "not re-created" for identical content', async () => {
    const first = await run([
      'deploy',
      join(root, 'examples', 'qingshan'),
      '--server',
      server,
      '--token',
      token,
      '--county',
      'qingshan',
      '--json',
    ]);
    expect(first.code).toBe(0);
    const a = JSON.parse(first.out) as { ok: boolean; status: number; version: number; deploymentId: string };
    expect(a).toMatchObject({ ok: true, status: 201, version: 1 });
    const again = await run([
      'deploy',
      join(root, 'examples', 'qingshan'),
      '--server',
      server,
      '--token',
      token,
      '--county',
      'qingshan',
      '--json',
    ]);
    expect(again.code).toBe(0);
    expect(JSON.parse(again.out)).toMatchObject({
      ok: true,
      status: 200,
      deploymentId: a.deploymentId,
      created: false,
    });
  });

  it('refuses an invalid bundle before sending anything', async () => {
    const { code, out } = await run([
      'deploy',
      join(root, 'packages', 'pilot', 'src', 'fixtures', 'unknown-role'),
      '--server',
      'http://127.0.0.1:9',
      '--token',
      't',
      '--json',
    ]);
    expect(code).toBe(1);
    const json = JSON.parse(out) as { error: { code: string }; problems: { code: string }[] };
    expect(json.error.code).toBe('PILOT_ERR_DEPLOY_REFUSED');
    expect(json.problems.map((p) => p.code)).toEqual(['PILOT_ERR_UNKNOWN_ROLE']);
  });

  it('exits 2 when the server refuses the token', async () => {
    const { code, out } = await run([
      'deploy',
      join(root, 'examples', 'qingshan'),
      '--server',
      server,
      '--token',
      'wrong',
      '--json',
    ]);
    expect(code).toBe(2);
    expect((JSON.parse(out) as { error: { code: string } }).error.code).toBe('PILOT_ERR_DEPLOY_HTTP');
  });

  it('exits 2 without a token', async () => {
    const saved = process.env.SHIDIAN_TOKEN;
    delete process.env.SHIDIAN_TOKEN;
    const { code } = await run(['deploy', join(root, 'examples', 'qingshan'), '--server', server]);
    if (saved !== undefined) process.env.SHIDIAN_TOKEN = saved;
    expect(code).toBe(2);
  });
});
