/**
 * The ajv 2020-12 instance of one compiled form: strict about keywords, all errors collected,
 * patterns run by the linear-time engine, Chinese formats and the `x-` vocabulary registered.
 */
import { Ajv2020 } from 'ajv/dist/2020.js';
import addFormatsModule from 'ajv-formats';
import { chinaToday, checkCnIdCard } from './formats/cn-idcard.js';
import { isCnMobile, isCnPhone, isCnPostcode } from './formats/cn-simple.js';
import { checkCnUscc } from './formats/cn-uscc.js';
import { DIVISION_LEVELS, type DivisionIndex, type DivisionLevel } from './formats/division-index.js';
import { safeRegExp } from './safe-regexp.js';

type AddFormats = (ajv: Ajv2020) => Ajv2020;
const addFormats = ((addFormatsModule as unknown as { default?: AddFormats }).default ??
  addFormatsModule) as unknown as AddFormats;

/** The Chinese formats registered on every form. */
export const CN_FORMATS = [
  'cn-idcard',
  'cn-mobile',
  'cn-phone',
  'cn-uscc',
  'cn-division',
  'cn-postcode',
] as const;
/** One of {@link CN_FORMATS}. */
export type CnFormat = (typeof CN_FORMATS)[number];

/** Options of {@link createAjv}. */
export interface AjvSetup {
  /** Division index for `cn-division` / `x-divisionLevel` (without one, any well-formed code passes the existence check is skipped). */
  readonly divisions?: DivisionIndex;
  /** Today's date in China for the ID-number birth-date check (`YYYY-MM-DD`). */
  readonly today?: () => string;
  /**
   * Whether validators read only own properties of the data (default true). False only for data
   * that a safety pass has checked to hold plain objects without forbidden keys, and schemas that
   * name no property of `Object.prototype` (see submission-plan.ts).
   */
  readonly ownProperties?: boolean;
}

/** Creates a configured ajv instance. */
export function createAjv(setup: AjvSetup = {}): Ajv2020 {
  const ajv = new Ajv2020({
    strict: true,
    strictTypes: false,
    strictRequired: false,
    allErrors: true,
    verbose: true,
    logger: false,
    ownProperties: setup.ownProperties ?? true,
    code: { regExp: safeRegExp },
  });
  addFormats(ajv);
  const today = setup.today ?? (() => chinaToday());
  const divisions = setup.divisions;
  ajv.addFormat('cn-idcard', { type: 'string', validate: (s: string) => checkCnIdCard(s, today()) === null });
  ajv.addFormat('cn-mobile', { type: 'string', validate: isCnMobile });
  ajv.addFormat('cn-phone', { type: 'string', validate: isCnPhone });
  ajv.addFormat('cn-postcode', { type: 'string', validate: isCnPostcode });
  ajv.addFormat('cn-uscc', { type: 'string', validate: (s: string) => checkCnUscc(s) === null });
  ajv.addFormat('cn-division', {
    type: 'string',
    validate: (s: string) =>
      divisions === undefined ? /^\d{6}(?:\d{3}(?:000)?)?$/.test(s) : divisions.levelOf(s) !== undefined,
  });
  ajv.addKeyword({
    keyword: 'x-sensitive',
    metaSchema: { anyOf: [{ type: 'boolean' }, { enum: ['idcard', 'phone', 'name', 'address', 'text'] }] },
  });
  ajv.addKeyword({ keyword: 'x-onHide', metaSchema: { enum: ['clear', 'keep'] } });
  ajv.addKeyword({
    keyword: 'x-optionsSource',
    metaSchema: { type: 'string', minLength: 1, maxLength: 200 },
  });
  ajv.addKeyword({
    keyword: 'x-divisionLevel',
    type: 'string',
    metaSchema: {
      anyOf: [
        { enum: DIVISION_LEVELS },
        { type: 'array', items: { enum: DIVISION_LEVELS }, minItems: 1, uniqueItems: true },
      ],
    },
    errors: false,
    validate: (levels: DivisionLevel | readonly DivisionLevel[], data: string) => {
      if (divisions === undefined) return true;
      const level = divisions.levelOf(data);
      return level !== undefined && (typeof levels === 'string' ? level === levels : levels.includes(level));
    },
  });
  return ajv;
}
