/**
 * `@shidian/store`: PostgreSQL / PGlite persistence — schema and migrations, repositories,
 * deployments, the command runtime, the timer worker, inbox queries and the audit hash chain.
 *
 * @example
 * ```ts
 * import { openStore, CommandRuntime, TimerWorker, inboxPage } from '@shidian/store';
 * const store = await openStore();                       // PGlite, or DATABASE_URL
 * const runtime = new CommandRuntime(store.db, { calendar });
 * const worker = new TimerWorker(store.db, runtime); worker.start();
 * ```
 */
export { sql } from 'kysely';
export * from './errors.js';
export * from './schema.js';
export { migrations } from './migrations/index.js';
export { runMigrations, type MigrationReport } from './migrate.js';
export { lockDataDir, type DataDirLock } from './data-dir-lock.js';
export { Store, type StoreDialect } from './store.js';
export { openStore, type OpenStoreOptions } from './open-store.js';
export { CountyRepository, type NewCountyInput } from './repositories/counties.js';
export { UnitRepository, type NewUnitInput } from './repositories/units.js';
export { UserRepository, isUuid, type NewUserInput } from './repositories/users.js';
export {
  MembershipRepository,
  PROVINCE_READER_ROLE,
  type GrantInput,
  type CountyAccess,
} from './repositories/memberships.js';
export { SessionRepository, hashToken, type NewSessionInput } from './repositories/sessions.js';
export { canonicalJson, sha256Hex } from './canonical-json.js';
export {
  appendAudit,
  appendCountyAudit,
  verifyAudit,
  GENESIS_HASH,
  type AuditInput,
  type AuditVerification,
  type BrokenLink,
  type ChainHead,
} from './audit.js';
export {
  compileBundle,
  createPilot,
  deploy,
  deploymentIdOf,
  getDeployment,
  loadForm,
  loadGraph,
  storedBundleOf,
  type CompiledBundle,
  type DeployInput,
  type DeployResult,
  type DeploymentBundle,
  type StoredBundle,
} from './deployments.js';
export { calendarOfBundle, deploymentCalendar } from './deployment-calendar.js';
export {
  CommandRuntime,
  formatCaseNumber,
  nextCaseNumber,
  type CaseCommandInput,
  type CommandOutcome,
  type RuntimeOptions,
  type StartCaseInput,
} from './runtime.js';
export {
  TimerWorker,
  timerStats,
  type BatchResult,
  type LatenessSummary,
  type TimerWorkerOptions,
} from './timer-worker.js';
export {
  deadlineStateOf,
  inboxCounts,
  inboxPage,
  inboxSql,
  type DeadlineState,
  type InboxCounts,
  type InboxItem,
  type InboxPage,
  type InboxQuery,
  type InboxRole,
  type InboxSort,
} from './inbox.js';
export { storeFor, caseView, type CaseView } from './cases.js';
export {
  DEFAULT_ATTACHMENT_MAX_BYTES,
  getAttachment,
  listAttachments,
  putAttachment,
  type PutAttachmentInput,
} from './attachments.js';
export { issueNotice, listNotices } from './notices.js';
export {
  fireDueStartTimer,
  startTimerKey,
  startTimerStats,
  syncStartTimers,
  type FireStartTimerOptions,
  type StartTimerFiring,
  type StartTimerStatus,
  type StartTimerSync,
  type StartTimerTables,
  type StartTimersTable,
} from './start-timers.js';
export type { StartTimersResult } from './timer-worker.js';
