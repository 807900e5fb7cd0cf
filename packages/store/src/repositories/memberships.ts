import type { Kysely } from 'kysely';
import { isUniqueViolation, sqlState, StoreError } from '../errors.js';
import type { Database, Membership } from '../schema.js';
import { isUuid } from './users.js';

/**
 * The province-level read role: a membership with this role on a `province` row of `counties`
 * lets the user read every county whose `parent_id` is that province.
 */
export const PROVINCE_READER_ROLE = 'province_reader';

/** Input of {@link MembershipRepository.grant}. */
export interface GrantInput {
  readonly countyId: string;
  readonly userId: string;
  /** Unit scope; omitted or null means county-wide. */
  readonly unitId?: string | null;
  /** Role id, the same string BPMN candidate groups use (e.g. `registrar`, `handler`). */
  readonly role: string;
}

/** One county a user may act in or read, with the roles that apply there. */
export interface CountyAccess {
  readonly countyId: string;
  /** `write` through a county membership; `read` through a province reader membership. */
  readonly access: 'write' | 'read';
  readonly roles: readonly { readonly role: string; readonly unitId: string | null }[];
}

/**
 * Role memberships: user × county × unit × role.
 *
 * @example
 * ```ts
 * await store.memberships.grant({ countyId: 'huian', userId, unitId: 'xfj', role: 'registrar' });
 * await store.memberships.grant({ countyId: 'fj', userId: inspector, role: PROVINCE_READER_ROLE });
 * ```
 */
export class MembershipRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Grants a role; `STORE_ERR_MEMBERSHIP_EXISTS`, or not-found codes for the county, user or unit. */
  async grant(input: GrantInput): Promise<Membership> {
    if (input.role.trim() === '') throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'role' });
    if (!isUuid(input.userId)) throw new StoreError('STORE_ERR_USER_NOT_FOUND', { userId: input.userId });
    const county = await this.db
      .selectFrom('counties')
      .select(['county_id', 'kind'])
      .where('county_id', '=', input.countyId)
      .executeTakeFirst();
    if (county === undefined)
      throw new StoreError('STORE_ERR_COUNTY_NOT_FOUND', { countyId: input.countyId });
    if (input.role === PROVINCE_READER_ROLE && county.kind !== 'province') {
      throw new StoreError('STORE_ERR_INVALID_INPUT', {
        field: 'role',
        reason: 'province_reader is granted on a province',
      });
    }
    try {
      return await this.db
        .insertInto('memberships')
        .values({
          county_id: input.countyId,
          user_id: input.userId,
          unit_id: input.unitId ?? null,
          role: input.role,
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (e) {
      if (isUniqueViolation(e))
        throw new StoreError('STORE_ERR_MEMBERSHIP_EXISTS', { ...input }, { cause: e });
      if (sqlState(e) === '23503') {
        const user = await this.db
          .selectFrom('users')
          .select('user_id')
          .where('user_id', '=', input.userId)
          .executeTakeFirst();
        if (user === undefined)
          throw new StoreError('STORE_ERR_USER_NOT_FOUND', { userId: input.userId }, { cause: e });
        throw new StoreError(
          'STORE_ERR_UNIT_NOT_FOUND',
          { countyId: input.countyId, unitId: input.unitId },
          { cause: e },
        );
      }
      throw e;
    }
  }

  /** Revokes one membership of a county; returns whether it existed. */
  async revoke(countyId: string, membershipId: string): Promise<boolean> {
    if (!isUuid(membershipId)) return false;
    const r = await this.db
      .deleteFrom('memberships')
      .where('county_id', '=', countyId)
      .where('membership_id', '=', membershipId)
      .executeTakeFirst();
    return r.numDeletedRows > 0n;
  }

  /** Memberships of a user in one county. */
  async listForUser(userId: string, countyId?: string): Promise<Membership[]> {
    if (!isUuid(userId)) return [];
    let q = this.db.selectFrom('memberships').selectAll().where('user_id', '=', userId);
    if (countyId !== undefined) q = q.where('county_id', '=', countyId);
    return q.orderBy('county_id').orderBy('role').orderBy('unit_id').execute();
  }

  /** Memberships in a county. */
  async listForCounty(countyId: string): Promise<Membership[]> {
    return this.db
      .selectFrom('memberships')
      .selectAll()
      .where('county_id', '=', countyId)
      .orderBy('user_id')
      .orderBy('role')
      .execute();
  }

  /**
   * Every county the user can act in (`write`, through its own memberships) or read (through a
   * province reader membership), with the roles that apply. Disabled users get nothing.
   */
  async accessOf(userId: string): Promise<CountyAccess[]> {
    if (!isUuid(userId)) return [];
    const user = await this.db
      .selectFrom('users')
      .select('disabled')
      .where('user_id', '=', userId)
      .executeTakeFirst();
    if (user === undefined || user.disabled) return [];
    const rows = await this.listForUser(userId);
    const byCounty = new Map<string, { role: string; unitId: string | null }[]>();
    const provinces: string[] = [];
    for (const m of rows) {
      if (m.role === PROVINCE_READER_ROLE) provinces.push(m.county_id);
      else {
        const list = byCounty.get(m.county_id) ?? [];
        list.push({ role: m.role, unitId: m.unit_id });
        byCounty.set(m.county_id, list);
      }
    }
    const out: CountyAccess[] = [...byCounty].map(([countyId, roles]) => ({
      countyId,
      access: 'write' as const,
      roles,
    }));
    if (provinces.length > 0) {
      const read = await this.db
        .selectFrom('counties')
        .select('county_id')
        .where('parent_id', 'in', provinces)
        .orderBy('county_id')
        .execute();
      for (const c of read)
        if (!byCounty.has(c.county_id)) out.push({ countyId: c.county_id, access: 'read', roles: [] });
    }
    return out.sort((a, b) => (a.countyId < b.countyId ? -1 : a.countyId > b.countyId ? 1 : 0));
  }
}
