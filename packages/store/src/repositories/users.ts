import type { Kysely } from 'kysely';
import { isUniqueViolation, sqlState, StoreError } from '../errors.js';
import type { Database, User } from '../schema.js';

/** Input of {@link UserRepository.create}. */
export interface NewUserInput {
  /** Home county (or province) of the account. */
  readonly countyId: string;
  /** Login name, unique across the installation. */
  readonly username: string;
  readonly displayName: string;
  /** A password hash produced by the server (never a plain password); null for token-only accounts. */
  readonly passwordHash?: string | null;
}

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/i;

/** True when `s` is a syntactically valid UUID (ids from outside are checked before they reach SQL). */
export function isUuid(s: string): boolean {
  return UUID.test(s);
}

/**
 * Staff accounts.
 *
 * @example
 * ```ts
 * const u = await store.users.create({ countyId: 'huian', username: 'zhang', displayName: '张三', passwordHash });
 * await store.users.disable(u.user_id);
 * ```
 */
export class UserRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates a user; `STORE_ERR_USER_EXISTS` for a taken username, `STORE_ERR_COUNTY_NOT_FOUND`. */
  async create(input: NewUserInput): Promise<User> {
    if (!/^[\p{L}\p{N}._@-]{1,64}$/u.test(input.username) || input.displayName.trim() === '') {
      throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'username|displayName' });
    }
    try {
      return await this.db
        .insertInto('users')
        .values({
          county_id: input.countyId,
          username: input.username,
          display_name: input.displayName,
          password_hash: input.passwordHash ?? null,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (e) {
      if (isUniqueViolation(e))
        throw new StoreError('STORE_ERR_USER_EXISTS', { username: input.username }, { cause: e });
      if (sqlState(e) === '23503')
        throw new StoreError('STORE_ERR_COUNTY_NOT_FOUND', { countyId: input.countyId }, { cause: e });
      throw e;
    }
  }

  /** By id across counties (for authentication), or `undefined`. */
  async findById(userId: string): Promise<User | undefined> {
    if (!isUuid(userId)) return undefined;
    return this.db.selectFrom('users').selectAll().where('user_id', '=', userId).executeTakeFirst();
  }

  /** By login name (for authentication), or `undefined`. */
  async findByUsername(username: string): Promise<User | undefined> {
    return this.db.selectFrom('users').selectAll().where('username', '=', username).executeTakeFirst();
  }

  /** A user homed in `countyId`, or `undefined` (a user of another county is not found). */
  async find(countyId: string, userId: string): Promise<User | undefined> {
    if (!isUuid(userId)) return undefined;
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('county_id', '=', countyId)
      .where('user_id', '=', userId)
      .executeTakeFirst();
  }

  /** Users homed in a county, by username. */
  async list(countyId: string): Promise<User[]> {
    return this.db
      .selectFrom('users')
      .selectAll()
      .where('county_id', '=', countyId)
      .orderBy('username')
      .execute();
  }

  /** Disables an account (it can no longer log in; its sessions are revoked). `STORE_ERR_USER_NOT_FOUND`. */
  async disable(userId: string, now: Date = new Date()): Promise<User> {
    return this.setDisabled(userId, true, now);
  }

  /** Re-enables an account. `STORE_ERR_USER_NOT_FOUND`. */
  async enable(userId: string): Promise<User> {
    return this.setDisabled(userId, false, new Date());
  }

  /** Replaces the password hash. `STORE_ERR_USER_NOT_FOUND`. */
  async setPasswordHash(userId: string, passwordHash: string | null): Promise<User> {
    if (!isUuid(userId)) throw new StoreError('STORE_ERR_USER_NOT_FOUND', { userId });
    const u = await this.db
      .updateTable('users')
      .set({ password_hash: passwordHash })
      .where('user_id', '=', userId)
      .returningAll()
      .executeTakeFirst();
    if (u === undefined) throw new StoreError('STORE_ERR_USER_NOT_FOUND', { userId });
    return u;
  }

  private async setDisabled(userId: string, disabled: boolean, now: Date): Promise<User> {
    if (!isUuid(userId)) throw new StoreError('STORE_ERR_USER_NOT_FOUND', { userId });
    try {
      const u = await this.db
        .updateTable('users')
        .set({ disabled, disabled_at: disabled ? now : null })
        .where('user_id', '=', userId)
        .returningAll()
        .executeTakeFirst();
      if (u === undefined) throw new StoreError('STORE_ERR_USER_NOT_FOUND', { userId });
      if (disabled) {
        await this.db
          .updateTable('sessions')
          .set({ revoked_at: now })
          .where('user_id', '=', userId)
          .where('revoked_at', 'is', null)
          .execute();
      }
      return u;
    } catch (e) {
      if (sqlState(e) === '22P02') throw new StoreError('STORE_ERR_USER_NOT_FOUND', { userId }, { cause: e });
      throw e;
    }
  }
}
