import type { Kysely } from 'kysely';
import { isUniqueViolation, sqlState, StoreError } from '../errors.js';
import type { Database, Unit } from '../schema.js';

/** Input of {@link UnitRepository.create}. */
export interface NewUnitInput {
  readonly countyId: string;
  readonly unitId: string;
  readonly name: string;
  readonly parentUnitId?: string | null;
  /** Free classification: `office` (信访局), `township` (镇街), `department` (职能部门). */
  readonly kind?: string;
}

/**
 * Units (bodies) within a county.
 *
 * @example
 * ```ts
 * await store.units.create({ countyId: 'huian', unitId: 'xfj', name: '惠安县信访局', kind: 'office' });
 * ```
 */
export class UnitRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates a unit; `STORE_ERR_UNIT_EXISTS`, or `STORE_ERR_COUNTY_NOT_FOUND` / `STORE_ERR_UNIT_NOT_FOUND` for a bad reference. */
  async create(input: NewUnitInput): Promise<Unit> {
    if (input.unitId.trim() === '' || input.name.trim() === '')
      throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'unitId|name' });
    try {
      return await this.db
        .insertInto('units')
        .values({
          county_id: input.countyId,
          unit_id: input.unitId,
          name: input.name,
          parent_unit_id: input.parentUnitId ?? null,
          ...(input.kind === undefined ? {} : { kind: input.kind }),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (e) {
      if (isUniqueViolation(e))
        throw new StoreError(
          'STORE_ERR_UNIT_EXISTS',
          { countyId: input.countyId, unitId: input.unitId },
          { cause: e },
        );
      if (sqlState(e) === '23503') {
        const county = await this.db
          .selectFrom('counties')
          .select('county_id')
          .where('county_id', '=', input.countyId)
          .executeTakeFirst();
        if (county === undefined)
          throw new StoreError('STORE_ERR_COUNTY_NOT_FOUND', { countyId: input.countyId }, { cause: e });
        throw new StoreError(
          'STORE_ERR_UNIT_NOT_FOUND',
          { countyId: input.countyId, unitId: input.parentUnitId },
          { cause: e },
        );
      }
      throw e;
    }
  }

  /** The unit of that county, or `undefined` (a unit of another county is not found). */
  async find(countyId: string, unitId: string): Promise<Unit | undefined> {
    return this.db
      .selectFrom('units')
      .selectAll()
      .where('county_id', '=', countyId)
      .where('unit_id', '=', unitId)
      .executeTakeFirst();
  }

  /** All units of a county, by id. */
  async list(countyId: string): Promise<Unit[]> {
    return this.db
      .selectFrom('units')
      .selectAll()
      .where('county_id', '=', countyId)
      .orderBy('unit_id')
      .execute();
  }
}
