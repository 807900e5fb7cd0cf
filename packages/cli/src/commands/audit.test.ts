import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, describe, expect, it, vi } from 'vitest';
import { appendCountyAudit, migrations, openStore, sql } from '@shidian/store';
import { main } from '../main.js';

const dir = mkdtempSync(join(tmpdir(), 'shidian-cli-audit-'));
const dataDir = join(dir, 'db');
afterAll(() => rmSync(dir, { recursive: true, force: true }));

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

describe('shidian migrate / audit verify (embedded database)', () => {
  it('given a fresh data dir, migrate applies every migration once, in order, then reports up to date', async () => {
    const first = await run(['migrate', '--data-dir', dataDir, '--json']);
    expect(first.code).toBe(0);
    expect(JSON.parse(first.out)).toMatchObject({ ok: true, dialect: 'pglite', applied: Object.keys(migrations).sort() });
    expect(Object.keys(migrations)[0]).toBe('0001-initial');
    const again = await run(['migrate', '--data-dir', dataDir, '--json']);
    expect(JSON.parse(again.out)).toMatchObject({ ok: true, applied: [] });
  });

  it('given intact chains, audit verify exits 0; given a forged event, it exits 1 and names the first broken link', async () => {
    const store = await openStore({ dataDir });
    try {
      await store.counties.create({ countyId: 'huian', name: '惠安县', shortName: '惠安' });
      for (let i = 0; i < 3; i++) {
        await appendCountyAudit(store.db, 'huian', {
          at: new Date(),
          actorId: 'u1',
          actorKind: 'user',
          stage: null,
          kind: 'test',
          payload: { i },
        });
      }
    } finally {
      await store.close();
    }
    const ok = await run(['audit', 'verify', '--data-dir', dataDir, '--json']);
    expect(ok.code).toBe(0);
    expect(JSON.parse(ok.out)).toEqual({ ok: true, chains: 1, events: 3 });

    const forge = await openStore({ dataDir });
    try {
      await sql`ALTER TABLE audit_events DISABLE TRIGGER audit_events_immutable`.execute(forge.db);
      await sql`UPDATE audit_events SET actor_id = 'someone-else' WHERE seq = 2`.execute(forge.db);
      await sql`ALTER TABLE audit_events ENABLE TRIGGER audit_events_immutable`.execute(forge.db);
    } finally {
      await forge.close();
    }
    const broken = await run(['audit', 'verify', '--data-dir', dataDir, '--county', 'huian', '--json']);
    expect(broken.code).toBe(1);
    expect(JSON.parse(broken.out)).toMatchObject({
      ok: false,
      firstBroken: { countyId: 'huian', chain: 'county', seq: 2, reason: 'hash' },
    });
  });

  it('given a malformed case id, audit verify is a usage error (exit 2)', async () => {
    expect((await run(['audit', 'verify', '--data-dir', dataDir, '--case', 'nope'])).code).toBe(2);
  });
});
