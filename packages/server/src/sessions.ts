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
 * const found = await resolveSession(db, token, new Date()); // { ok: true, principal } | { ok: false, reason }
 * ```
 */
import { createHash, randomBytes, timingSafeEqual } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { hashToken, type Database, type Store } from '@shidian/store';
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
  | { readonly ok: true; readonly principal: Omit<Principal, 'via'> }
  | { readonly ok: false; readonly reason: 'unknown' | 'expired' | 'revoked' | 'disabled' };

interface SessionRow {
  user_id: string;
  expires_at: Date | string | null;
  revoked_at: Date | string | null;
  username: string;
  display_name: string;
  disabled: boolean;
  memberships: Array<{ c: string; u: string | null; r: string; k: string }> | string;
  province_counties: string[] | string;
}

/**
 * Looks a presented secret up and builds the principal (memberships, province counties) in one
 * read-only round trip (the store's `SessionRepository.findActive` writes `last_used_at` on every
 * call and cannot tell an expired token from an unknown one, which the API must distinguish).
 * Malformed secrets are `unknown` without touching the database.
 */
export async function resolveSession(db: Kysely<Database>, token: string, now: Date): Promise<SessionLookup> {
  if (!TOKEN_SHAPE.test(token)) return { ok: false, reason: 'unknown' };
  const hash = hashToken(token);
  const result = await sql<SessionRow>`
    SELECT s.user_id, s.expires_at, s.revoked_at, u.username, u.display_name, u.disabled,
      (SELECT coalesce(json_agg(json_build_object('c', m.county_id, 'u', m.unit_id, 'r', m.role, 'k', c.kind)), '[]'::json)
         FROM memberships m JOIN counties c ON c.county_id = m.county_id WHERE m.user_id = s.user_id) AS memberships,
      (SELECT coalesce(json_agg(DISTINCT c2.county_id), '[]'::json)
         FROM memberships m2 JOIN counties c2 ON c2.parent_id = m2.county_id
        WHERE m2.user_id = s.user_id AND m2.role = 'province_reader' AND c2.kind = 'county') AS province_counties
    FROM sessions s JOIN users u ON u.user_id = s.user_id
    WHERE s.token_hash = ${hash}`.execute(db);
  const row = result.rows[0];
  if (row === undefined) return { ok: false, reason: 'unknown' };
  if (row.revoked_at !== null) return { ok: false, reason: 'revoked' };
  if (row.disabled) return { ok: false, reason: 'disabled' };
  if (row.expires_at !== null && new Date(row.expires_at).getTime() <= now.getTime())
    return { ok: false, reason: 'expired' };
  const raw =
    typeof row.memberships === 'string'
      ? (JSON.parse(row.memberships) as SessionRow['memberships'])
      : row.memberships;
  const provinceCounties =
    typeof row.province_counties === 'string'
      ? (JSON.parse(row.province_counties) as string[])
      : row.province_counties;
  const memberships: Membership[] = [];
  const provinces: string[] = [];
  for (const m of Array.isArray(raw) ? raw : []) {
    if (m.r === 'province_reader') {
      if (m.k === 'province') provinces.push(m.c);
      continue;
    }
    if (m.k !== 'county') continue;
    memberships.push({ countyId: m.c, unitId: m.u, role: m.r });
  }
  return {
    ok: true,
    principal: {
      userId: row.user_id,
      username: row.username,
      displayName: row.display_name,
      sessionId: hash.slice(0, 16),
      memberships,
      provinceCounties: new Set(provinceCounties),
      provinces,
    },
  };
}
