/**
 * Attachments: content stored once per county by sha256 (`blobs`, append-only), referenced by
 * `attachments` rows. Uploads above the size limit are refused before anything is written.
 */
import type { Kysely } from 'kysely';
import { sha256Hex } from './canonical-json.js';
import { sqlState, StoreError } from './errors.js';
import { isUuid } from './repositories/users.js';
import type { AttachmentRow, Database } from './schema.js';

/** Default size limit of one attachment: 20 MiB. */
export const DEFAULT_ATTACHMENT_MAX_BYTES = 20 * 1024 * 1024;

/** Input of {@link putAttachment}. */
export interface PutAttachmentInput {
  readonly countyId: string;
  readonly caseId?: string | null;
  readonly filename: string;
  readonly mediaType: string;
  readonly content: Uint8Array;
  readonly uploadedBy?: string | null;
  /** Default {@link DEFAULT_ATTACHMENT_MAX_BYTES}. */
  readonly maxBytes?: number;
}

/**
 * Stores an attachment (one transaction). `STORE_ERR_ATTACHMENT_TOO_LARGE` (413) above the limit,
 * `STORE_ERR_CASE_NOT_FOUND` for an unknown case or one of another county.
 *
 * @example
 * ```ts
 * const a = await putAttachment(store.db, { countyId: 'huian', caseId, filename: '来信.pdf', mediaType: 'application/pdf', content });
 * ```
 */
export async function putAttachment(db: Kysely<Database>, input: PutAttachmentInput): Promise<AttachmentRow> {
  const max = input.maxBytes ?? DEFAULT_ATTACHMENT_MAX_BYTES;
  if (!(input.content instanceof Uint8Array))
    throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'content' });
  if (input.content.byteLength > max)
    throw new StoreError('STORE_ERR_ATTACHMENT_TOO_LARGE', { size: input.content.byteLength, maxBytes: max });
  if (input.filename.trim() === '' || input.filename.length > 255)
    throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'filename' });
  const caseId = input.caseId ?? null;
  if (caseId !== null && !isUuid(caseId))
    throw new StoreError('STORE_ERR_CASE_NOT_FOUND', { countyId: input.countyId, caseId });
  const sha256 = sha256Hex(input.content);
  try {
    return await db.transaction().execute(async (trx) => {
      await trx
        .insertInto('blobs')
        .values({ county_id: input.countyId, sha256, size: input.content.byteLength, content: input.content })
        .onConflict((oc) => oc.columns(['county_id', 'sha256']).doNothing())
        .execute();
      return trx
        .insertInto('attachments')
        .values({
          county_id: input.countyId,
          case_id: caseId,
          sha256,
          filename: input.filename,
          media_type: input.mediaType,
          size: input.content.byteLength,
          uploaded_by: input.uploadedBy ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    });
  } catch (e) {
    if (sqlState(e) === '23503') {
      throw new StoreError(
        caseId === null ? 'STORE_ERR_COUNTY_NOT_FOUND' : 'STORE_ERR_CASE_NOT_FOUND',
        { countyId: input.countyId, caseId },
        { cause: e },
      );
    }
    throw e;
  }
}

/** An attachment with its content, or `STORE_ERR_ATTACHMENT_NOT_FOUND` (also for another county's). */
export async function getAttachment(
  db: Kysely<Database>,
  countyId: string,
  attachmentId: string,
): Promise<{ attachment: AttachmentRow; content: Uint8Array }> {
  if (!isUuid(attachmentId))
    throw new StoreError('STORE_ERR_ATTACHMENT_NOT_FOUND', { countyId, attachmentId });
  const attachment = await db
    .selectFrom('attachments')
    .selectAll()
    .where('county_id', '=', countyId)
    .where('attachment_id', '=', attachmentId)
    .executeTakeFirst();
  if (attachment === undefined)
    throw new StoreError('STORE_ERR_ATTACHMENT_NOT_FOUND', { countyId, attachmentId });
  const blob = await db
    .selectFrom('blobs')
    .select('content')
    .where('county_id', '=', countyId)
    .where('sha256', '=', attachment.sha256)
    .executeTakeFirstOrThrow();
  return { attachment, content: new Uint8Array(blob.content) };
}

/** Attachments of a case, oldest first. */
export async function listAttachments(
  db: Kysely<Database>,
  countyId: string,
  caseId: string,
): Promise<AttachmentRow[]> {
  if (!isUuid(caseId)) return [];
  return db
    .selectFrom('attachments')
    .selectAll()
    .where('county_id', '=', countyId)
    .where('case_id', '=', caseId)
    .orderBy('created_at')
    .execute();
}
