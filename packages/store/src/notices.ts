/**
 * Notices (告知书) requested by the engine (`notice.requested` effects become `pending` rows):
 * listing them and recording their issue and delivery.
 */
import type { Kysely } from 'kysely';
import { StoreError } from './errors.js';
import { isUuid } from './repositories/users.js';
import type { Database, NoticeRow, NoticeStatus } from './schema.js';

/** Notices of a case (or the county's pending ones when `caseId` is omitted), oldest first. */
export async function listNotices(
  db: Kysely<Database>,
  countyId: string,
  filter: { readonly caseId?: string; readonly status?: NoticeStatus } = {},
): Promise<NoticeRow[]> {
  if (filter.caseId !== undefined && !isUuid(filter.caseId)) return [];
  let q = db.selectFrom('notices').selectAll().where('county_id', '=', countyId);
  if (filter.caseId !== undefined) q = q.where('case_id', '=', filter.caseId);
  if (filter.status !== undefined) q = q.where('status', '=', filter.status);
  return q.orderBy('created_at').orderBy('notice_id').execute();
}

/**
 * Moves a notice forward: `pending` → `issued` → `delivered` (or `cancelled`).
 * `STORE_ERR_NOTICE_NOT_FOUND` (also another county's), `STORE_ERR_CONFLICT` for a backward move.
 *
 * @example
 * ```ts
 * await issueNotice(store.db, 'huian', noticeId, 'issued');
 * ```
 */
export async function issueNotice(
  db: Kysely<Database>,
  countyId: string,
  noticeId: string,
  to: Exclude<NoticeStatus, 'pending'>,
  now: Date = new Date(),
): Promise<NoticeRow> {
  if (!isUuid(noticeId)) throw new StoreError('STORE_ERR_NOTICE_NOT_FOUND', { countyId, noticeId });
  const from: readonly NoticeStatus[] =
    to === 'issued' ? ['pending'] : to === 'delivered' ? ['issued'] : ['pending', 'issued'];
  const row = await db
    .updateTable('notices')
    .set({ status: to, ...(to === 'issued' ? { issued_at: now } : {}) })
    .where('county_id', '=', countyId)
    .where('notice_id', '=', noticeId)
    .where('status', 'in', from)
    .returningAll()
    .executeTakeFirst();
  if (row !== undefined) return row;
  const exists = await db
    .selectFrom('notices')
    .select('status')
    .where('county_id', '=', countyId)
    .where('notice_id', '=', noticeId)
    .executeTakeFirst();
  if (exists === undefined) throw new StoreError('STORE_ERR_NOTICE_NOT_FOUND', { countyId, noticeId });
  throw new StoreError('STORE_ERR_CONFLICT', { noticeId, status: exists.status, to });
}
