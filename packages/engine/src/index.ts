/**
 * `@shidian/engine`: the pure, deterministic BPMN engine of shidian, with the approval moves
 * Chinese staff expect (退回 驳回 撤回 转办 委派 加签 减签 会签 或签 抄送 催办).
 *
 * @example
 * import { step } from '@shidian/engine';
 * const r = step(graph, null, { type: 'start', instanceId: 'case-1' }, '2026-01-05T01:00:00Z');
 * if (r.ok) for (const e of r.effects) apply(e);
 */
export * from './types.js';
export { step, createInstance } from './step.js';
export { engineErrors, engineError, httpStatusOf, type EngineErrorCode } from './errors.js';
export { upgradeState } from './upgrade.js';
export { builtinConnectors, noticeGenerate, assignByRule } from './connectors.js';
export { isCandidate } from './moves.js';
export { checkInvariants } from './invariants.js';
export { approximateCalendar } from './time.js';
export {
  nextStartOccurrence,
  planStartTimer,
  processTimerStarts,
  type StartTimerKind,
  type StartTimerPlan,
  type TimerStartEvent,
} from './start-timer.js';
