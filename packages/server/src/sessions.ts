/**
 * Login sessions. A session secret is 32 random bytes (base64url, prefixed `sd_`); the database
 * keeps only its sha256 (`sessions.token_hash`), so a leaked database does not leak live tokens.
 * The same secret works as a cookie (web) and as a bearer token (API). The CSRF token of a cookie
 * session is derived from the secret (`sha256("csrf:" + secret)`), so it needs no server state and
 * cannot be computed by a page that cannot read the session cookie.
 *
 * @example
 * ```ts
 * const { token, expiresAt } = await createSession(db, user, new Date(), 8 * 3600);
 * const found = await resolveSession(store, token, new Date()); // { ok: true, principal, expiresAt } | { ok: false, reason }
 * ```
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { hashToken, type Store } from '@shidian/store';
import type { Membership, Principal } from './access.js';

const TOKEN_SHAPE = /^sd_[A-Za-z0-9_-]{43}$/;

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
 * Looks a presented secret up with the store's `SessionRepository.lookup` (one read-only round trip;
 * it touches `last_used_at` at most once a minute) and builds the principal: county grants as
 * memberships, `province_reader` grants as provinces with their counties. Malformed secrets are
 * `unknown` without touching the database.
 */
export async function resolveSession(store: Store, token: string, now: Date): Promise<SessionLookup> {
  if (!TOKEN_SHAPE.test(token)) return { ok: false, reason: 'unknown' };
  const found = await store.sessions.lookup(token, now);
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
