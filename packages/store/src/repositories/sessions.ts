import { createHash } from 'node:crypto';
import { sql, type Kysely } from 'kysely';
import { sqlState, StoreError } from '../errors.js';
import type { Database, Session, User } from '../schema.js';
import { isUuid } from './users.js';

/** Input of {@link SessionRepository.create}. */
export interface NewSessionInput {
  /** The secret token given to the client; only its sha256 is stored. */
  readonly token: string;
  readonly userId: string;
  readonly countyId: string;
  readonly kind: 'session' | 'api_token';
  readonly name?: string | null;
  readonly expiresAt?: Date | null;
}

/** One role grant of a session's user, as {@link SessionRepository.lookup} reports it. */
export interface SessionGrant {
  readonly countyId: string;
  /** null: the whole county. */
  readonly unitId: string | null;
  readonly role: string;
  /** The kind of the granting row of `counties` (`county` or `province`). */
  readonly countyKind: string;
  /** For a grant on a province: the ids of its counties (kind `county`), sorted; else empty. */
  readonly counties: readonly string[];
}

/** The user of a session, without the password hash. */
export type SessionUser = Omit<User, 'password_hash'>;

/** Outcome of {@link SessionRepository.lookup}. */
export type SessionLookup =
  | {
      readonly status: 'active';
      readonly session: Session;
      readonly user: SessionUser;
      readonly grants: readonly SessionGrant[];
    }
  | { readonly status: 'unknown' | 'expired' | 'revoked' | 'disabled' };

/** How often `last_used_at` is written for a session in use (at most once per this many ms). */
export const LAST_USED_RESOLUTION_MS = 60_000;

/** sha256 hex of a session or API token (what the `sessions` table stores). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Login sessions and API tokens. Tokens are stored hashed. {@link SessionRepository.lookup} reads a
 * token with its user and role grants in one read-only statement and says why a token is not
 * usable (unknown, expired, revoked, user disabled); it writes `last_used_at` only when the stored
 * one is older than {@link LAST_USED_RESOLUTION_MS}, so a busy session costs one write a minute.
 *
 * @example
 * ```ts
 * const token = randomBytes(32).toString('base64url');
 * await store.sessions.create({ token, userId, countyId: 'huian', kind: 'session', expiresAt });
 * const s = await store.sessions.lookup(token); // { status: 'active', session, user, grants } | { status: 'expired' } …
 * ```
 */
export class SessionRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Stores a new session or token. `STORE_ERR_USER_NOT_FOUND` / `STORE_ERR_COUNTY_NOT_FOUND`. */
  async create(input: NewSessionInput): Promise<Session> {
    if (input.token.length < 16)
      throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'token', reason: 'at least 16 characters' });
    if (!isUuid(input.userId)) throw new StoreError('STORE_ERR_USER_NOT_FOUND', { userId: input.userId });
    try {
      return await this.db
        .insertInto('sessions')
        .values({
          token_hash: hashToken(input.token),
          county_id: input.countyId,
          user_id: input.userId,
          kind: input.kind,
          name: input.name ?? null,
          expires_at: input.expiresAt ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (e) {
      if (sqlState(e) === '23503') {
        const user = await this.db
          .selectFrom('users')
          .select('user_id')
          .where('user_id', '=', input.userId)
          .executeTakeFirst();
        throw new StoreError(
          user === undefined ? 'STORE_ERR_USER_NOT_FOUND' : 'STORE_ERR_COUNTY_NOT_FOUND',
          { ...input, token: undefined },
          { cause: e },
        );
      }
      throw e;
    }
  }

  /**
   * A token's session with its user and grants, or why it cannot be used: `unknown` (no such
   * token), `revoked`, `disabled` (the user), `expired` — checked in that order. Read-only, except
   * that an active session's `last_used_at` is written when it is older than
   * {@link LAST_USED_RESOLUTION_MS} (or unset).
   */
  async lookup(token: string, now: Date = new Date()): Promise<SessionLookup> {
    const hash = hashToken(token);
    const row = (
      await sql<LookupRow>`
      SELECT s.token_hash, s.county_id, s.user_id, s.kind, s.name, s.created_at, s.expires_at,
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
          WHERE m.user_id = s.user_id) AS grants
      FROM sessions s JOIN users u ON u.user_id = s.user_id
      WHERE s.token_hash = ${hash}`.execute(this.db)
    ).rows[0];
    if (row === undefined) return { status: 'unknown' };
    if (row.revoked_at !== null) return { status: 'revoked' };
    if (row.disabled) return { status: 'disabled' };
    const expiresAt = row.expires_at === null ? null : new Date(row.expires_at);
    if (expiresAt !== null && expiresAt.getTime() <= now.getTime()) return { status: 'expired' };
    let lastUsedAt = row.last_used_at === null ? null : new Date(row.last_used_at);
    if (lastUsedAt === null || now.getTime() - lastUsedAt.getTime() >= LAST_USED_RESOLUTION_MS) {
      await this.db
        .updateTable('sessions')
        .set({ last_used_at: now })
        .where('token_hash', '=', hash)
        .where((eb) => eb.or([eb('last_used_at', 'is', null), eb('last_used_at', '<', now)]))
        .execute();
      lastUsedAt = now;
    }
    const grants = typeof row.grants === 'string' ? (JSON.parse(row.grants) as SessionGrant[]) : row.grants;
    return {
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
    };
  }

  /** Revokes a token; returns whether a live one existed. */
  async revoke(token: string, now: Date = new Date()): Promise<boolean> {
    const r = await this.db
      .updateTable('sessions')
      .set({ revoked_at: now })
      .where('token_hash', '=', hashToken(token))
      .where('revoked_at', 'is', null)
      .executeTakeFirst();
    return r.numUpdatedRows > 0n;
  }

  /** API tokens and sessions of a user (hashes only), newest first. */
  async listForUser(userId: string): Promise<Session[]> {
    if (!isUuid(userId)) return [];
    return this.db
      .selectFrom('sessions')
      .selectAll()
      .where('user_id', '=', userId)
      .orderBy('created_at', 'desc')
      .execute();
  }
}

interface LookupRow {
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
  grants: SessionGrant[] | string;
}
