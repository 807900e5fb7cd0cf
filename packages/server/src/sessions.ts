/**
 * Login sessions. A session secret is 32 random bytes (base64url, prefixed `sd_`); the database
 * keeps only its sha256 (`sessions.token_hash`), so a leaked database does not leak live tokens.
 * The same secret works as a cookie (web) and as a bearer token (API). The CSRF token of a cookie
 * session is derived from the secret (`sha256("csrf:" + secret)`), so it needs no server state and
 * cannot be computed by a page that cannot read the session cookie.
 *
 * Every request looks its session up with {@link lookupSession}: the store's `sessions.lookup`
 * statement (session, user, grants; the same checks in the same order: unknown, revoked, disabled,
 * expired; `last_used_at` written at most once a minute), sent as a named prepared statement so
 * PostgreSQL plans it once per connection, and able to read the task of a task route in the same
 * statement (`TaskRow`, task-row.ts): a move then costs two round trips (this read, the runtime's
 * write) instead of three. The task is read only for a usable session and only in the counties the
 * session's grants can read, and re-checked against the principal as `loadTask` does.
 *
 * @example
 * ```ts
 * const { token, expiresAt } = await createSession(db, user, new Date(), 8 * 3600);
 * const found = await resolveSession(store, token, new Date()); // { ok: true, principal, expiresAt } | { ok: false, reason }
 * ```
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashToken, sql, type Store } from '@shidian/store';
import { readableCounties, type Membership, type Principal } from './access.js';
import { taskColumns, type TaskRow } from './task-row.js';

/**
 * Marks a statement to be sent as a named prepared statement: the store's convention (its
 * `prepared.ts`: the pool of `openStore` prepares statements starting with this comment; on PGlite
 * it is an ordinary comment). The store does not export its `prepared()` helper yet.
 */
const PREPARE = sql.raw('/* shidian:prepare */ ');

/** The shape of a session secret (anything else is `unknown` without a database query). */
export const TOKEN_SHAPE = /^sd_[A-Za-z0-9_-]{43}$/;

/** The CSRF token that goes with a session secret. */
export function csrfTokenFor(token: string): string {
  return createHash('sha256').update(`csrf:${token}`).digest('base64url');
}

/** Timing-safe comparison of a presented CSRF token with the expected one. */
export function csrfMatches(token: string, presented: string): boolean {
  const expected = Buffer.from(csrfTokenFor(token));
  const given = Buffer.from(presented);
  return expected.length === given.length && timingSafeEqual(expected, given);
}

/** A new session. */
export interface NewSession {
  readonly token: string;
  readonly csrfToken: string;
  readonly expiresAt: Date;
}

/** Stores a new session for a user (homed in `countyId`) and returns its secret. */
export async function createSession(
  store: Store,
  user: { readonly user_id: string; readonly county_id: string },
  now: Date,
  ttlSeconds: number,
): Promise<NewSession> {
  const token = `sd_${randomBytes(32).toString('base64url')}`;
  const expiresAt = new Date(now.getTime() + ttlSeconds * 1000);
  await store.sessions.create({
    token,
    userId: user.user_id,
    countyId: user.county_id,
    kind: 'session',
    expiresAt,
  });
  return { token, csrfToken: csrfTokenFor(token), expiresAt };
}

/** Marks a session revoked (logout). Unknown tokens are ignored. */
export async function revokeSession(store: Store, token: string, now: Date): Promise<void> {
  await store.sessions.revoke(token, now);
}

/** Outcome of {@link resolveSession}. */
export type SessionLookup =
  | {
      readonly ok: true;
      readonly principal: Omit<Principal, 'via'>;
      /** When the session expires (null: never). */
      readonly expiresAt: Date | null;
    }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked' | 'disabled' };

/**
 * Looks a presented secret up ({@link lookupSession}: one read-only round trip; it touches
 * `last_used_at` at most once a minute) and builds the principal: county grants as memberships,
 * `province_reader` grants as provinces with their counties. Malformed secrets are `unknown`
 * without touching the database.
 */
export async function resolveSession(store: Store, token: string, now: Date): Promise<SessionLookup> {
  return (await lookupSession(store, token, now)).session;
}

/** What the store's `sessions.lookup` answers. */
export type StoreSessionLookup = Awaited<ReturnType<Store['sessions']['lookup']>>;

/** The principal of a session as the store's `sessions.lookup` found it (see {@link resolveSession}). */
export function sessionFromLookup(found: StoreSessionLookup): SessionLookup {
  if (found.status !== 'active') return { ok: false, reason: found.status };
  const memberships: Membership[] = [];
  const provinces: string[] = [];
  const provinceCounties = new Set<string>();
  for (const g of found.grants) {
    if (g.role === 'province_reader') {
      if (g.countyKind !== 'province') continue;
      provinces.push(g.countyId);
      for (const c of g.counties) provinceCounties.add(c);
      continue;
    }
    if (g.countyKind !== 'county') continue;
    memberships.push({ countyId: g.countyId, unitId: g.unitId, role: g.role });
  }
  return {
    ok: true,
    expiresAt: found.session.expires_at,
    principal: {
      userId: found.user.user_id,
      username: found.user.username,
      displayName: found.user.display_name,
      sessionId: found.session.token_hash.slice(0, 16),
      memberships,
      provinceCounties,
      provinces,
    },
  };
}

/** How often `last_used_at` is written for a session in use (as the store's `sessions.lookup`). */
const LAST_USED_RESOLUTION_MS = 60_000;

/** What {@link lookupSession} found. */
export interface SessionWithTask {
  /** The session, exactly as `resolveSession` answers it. */
  readonly session: SessionLookup;
  /** The task when the session is usable and the task lies in a county it may read; else null. */
  readonly task: TaskRow | null;
}

/** A {@link TaskRow} with every column prefixed `t_` (the session's columns share some names). */
type PrefixedTask = { [K in keyof TaskRow as `t_${K}`]: TaskRow[K] | null };

interface SessionTaskRow extends PrefixedTask {
  token_hash: string;
  county_id: string;
  user_id: string;
  kind: 'session' | 'api_token';
  name: string | null;
  created_at: Date | string;
  expires_at: Date | string | null;
  last_used_at: Date | string | null;
  revoked_at: Date | string | null;
  user_county_id: string;
  username: string;
  display_name: string;
  disabled: boolean;
  disabled_at: Date | string | null;
  user_created_at: Date | string;
  grants: StoreGrant[] | string;
}

type StoreGrant = Extract<StoreSessionLookup, { status: 'active' }>['grants'][number];

const PREFIXED_TASK_COLUMNS = taskColumns('t_');

/**
 * The session of a presented secret — and, when `taskId` is given, that task with its case row — in
 * one read-only statement, sent as a named prepared statement on PostgreSQL (see the module docs).
 * Malformed secrets are `unknown` without touching the database. The task is returned only for an
 * active session and a county {@link readableCounties} of its principal lists.
 */
export async function lookupSession(
  store: Store,
  token: string,
  now: Date,
  taskId: string | null = null,
): Promise<SessionWithTask> {
  if (!TOKEN_SHAPE.test(token)) return { session: { ok: false, reason: 'unknown' }, task: null };
  const hash = hashToken(token);
  // The session part is the store's `sessions.lookup` statement; the task is joined laterally, read
  // only for a session that is not revoked, disabled or expired, and only in the counties the user's
  // grants reach (county grants, and the counties of a province a province_reader grant is held on).
  // One statement text for every request (taskId NULL matches no task), prepared once per connection.
  const row = (
    await sql<SessionTaskRow>`${PREPARE}SELECT s.token_hash, s.county_id, s.user_id, s.kind, s.name, s.created_at, s.expires_at,
      s.last_used_at, s.revoked_at,
      u.county_id AS user_county_id, u.username, u.display_name, u.disabled, u.disabled_at,
      u.created_at AS user_created_at,
      (SELECT coalesce(json_agg(json_build_object(
          'countyId', m.county_id, 'unitId', m.unit_id, 'role', m.role, 'countyKind', c.kind,
          'counties', CASE WHEN c.kind = 'province' THEN (
            SELECT coalesce(json_agg(c2.county_id ORDER BY c2.county_id), '[]'::json)
              FROM counties c2 WHERE c2.parent_id = m.county_id AND c2.kind = 'county')
            ELSE '[]'::json END)
          ORDER BY m.county_id, m.role, m.unit_id), '[]'::json)
         FROM memberships m JOIN counties c ON c.county_id = m.county_id
        WHERE m.user_id = s.user_id) AS grants,
      tk.*
    FROM sessions s JOIN users u ON u.user_id = s.user_id
    LEFT JOIN LATERAL (
      SELECT ${PREFIXED_TASK_COLUMNS}
      FROM tasks t JOIN cases c ON c.county_id = t.county_id AND c.case_id = t.case_id
      WHERE t.task_id = ${taskId}
        AND s.revoked_at IS NULL AND NOT u.disabled AND (s.expires_at IS NULL OR s.expires_at > ${now})
        AND t.county_id IN (
          SELECT m.county_id FROM memberships m WHERE m.user_id = s.user_id
          UNION ALL
          SELECT c2.county_id FROM memberships m JOIN counties c2 ON c2.parent_id = m.county_id
           WHERE m.user_id = s.user_id AND m.role = 'province_reader')
    ) tk ON true
    WHERE s.token_hash = ${hash}`.execute(store.db)
  ).rows[0];
  if (row === undefined) return { session: { ok: false, reason: 'unknown' }, task: null };
  if (row.revoked_at !== null) return { session: { ok: false, reason: 'revoked' }, task: null };
  if (row.disabled) return { session: { ok: false, reason: 'disabled' }, task: null };
  const expiresAt = row.expires_at === null ? null : new Date(row.expires_at);
  if (expiresAt !== null && expiresAt.getTime() <= now.getTime())
    return { session: { ok: false, reason: 'expired' }, task: null };
  let lastUsedAt = row.last_used_at === null ? null : new Date(row.last_used_at);
  if (lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
    await store.db
      .updateTable('sessions')
      .set({ last_used_at: now })
      .where('token_hash', '=', hash)
      .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now)]))
      .execute();
    lastUsedAt = now;
  }
  const grants = typeof row.grants === 'string' ? (JSON.parse(row.grants) as StoreGrant[]) : row.grants;
  const session = sessionFromLookup({
    status: 'active',
    session: {
      token_hash: row.token_hash,
      county_id: row.county_id,
      user_id: row.user_id,
      kind: row.kind,
      name: row.name,
      created_at: new Date(row.created_at),
      expires_at: expiresAt,
      last_used_at: lastUsedAt,
      revoked_at: null,
    },
    user: {
      user_id: row.user_id,
      county_id: row.user_county_id,
      username: row.username,
      display_name: row.display_name,
      disabled: false,
      disabled_at: row.disabled_at === null ? null : new Date(row.disabled_at),
      created_at: new Date(row.user_created_at),
    },
    grants,
  });
  let task: TaskRow | null = null;
  if (session.ok && row.t_task_id !== null) {
    const out: Record<string, unknown> = {};
    for (const [k, v] of Object.entries(row)) if (k.startsWith('t_')) out[k.slice(2)] = v;
    task = out as unknown as TaskRow;
    // the statement's county filter is a superset: the principal decides, exactly as in loadTask
    if (!readableCounties({ ...session.principal, via: 'bearer' }).includes(task.county_id)) task = null;
  }
  return { session, task };
}

/** Options of {@link SessionCache}. */
export interface SessionCacheOptions {
  /** How long a resolved session is reused, in ms (default 0: off, as `SHIDIAN_SESSION_CACHE_MS`). */
  readonly ttlMs?: number;
  /** Most sessions kept (default 10 000; the oldest entry goes first). */
  readonly maxEntries?: number;
}

interface CacheEntry {
  readonly until: number;
  readonly lookup: Promise<SessionLookup>;
}

/**
 * Resolved sessions of this process, reused for a few seconds so that a busy client costs one
 * session lookup per `ttlMs` instead of one per request. Only active sessions are kept (unknown,
 * revoked and expired tokens go to the database every time); a kept session still answers
 * `expired` the moment it expires. Logging out through this process forgets the token at once
 * ({@link SessionCache.forget}); a revocation elsewhere (`shidian user disable`, a logout served by
 * another process) takes effect here within `ttlMs`.
 *
 * @example
 * ```ts
 * const sessions = new SessionCache(store, { ttlMs: 5000 });
 * const found = await sessions.resolve(token, new Date()); // as resolveSession
 * sessions.forget(token); // on logout
 * ```
 */
export class SessionCache {
  readonly #store: Store;
  readonly #ttlMs: number;
  readonly #max: number;
  readonly #entries = new Map<string, CacheEntry>();

  constructor(store: Store, options: SessionCacheOptions = {}) {
    this.#store = store;
    this.#ttlMs = options.ttlMs ?? 0;
    this.#max = options.maxEntries ?? 10_000;
  }

  /** Whether sessions are reused at all (`ttlMs` > 0); when not, every request looks its session up. */
  get enabled(): boolean {
    return this.#ttlMs > 0;
  }

  /** The session of a presented secret (see {@link resolveSession}), from the cache when fresh. */
  async resolve(token: string, now: Date): Promise<SessionLookup> {
    if (this.#ttlMs <= 0 || !TOKEN_SHAPE.test(token)) return resolveSession(this.#store, token, now);
    const key = hashToken(token);
    const t = now.getTime();
    let entry = this.#entries.get(key);
    if (entry === undefined || entry.until <= t) {
      if (entry === undefined && this.#entries.size >= this.#max) {
        const oldest = this.#entries.keys().next();
        if (oldest.done !== true) this.#entries.delete(oldest.value);
      }
      const created: CacheEntry = { until: t + this.#ttlMs, lookup: resolveSession(this.#store, token, now) };
      entry = created;
      this.#entries.set(key, created);
      const drop = () => {
        if (this.#entries.get(key) === created) this.#entries.delete(key);
      };
      created.lookup.then((r) => (r.ok ? undefined : drop()), drop);
    }
    const found = await entry.lookup;
    if (found.ok && found.expiresAt !== null && found.expiresAt.getTime() <= t) {
      this.#entries.delete(key);
      return { ok: false, reason: 'expired' };
    }
    return found;
  }

  /** Forgets a secret (logout), so that its next use goes to the database. */
  forget(token: string): void {
    this.#entries.delete(hashToken(token));
  }
}
