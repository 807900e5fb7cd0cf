/**
 * `@shidian/pilot`: pilot bundles — loading a bundle (manifest + files), validating it with every
 * cross-reference checked, and rendering its notice templates.
 *
 * @example
 * ```ts
 * import { loadBundle, validateBundle, formatProblem } from '@shidian/pilot';
 * const report = await validateBundle(loadBundle('examples/qingshan'));
 * for (const p of report.problems) console.log(formatProblem(p));
 * ```
 */
export { PILOT_ERRORS, PilotError, pilotMessage } from './errors.js';
export type { LocalMessage, PilotErrorCode } from './errors.js';
export { formatProblem, problem } from './problem.js';
export type { Problem, ProblemSeverity } from './problem.js';
export {
  bundleFromFiles,
  isPlatformPath,
  loadBundle,
  MANIFEST_FILES,
  PLATFORM_PREFIX,
  PLATFORM_ROOT,
  readPlatformFile,
} from './bundle.js';
export type { PilotBundle } from './bundle.js';
export { BODY_LIMITS, flattenUnits, PETITIONER_LIMITS, STATUTORY_DEFAULTS } from './manifest.js';
export type {
  InternalDeadline,
  LocalizedText,
  NoticeKind,
  PilotForm,
  PilotManifest,
  PilotMetric,
  PilotNotice,
  PilotProcess,
  PilotRole,
  PilotUnit,
  StatutoryLimit,
  StatutoryLimits,
  UnitKind,
} from './manifest.js';
export { checkTemplate, validateBundle } from './validate-bundle.js';
export type { ValidatedBundle, ValidateOptions, ValidationReport } from './validate-bundle.js';
export { defaultFormCompiler } from './check-form.js';
export type { FormCompiler } from './check-form.js';
export { requiredNoticeContents } from './notice-contents.js';
export { renderNotice } from './render-notice.js';
export type { NoticeSource } from './render-notice.js';
export { platformSchemas, pilotManifestSchema } from './platform-schemas.js';
export { resolveSchemaPath, schemaRegistry } from './schema-paths.js';
export type { SchemaNode, SchemaRegistry } from './schema-paths.js';
export {
  chineseDate,
  chineseNumeral,
  escapeHtml,
  parseTemplate,
  renderTemplate,
  TEMPLATE_FILTERS,
  templateReferences,
} from './template.js';
export type { TemplateFilter, TemplateNode, TemplatePosition, TemplateVar } from './template.js';
export { PilotRunner, OVERDUE_MESSAGE } from './pilot-runner.js';
export type { NoticeRequest, RunnerInstance } from './pilot-runner.js';
export { driveCase, memoryDriver } from './drive-case.js';
export type { CaseDriver, DrivenCase } from './drive-case.js';
export { idCheckChar, seededRandom, syntheticCases } from './synthetic.js';
export type { CaseScript, SyntheticCase, SyntheticOptions } from './synthetic.js';
export { caseKey, referenceJobCommands } from './reference-jobs.js';
export { StoreDriver } from './store-driver.js';
export { pilotDeadlineCalendar, uncoveredYearsFromEnv } from './uncovered-years.js';
export type { UncoveredYearsPolicy } from './uncovered-years.js';
export type { StoreDriverOptions } from './store-driver.js';
export { seedPilotCases } from './seed-cases.js';
export type { SeedOptions, SeedSummary } from './seed-cases.js';
