import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { getAttachment, listAttachments, putAttachment } from './attachments.js';
import { registrar, seedCounties } from './fixtures/seed.js';
import { CommandRuntime } from './runtime.js';
import type { Store } from './store.js';
import { createTestStore } from './testing.js';

let store: Store;
let caseId: string;
beforeAll(async () => {
  store = await createTestStore();
  await seedCounties(store);
  caseId = (
    await new CommandRuntime(store.db).startCase({
      countyId: 'huian',
      pilotId: 'main',
      processId: 'petition',
      actor: registrar,
    })
  ).caseId;
});
afterAll(async () => {
  await store.close();
});

describe('attachments', () => {
  it('given the same content twice, then two attachments share one blob, and the content comes back byte for byte', async () => {
    const content = new TextEncoder().encode('来信内容 letter');
    const a = await putAttachment(store.db, {
      countyId: 'huian',
      caseId,
      filename: '来信.txt',
      mediaType: 'text/plain',
      content,
    });
    const b = await putAttachment(store.db, {
      countyId: 'huian',
      caseId,
      filename: 'copy.txt',
      mediaType: 'text/plain',
      content,
    });
    expect(a.sha256).toBe(b.sha256);
    const blobs = await store.db
      .selectFrom('blobs')
      .select('sha256')
      .where('county_id', '=', 'huian')
      .execute();
    expect(blobs).toHaveLength(1);
    const got = await getAttachment(store.db, 'huian', a.attachment_id);
    expect(Buffer.from(got.content).toString('utf8')).toBe('来信内容 letter');
    expect((await listAttachments(store.db, 'huian', caseId)).map((x) => x.filename)).toEqual([
      '来信.txt',
      'copy.txt',
    ]);
  });

  it('given an oversized file, an unknown case or another county, then coded errors and nothing written', async () => {
    const before = await store.db.selectFrom('attachments').select('attachment_id').execute();
    await expect(
      putAttachment(store.db, {
        countyId: 'huian',
        caseId,
        filename: 'big.bin',
        mediaType: 'application/octet-stream',
        content: new Uint8Array(11),
        maxBytes: 10,
      }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_ATTACHMENT_TOO_LARGE', status: 413 });
    await expect(
      putAttachment(store.db, {
        countyId: 'jinjiang',
        caseId,
        filename: 'x.txt',
        mediaType: 'text/plain',
        content: new Uint8Array(1),
      }),
    ).rejects.toMatchObject({ code: 'STORE_ERR_CASE_NOT_FOUND' });
    expect(await store.db.selectFrom('attachments').select('attachment_id').execute()).toHaveLength(
      before.length,
    );
    const a = before[0]!.attachment_id;
    await expect(getAttachment(store.db, 'jinjiang', a)).rejects.toMatchObject({
      code: 'STORE_ERR_ATTACHMENT_NOT_FOUND',
    });
  });
});
