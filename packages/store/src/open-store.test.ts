import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { sql } from 'kysely';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { lockDataDir } from './data-dir-lock.js';
import { migrations } from './migrations/index.js';
import type { Store } from './store.js';
import { createTestStore } from './testing.js';

const dir = mkdtempSync(join(tmpdir(), 'shidian-store-'));
afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('data-dir lock', () => {
  it('given a held lock, when a second opener comes, then STORE_ERR_DATA_DIR_LOCKED; after release it succeeds', () => {
    const a = lockDataDir(join(dir, 'db1'));
    expect(() => lockDataDir(join(dir, 'db1'))).toThrow(
      expect.objectContaining({ code: 'STORE_ERR_DATA_DIR_LOCKED' }),
    );
    a.release();
    lockDataDir(join(dir, 'db1')).release();
  });
  it('given a lock file left by a dead process, then it is taken over', () => {
    writeFileSync(join(dir, 'db2.lock'), '999999999\n');
    const l = lockDataDir(join(dir, 'db2'));
    expect(l.path).toBe(join(dir, 'db2.lock'));
    l.release();
  });
  it('given a lock file held by another live process, then STORE_ERR_DATA_DIR_LOCKED', () => {
    writeFileSync(join(dir, 'db3.lock'), `${process.ppid}\n`);
    expect(() => lockDataDir(join(dir, 'db3'))).toThrow(
      expect.objectContaining({ code: 'STORE_ERR_DATA_DIR_LOCKED' }),
    );
  });
});

describe('migrations', () => {
  let store: Store;
  beforeAll(async () => {
    store = await createTestStore();
  });
  afterAll(async () => {
    await store.close();
  });

  it('given a migrated store, when migrating again, then nothing is applied and every migration is recorded', async () => {
    {
      const report = await store.migrate();
      expect(report.applied).toEqual([]);
      expect(report.all).toEqual(Object.keys(migrations));
    }
  });

  it('every table carries county_id', async () => {
    {
      const r = await sql<{ table_name: string }>`
        SELECT t.table_name FROM information_schema.tables t
        WHERE t.table_schema = current_schema() AND t.table_type = 'BASE TABLE' AND t.table_name NOT LIKE 'kysely_%'
          AND NOT EXISTS (SELECT 1 FROM information_schema.columns c
                          WHERE c.table_schema = t.table_schema AND c.table_name = t.table_name AND c.column_name = 'county_id')`.execute(
        store.db,
      );
      expect(r.rows).toEqual([]);
    }
  });

  it('given deployments and audit events, when updating or deleting them, then the database refuses (SQLSTATE SD001)', async () => {
    {
      await store.counties.create({ countyId: 'c1', name: 'c1', shortName: 'c1' });
      await store.db
        .insertInto('audit_events')
        .values({
          county_id: 'c1',
          chain: 'county',
          seq: 1,
          at: new Date(),
          actor_kind: 'system',
          kind: 'x',
          payload: '{}',
          prev_hash: '0'.repeat(64),
          hash: '1'.repeat(64),
        })
        .execute();
      await expect(store.db.updateTable('audit_events').set({ kind: 'y' }).execute()).rejects.toMatchObject({
        code: 'SD001',
      });
      await expect(store.db.deleteFrom('audit_events').execute()).rejects.toMatchObject({ code: 'SD001' });
      await expect(sql`TRUNCATE audit_events`.execute(store.db)).rejects.toMatchObject({ code: 'SD001' });
    }
  });
});
