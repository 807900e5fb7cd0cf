import type { Kysely } from 'kysely';
import { isUniqueViolation, sqlState, StoreError } from '../errors.js';
import type { County, Database } from '../schema.js';

/** Input of {@link CountyRepository.create}. */
export interface NewCountyInput {
  /** Stable id, e.g. the administrative code `350521` or a slug `huian`. */
  readonly countyId: string;
  readonly name: string;
  /** Short name used in case numbers (`惠安`). */
  readonly shortName: string;
  /** `province` rows hold province-level read memberships; default `county`. */
  readonly kind?: 'county' | 'province';
  /** The province a county belongs to. */
  readonly parentId?: string | null;
  /** Case number pattern, default `{year}-{short}-{seq:6}` → `2025-惠安-000123`. */
  readonly caseNumberFormat?: string;
}

const ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$/;

/**
 * Counties and provinces.
 *
 * @example
 * ```ts
 * await store.counties.create({ countyId: 'fj', name: '福建省', shortName: '闽', kind: 'province' });
 * await store.counties.create({ countyId: 'huian', name: '惠安县', shortName: '惠安', parentId: 'fj' });
 * ```
 */
export class CountyRepository {
  constructor(private readonly db: Kysely<Database>) {}

  /** Creates a county; `STORE_ERR_COUNTY_EXISTS` if the id is taken, `STORE_ERR_COUNTY_NOT_FOUND` for an unknown parent. */
  async create(input: NewCountyInput): Promise<County> {
    if (!ID.test(input.countyId) || input.name.trim() === '' || input.shortName.trim() === '') {
      throw new StoreError('STORE_ERR_INVALID_INPUT', { field: 'countyId|name|shortName' });
    }
    if (input.caseNumberFormat !== undefined && !input.caseNumberFormat.includes('{seq')) {
      throw new StoreError('STORE_ERR_INVALID_INPUT', {
        field: 'caseNumberFormat',
        reason: 'must contain {seq} or {seq:N}',
      });
    }
    try {
      return await this.db
        .insertInto('counties')
        .values({
          county_id: input.countyId,
          name: input.name,
          short_name: input.shortName,
          kind: input.kind ?? 'county',
          parent_id: input.parentId ?? null,
          ...(input.caseNumberFormat === undefined ? {} : { case_number_format: input.caseNumberFormat }),
        })
        .returningAll()
        .executeTakeFirstOrThrow();
    } catch (e) {
      if (isUniqueViolation(e))
        throw new StoreError('STORE_ERR_COUNTY_EXISTS', { countyId: input.countyId }, { cause: e });
      if (sqlState(e) === '23503')
        throw new StoreError('STORE_ERR_COUNTY_NOT_FOUND', { countyId: input.parentId }, { cause: e });
      throw e;
    }
  }

  /** The county, or `undefined`. */
  async find(countyId: string): Promise<County | undefined> {
    return this.db.selectFrom('counties').selectAll().where('county_id', '=', countyId).executeTakeFirst();
  }

  /** The county, or `STORE_ERR_COUNTY_NOT_FOUND`. */
  async get(countyId: string): Promise<County> {
    const c = await this.find(countyId);
    if (c === undefined) throw new StoreError('STORE_ERR_COUNTY_NOT_FOUND', { countyId });
    return c;
  }

  /** All counties (optionally only those of one province, or of one kind), by id. */
  async list(
    filter: { readonly parentId?: string; readonly kind?: 'county' | 'province' } = {},
  ): Promise<County[]> {
    let q = this.db.selectFrom('counties').selectAll();
    if (filter.parentId !== undefined) q = q.where('parent_id', '=', filter.parentId);
    if (filter.kind !== undefined) q = q.where('kind', '=', filter.kind);
    return q.orderBy('county_id').execute();
  }
}
