/**
 * The audit log: append-only (refused by a trigger on UPDATE / DELETE / TRUNCATE) and
 * hash-chained per case (`chain` = the case id) or per county (`chain` = `county`):
 * `hash = sha256(prev_hash + "\n" + canonical event)`, the first `prev_hash` being 64 zeros.
 */
import type { Insertable, Kysely } from 'kysely';
import { canonicalJson, sha256Hex } from './canonical-json.js';
import { isUuid } from './repositories/users.js';
import { json, type AuditEventRow, type AuditEventsTable, type Database } from './schema.js';

/** The `prev_hash` of the first event of a chain. */
export const GENESIS_HASH = '0'.repeat(64);

/** One event to append. */
export interface AuditInput {
  readonly at: Date;
  readonly actorId: string | null;
  readonly actorKind: 'user' | 'system';
  readonly stage: string | null;
  /** Engine event type (`complete`, `timeout.remind` …), `effects` (every effect of the command, in order) or a store event (`deployment.created`). */
  readonly kind: string;
  readonly payload: unknown;
}

/** The head of a chain: its last sequence number and hash. */
export interface ChainHead {
  readonly seq: number;
  readonly hash: string;
}

/** The fields that are hashed, in canonical form. */
export function canonicalAuditEvent(e: {
  county_id: string;
  chain: string;
  seq: number;
  case_id: string | null;
  at: Date;
  actor_id: string | null;
  actor_kind: string;
  stage: string | null;
  kind: string;
  payload: unknown;
}): string {
  return canonicalJson({
    actorId: e.actor_id,
    actorKind: e.actor_kind,
    at: e.at.toISOString(),
    caseId: e.case_id,
    chain: e.chain,
    countyId: e.county_id,
    kind: e.kind,
    payload: e.payload,
    seq: e.seq,
    stage: e.stage,
  });
}

/** The hash of an event given the previous hash. */
export function chainHash(prevHash: string, canonical: string): string {
  return sha256Hex(`${prevHash}\n${canonical}`);
}

/** Rows of `audit_events` for a batch of events, and the new head (nothing is written). */
export function auditRows(
  target: { readonly countyId: string; readonly chain: string; readonly caseId: string | null },
  head: ChainHead,
  events: readonly AuditInput[],
): { rows: Insertable<AuditEventsTable>[]; head: ChainHead } {
  let { seq, hash } = head;
  const rows = events.map((e) => {
    seq += 1;
    // Round-trip the payload through JSON so what is hashed is exactly what jsonb gives back.
    const text = json(e.payload);
    const payload = JSON.parse(text) as unknown;
    const at = new Date(e.at.getTime());
    const base = {
      county_id: target.countyId,
      chain: target.chain,
      seq,
      case_id: target.caseId,
      at,
      actor_id: e.actorId,
      actor_kind: e.actorKind,
      stage: e.stage,
      kind: e.kind,
      payload,
    };
    const prev = hash;
    hash = chainHash(prev, canonicalAuditEvent(base));
    // (the text parsed above: stringifying what it parsed to gives the same text)
    return { ...base, payload: text, prev_hash: prev, hash };
  });
  return { rows, head: { seq, hash } };
}

/**
 * Appends events to a chain in one multi-row INSERT and returns the new head. The caller must
 * hold the chain (the case row lock for a case chain); a racing writer fails on the primary key
 * instead of forking the chain.
 */
export async function appendAudit(
  db: Kysely<Database>,
  target: { readonly countyId: string; readonly chain: string; readonly caseId: string | null },
  head: ChainHead,
  events: readonly AuditInput[],
): Promise<ChainHead> {
  if (events.length === 0) return head;
  const r = auditRows(target, head, events);
  await db.insertInto('audit_events').values(r.rows).execute();
  return r.head;
}

/**
 * Appends one event to a county's own chain (`chain = 'county'`: deployments, user changes …).
 */
export async function appendCountyAudit(
  db: Kysely<Database>,
  countyId: string,
  event: AuditInput,
): Promise<ChainHead> {
  const last = await db
    .selectFrom('audit_events')
    .select(['seq', 'hash'])
    .where('county_id', '=', countyId)
    .where('chain', '=', 'county')
    .orderBy('seq', 'desc')
    .limit(1)
    .executeTakeFirst();
  return appendAudit(
    db,
    { countyId, chain: 'county', caseId: null },
    last ?? { seq: 0, hash: GENESIS_HASH },
    [event],
  );
}

/** The first broken link found by {@link verifyAudit}. */
export interface BrokenLink {
  readonly countyId: string;
  readonly chain: string;
  readonly caseId: string | null;
  readonly seq: number;
  /** `hash`: the stored hash is not the hash of the event; `prev`: prev_hash differs from the previous hash; `gap`: a sequence number is missing. */
  readonly reason: 'hash' | 'prev' | 'gap';
}

/** Result of {@link verifyAudit}. */
export interface AuditVerification {
  readonly ok: boolean;
  readonly chains: number;
  readonly events: number;
  readonly firstBroken?: BrokenLink;
}

/**
 * Recomputes every hash of the selected chains (all, one county's, or one case's), page by page,
 * and reports the first broken link.
 *
 * @example
 * ```ts
 * const r = await verifyAudit(store.db, { countyId: 'huian', caseId });
 * if (!r.ok) console.log(r.firstBroken); // { chain, seq, reason }
 * ```
 */
export async function verifyAudit(
  db: Kysely<Database>,
  scope: { readonly countyId?: string; readonly caseId?: string } = {},
  pageSize = 2000,
): Promise<AuditVerification> {
  let after: { county_id: string; chain: string; seq: number } | undefined;
  if (scope.caseId !== undefined && !isUuid(scope.caseId)) return { ok: true, chains: 0, events: 0 };
  if (scope.caseId !== undefined && scope.countyId === undefined) {
    // the primary key starts with county_id: find the case's county first
    const c = await db
      .selectFrom('cases')
      .select('county_id')
      .where('case_id', '=', scope.caseId)
      .executeTakeFirst();
    if (c === undefined) return { ok: true, chains: 0, events: 0 };
    scope = { ...scope, countyId: c.county_id };
  }
  let chains = 0;
  let events = 0;
  let cur: { key: string; seq: number; hash: string } | undefined;
  for (;;) {
    let q = db.selectFrom('audit_events').selectAll();
    if (scope.countyId !== undefined) q = q.where('county_id', '=', scope.countyId);
    if (scope.caseId !== undefined) q = q.where('chain', '=', scope.caseId);
    if (after !== undefined) {
      const a = after;
      q = q.where((eb) =>
        eb(eb.refTuple('county_id', 'chain', 'seq'), '>', eb.tuple(a.county_id, a.chain, a.seq)),
      );
    }
    const page: AuditEventRow[] = await q
      .orderBy('county_id')
      .orderBy('chain')
      .orderBy('seq')
      .limit(pageSize)
      .execute();
    for (const e of page) {
      events += 1;
      const key = `${e.county_id}\u0000${e.chain}`;
      if (cur === undefined || cur.key !== key) {
        chains += 1;
        cur = { key, seq: 0, hash: GENESIS_HASH };
      }
      const broken = (reason: BrokenLink['reason']): AuditVerification => ({
        ok: false,
        chains,
        events,
        firstBroken: { countyId: e.county_id, chain: e.chain, caseId: e.case_id, seq: e.seq, reason },
      });
      if (e.seq !== cur.seq + 1) return broken('gap');
      if (e.prev_hash !== cur.hash) return broken('prev');
      if (chainHash(e.prev_hash, canonicalAuditEvent(e)) !== e.hash) return broken('hash');
      cur = { key, seq: e.seq, hash: e.hash };
    }
    const last = page[page.length - 1];
    if (last === undefined || page.length < pageSize) break;
    after = { county_id: last.county_id, chain: last.chain, seq: last.seq };
  }
  return { ok: true, chains, events };
}
