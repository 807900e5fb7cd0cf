/**
 * Turns ajv errors and our own findings into {@link FieldError}s: a dotted data path, the field's
 * label, a stable code and a message in zh-CN (ajv-i18n and our catalogue) or English.
 */
import type { ErrorObject } from 'ajv';
import localizeZhModule from 'ajv-i18n/localize/zh/index.js';
import { catalogueMessage, type FieldError, type FormErrorCode, type Lang } from './errors.js';
import { fieldLabel, type FieldNode } from './field-tree.js';
import { checkCnIdCard, type IdCardProblem } from './formats/cn-idcard.js';
import { checkCnUscc, type UsccProblem } from './formats/cn-uscc.js';

type Localize = (errors?: ErrorObject[] | null) => void;
const localizeZh = ((localizeZhModule as unknown as { default?: Localize }).default ??
  localizeZhModule) as unknown as Localize;

const BY_KEYWORD: Readonly<Record<string, FormErrorCode>> = {
  required: 'FORM_ERR_REQUIRED',
  dependentRequired: 'FORM_ERR_REQUIRED',
  type: 'FORM_ERR_TYPE',
  enum: 'FORM_ERR_ENUM',
  const: 'FORM_ERR_CONST',
  pattern: 'FORM_ERR_PATTERN',
  minLength: 'FORM_ERR_TOO_SHORT',
  maxLength: 'FORM_ERR_TOO_LONG',
  minimum: 'FORM_ERR_TOO_SMALL',
  exclusiveMinimum: 'FORM_ERR_TOO_SMALL',
  maximum: 'FORM_ERR_TOO_LARGE',
  exclusiveMaximum: 'FORM_ERR_TOO_LARGE',
  minItems: 'FORM_ERR_TOO_FEW_ITEMS',
  maxItems: 'FORM_ERR_TOO_MANY_ITEMS',
  minProperties: 'FORM_ERR_TOO_FEW_ITEMS',
  maxProperties: 'FORM_ERR_TOO_MANY_ITEMS',
  uniqueItems: 'FORM_ERR_DUPLICATE_ITEMS',
  additionalProperties: 'FORM_ERR_UNKNOWN_FIELD',
  unevaluatedProperties: 'FORM_ERR_UNKNOWN_FIELD',
  anyOf: 'FORM_ERR_CONDITION',
  oneOf: 'FORM_ERR_CONDITION',
  not: 'FORM_ERR_CONDITION',
  contains: 'FORM_ERR_CONDITION',
  'x-divisionLevel': 'FORM_ERR_CN_DIVISION',
};
const BY_FORMAT: Readonly<Record<string, FormErrorCode>> = {
  'cn-idcard': 'FORM_ERR_CN_IDCARD',
  'cn-mobile': 'FORM_ERR_CN_MOBILE',
  'cn-phone': 'FORM_ERR_CN_PHONE',
  'cn-uscc': 'FORM_ERR_CN_USCC',
  'cn-division': 'FORM_ERR_CN_DIVISION',
  'cn-postcode': 'FORM_ERR_CN_POSTCODE',
};
/** Codes whose ajv message carries a limit worth showing (e.g. "不应多于 5 个项"). */
const KEEP_AJV_MESSAGE = new Set<FormErrorCode>([
  'FORM_ERR_TOO_SHORT',
  'FORM_ERR_TOO_LONG',
  'FORM_ERR_TOO_SMALL',
  'FORM_ERR_TOO_LARGE',
  'FORM_ERR_TOO_FEW_ITEMS',
  'FORM_ERR_TOO_MANY_ITEMS',
  'FORM_ERR_FORMAT',
]);

const IDCARD_DETAIL: Record<IdCardProblem, { zh: string; en: string }> = {
  length: { zh: '应为 18 位', en: 'must have 18 characters' },
  characters: { zh: '前 17 位应为数字，末位为数字或 X', en: 'must be 17 digits and a digit or X' },
  region: { zh: '地址码不正确', en: 'the address code is wrong' },
  birthdate: { zh: '出生日期不存在', en: 'the birth date does not exist' },
  future: { zh: '出生日期晚于今天', en: 'the birth date is in the future' },
  checksum: { zh: '校验位不正确', en: 'the check digit is wrong' },
};
const USCC_DETAIL: Record<UsccProblem, { zh: string; en: string }> = {
  length: { zh: '应为 18 位', en: 'must have 18 characters' },
  characters: {
    zh: '含有不允许的字符（不使用 I、O、S、V、Z）',
    en: 'contains a character not allowed (I, O, S, V, Z are never used)',
  },
  division: { zh: '第 3–8 位应为行政区划码', en: 'characters 3–8 must be a division code' },
  checksum: { zh: '校验码不正确', en: 'the check character is wrong' },
};

const NO_MEMBER: unique symbol = Symbol('no member');

/** Errors inside a branch of `anyOf` / `oneOf` (only the summary is reported). */
const BRANCH = /\/(?:anyOf|oneOf)\/\d+\//;

/** A problem found at a concrete data path, before labels and messages are attached. */
export interface RawProblem {
  readonly segments: readonly string[];
  readonly code: FormErrorCode;
  /** Language-specific detail to append (optional). */
  readonly detail?: { readonly zh: string; readonly en: string };
  /** `segments.join('.')`, when the producer has it already. */
  readonly path?: string;
  /** No segment holds a dot (`path` names `segments` one to one), when the producer knows. */
  readonly plain?: boolean;
}

/** A data location: segments and their dotted path (shared: never modified). */
interface Location {
  readonly segments: readonly string[];
  readonly path: string;
  /** No segment holds a dot. */
  readonly plain: boolean;
}
/**
 * Locations of ajv instance paths seen (`/claims/0/decision`): splitting and joining them is most of
 * the cost of converting an error. Short paths only (at most 256 characters), at most 4,096 kept.
 */
const locations = new Map<string, Location>();
const ROOT: Location = { segments: [], path: '', plain: true };

/**
 * The instance paths last seen per schema path (ajv's schema paths are constants of its generated
 * code, so they hash at once; an instance path is a new string each time, cheaper to compare with a
 * few known ones than to hash).
 */
const recent = new Map<string, { ip: string; loc: Location }[]>();

function locate(instancePath: string, schemaPath: string): Location {
  if (instancePath === '') return ROOT;
  let seen = recent.get(schemaPath);
  if (seen !== undefined)
    for (let i = 0; i < seen.length; i++) if (seen[i]!.ip === instancePath) return seen[i]!.loc;
  const loc = parse(instancePath);
  if (instancePath.length <= 256 && schemaPath.length <= 1024) {
    if (seen === undefined) {
      if (recent.size >= 4096) recent.clear();
      recent.set(schemaPath, (seen = []));
    }
    seen.unshift({ ip: instancePath, loc });
    if (seen.length > 8) seen.pop();
  }
  return loc;
}

function parse(instancePath: string): Location {
  const hit = locations.get(instancePath);
  if (hit !== undefined) return hit;
  const segments = instancePath.includes('~')
    ? instancePath
        .slice(1)
        .split('/')
        .map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'))
    : instancePath.slice(1).split('/');
  const path = segments.join('.');
  const loc: Location = { segments, path, plain: unambiguous(path, segments) };
  if (instancePath.length <= 256) {
    if (locations.size >= 4096) locations.clear();
    locations.set(instancePath, loc);
  }
  return loc;
}
/** Whether a schema path is inside a branch of `anyOf` / `oneOf` (remembered per path, bounded). */
const branches = new Map<string, boolean>();
function inBranch(schemaPath: string): boolean {
  let b = branches.get(schemaPath);
  if (b === undefined) {
    b = BRANCH.test(schemaPath);
    if (schemaPath.length <= 1024) {
      if (branches.size >= 4096) branches.clear();
      branches.set(schemaPath, b);
    }
  }
  return b;
}

/** Converts ajv errors to raw problems (drops noise: `if` wrappers and branches of `anyOf`/`oneOf`). */
export function fromAjv(
  errors: readonly ErrorObject[],
  data: unknown,
  today: string | undefined,
  lang: Lang,
): RawProblem[] {
  const out: RawProblem[] = [];
  // ajv's own message is shown only for a few codes (limits): only those are copied and localised.
  let messages: { at: number; error: ErrorObject }[] | undefined;
  for (const e of errors) {
    if (e.keyword === 'if' || e.keyword === 'false schema' || inBranch(e.schemaPath)) continue; // noise
    const at = locate(e.instancePath, e.schemaPath);
    let segments = at.segments;
    let path = at.path;
    let plain = at.plain;
    const params = e.params as Record<string, unknown>;
    let code: FormErrorCode = BY_KEYWORD[e.keyword] ?? 'FORM_ERR_INVALID_VALUE';
    // `oneOf`/`anyOf` of `const` branches is an option list (with titles): report it as one.
    if (
      (e.keyword === 'oneOf' || e.keyword === 'anyOf') &&
      Array.isArray(e.schema) &&
      (e.schema as unknown[]).every((b) => b !== null && typeof b === 'object' && 'const' in b)
    )
      code = 'FORM_ERR_ENUM';
    let detail: { zh: string; en: string } | undefined;
    const member =
      e.keyword === 'required' || e.keyword === 'dependentRequired'
        ? params.missingProperty
        : e.keyword === 'additionalProperties'
          ? params.additionalProperty
          : e.keyword === 'unevaluatedProperties'
            ? params.unevaluatedProperty
            : NO_MEMBER;
    if (member !== NO_MEMBER) {
      const m = String(member);
      segments = [...segments, m];
      plain &&= !m.includes('.');
      path = path === '' && at.segments.length === 0 ? m : `${path}.${m}`;
    } else if (e.keyword === 'format') {
      const fmt = String(params.format);
      code = BY_FORMAT[fmt] ?? 'FORM_ERR_FORMAT';
      const value = valueAt(data, segments);
      if (fmt === 'cn-idcard' && typeof value === 'string') {
        const p = checkCnIdCard(value, today);
        if (p !== null) detail = IDCARD_DETAIL[p];
      } else if (fmt === 'cn-uscc' && typeof value === 'string') {
        const p = checkCnUscc(value);
        if (p !== null) detail = USCC_DETAIL[p];
      }
    }
    if (detail === undefined && KEEP_AJV_MESSAGE.has(code))
      (messages ??= []).push({ at: out.length, error: { ...e } });
    out.push(
      detail === undefined ? { segments, code, path, plain } : { segments, code, detail, path, plain },
    );
  }
  if (messages !== undefined) {
    if (lang === 'zh') localizeZh(messages.map((m) => m.error));
    for (const { at, error } of messages)
      if (error.message !== undefined)
        out[at] = { ...out[at]!, detail: { zh: error.message, en: error.message } };
  }
  return out;
}

/** Attaches labels and messages. Duplicate (path, code) pairs are kept once. */
export function toFieldErrors(
  root: FieldNode,
  problems: readonly RawProblem[],
  lang: Lang,
  /** The dotted paths of `problems`, when the caller has them already. */
  paths?: readonly string[],
): FieldError[] {
  const out: FieldError[] = [];
  // Duplicates are rare and lists short: a scan of what is kept, a set only for long lists.
  const seen = problems.length > 16 ? new Set<string>() : undefined;
  next: for (let i = 0; i < problems.length; i++) {
    const p = problems[i]!;
    const path = paths?.[i] ?? p.segments.join('.');
    if (seen !== undefined) {
      const key = `${path}\u0000${p.code}`;
      if (seen.has(key)) continue;
      seen.add(key);
    } else for (const e of out) if (e.path === path && e.code === p.code) continue next;
    out.push(fieldError(root, path, p, lang));
  }
  return out;
}

/**
 * One error with its label and message. Built once per form, language, code, path and detail and then
 * shared (frozen): the same errors recur at the same paths. Keyed without building key strings.
 */
function fieldError(root: FieldNode, path: string, p: RawProblem, lang: Lang): FieldError {
  const detailText = p.detail === undefined ? undefined : lang === 'en' ? p.detail.en : p.detail.zh;
  let byPath: Map<string, { readonly detail: string | undefined; readonly error: FieldError }> | undefined;
  if (p.plain ?? unambiguous(path, p.segments)) {
    let byLang = errorCache.get(root);
    if (byLang === undefined) errorCache.set(root, (byLang = { zh: new Map(), en: new Map() }));
    const byCode = byLang[lang];
    byPath = byCode.get(p.code);
    if (byPath === undefined) byCode.set(p.code, (byPath = new Map()));
    const hit = byPath.get(path);
    if (hit !== undefined && hit.detail === detailText) return hit.error;
  }
  const { label, context } = describe(root, p.segments, lang);
  const base = catalogueMessage(p.code, lang);
  const detail = detailText === undefined ? '' : lang === 'en' ? ` (${detailText})` : `（${detailText}）`;
  const message =
    lang === 'en' ? `${context}${label} ${base}${detail}` : `${context}${label}：${base}${detail}`;
  const error: FieldError = Object.freeze({ path, label, code: p.code, message });
  if (byPath !== undefined) {
    if (byPath.size >= ERROR_CACHE_MAX) byPath.clear();
    byPath.set(path, { detail: detailText, error });
  }
  return error;
}

type ErrorsByCode = Map<
  FormErrorCode,
  Map<string, { readonly detail: string | undefined; readonly error: FieldError }>
>;
const errorCache = new WeakMap<FieldNode, Record<Lang, ErrorsByCode>>();
const ERROR_CACHE_MAX = 1024;

/** True when the dotted path names the segments (no segment holds a dot itself). */
export function unambiguous(path: string, segments: readonly string[]): boolean {
  if (segments.length === 0) return path === '';
  let dots = 0;
  for (let i = path.indexOf('.'); i !== -1; i = path.indexOf('.', i + 1)) dots++;
  return dots === segments.length - 1;
}

/** Label of the field at a concrete path, and a prefix naming the array items on the way (`诉求第2项 · `). */
export function describe(
  root: FieldNode,
  segments: readonly string[],
  lang: Lang,
): { label: string; context: string; field: FieldNode | undefined } {
  let f: FieldNode | undefined = root;
  const ctx: string[] = [];
  for (let i = 0; i < segments.length; i++) {
    const seg = segments[i]!;
    if (f?.kind === 'array') {
      const n = Number(seg) + 1;
      if (i < segments.length - 1)
        ctx.push(lang === 'en' ? `${fieldLabel(f, lang)} #${n}` : `${fieldLabel(f, lang)}第${n}项`);
      f = f.item;
    } else if (f?.kind === 'object') f = f.children.find((c) => c.key === seg);
    else f = undefined;
  }
  const label =
    f !== undefined && f !== root
      ? fieldLabel(f, lang)
      : segments.length === 0
        ? lang === 'en'
          ? 'Form'
          : '表单'
        : segments[segments.length - 1]!;
  const context = ctx.length === 0 ? '' : lang === 'en' ? `${ctx.join(' › ')} › ` : `${ctx.join(' · ')} · `;
  return { label, context, field: f };
}

function valueAt(root: unknown, segments: readonly string[]): unknown {
  let v = root;
  for (const s of segments) {
    if (v === null || typeof v !== 'object') return undefined;
    v = (v as Record<string, unknown>)[s];
  }
  return v;
}
