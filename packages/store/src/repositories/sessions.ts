import { createHash } from 'node:crypto';
import type { Kysely } from 'kysely';
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

/** sha256 hex of a session or API token (what the `sessions` table stores). */
export function hashToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/**
 * Login sessions and API tokens. Tokens are stored hashed; a lookup returns the session only if
 * it is neither revoked nor expired and its user is not disabled.
 *
 * @example
 * ```ts
 * const token = randomBytes(32).toString('base64url');
 * await store.sessions.create({ token, userId, countyId: 'huian', kind: 'session', expiresAt });
 * const s = await store.sessions.findActive(token); // { session, user } | undefined
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

  /** The live session of a token with its user, or `undefined`; records `last_used_at`. */
  async findActive(
    token: string,
    now: Date = new Date(),
  ): Promise<{ session: Session; user: User } | undefined> {
    const hash = hashToken(token);
    const session = await this.db
      .updateTable('sessions')
      .set({ last_used_at: now })
      .where('token_hash', '=', hash)
      .where('revoked_at', 'is', null)
      .where((eb) => eb.or([eb('expires_at', 'is', null), eb('expires_at', '>', now)]))
      .returningAll()
      .executeTakeFirst();
    if (session === undefined) return undefined;
    const user = await this.db
      .selectFrom('users')
      .selectAll()
      .where('user_id', '=', session.user_id)
      .executeTakeFirst();
    if (user === undefined || user.disabled) return undefined;
    return { session, user };
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
