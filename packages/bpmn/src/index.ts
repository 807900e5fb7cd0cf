/**
 * `@shidian/bpmn`: read BPMN 2.0 (plain, Camunda 7, Camunda 8, plus the `shidian:` extension),
 * lint it, and compile each process into an immutable executable graph.
 *
 * @example
 * ```ts
 * import { compileBpmn, isExecutable } from '@shidian/bpmn';
 * const result = await compileBpmn(xml, { requireForms: true });
 * for (const graph of result.processes) if (isExecutable(result, graph.id)) deploy(graph);
 * ```
 */
export * from './graph.js';
export {
  compileBpmn,
  isExecutable,
  executableProcesses,
  DEFAULT_MAX_BYTES,
  DEFAULT_MAX_DEPTH,
  DEFAULT_MAX_ELEMENTS,
} from './compile.js';
export type { CompileOptions, CompileResult, ProcessSummary } from './compile.js';
export { BPMN_CODES, formatProblem, renderMessage } from './errors.js';
export type { BpmnCode, CodeInfo, Lang, Problem, Severity } from './errors.js';
export type { LintOptions } from './lint.js';
export { SHIDIAN_DESCRIPTOR, SHIDIAN_NS } from './shidian-descriptor.js';
export type { Dialect } from './moddle.js';
export { checkCron, isCron } from './cron.js';
export type { CronCheck } from './cron.js';
export { runConformance, conformanceMarkdown } from './conformance-report.js';
export type { ConformanceEntry } from './conformance-report.js';
