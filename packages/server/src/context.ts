/**
 * What every route plugin receives: the store, metrics, the clock and the security settings.
 *
 * @example
 * ```ts
 * export const caseRoutes = (ctx: AppContext): FastifyPluginAsync => async (app) => { … ctx.store.db … };
 * ```
 */
import type { Store } from '@shidian/store';
import type { ServerMetrics } from './metrics.js';
import type { ScryptCost } from './password.js';
import type { CaseRuntime } from './commands.js';
import type { FormCache } from './form-cache.js';
import type { SessionCache } from './sessions.js';

/** An opened `@shidian/store` (from `openStore()` or `createTestStore()`). */
export type AppStore = Store;

/** What the notices route needs of `@shidian/print`'s `Printer`. */
export interface NoticePrinter {
  pdf(html: string): Promise<Uint8Array>;
  close(): Promise<void>;
}

/** Shared state of one app instance. */
export interface AppContext {
  readonly store: AppStore;
  readonly metrics: ServerMetrics;
  /** The store's command runtime (one command = one transaction). */
  readonly runtime: CaseRuntime;
  /** HTML → PDF for notices (`@shidian/print`). */
  readonly printer: NoticePrinter;
  /** Resolved sessions, reused for a few seconds (logout forgets them). */
  readonly sessions: SessionCache;
  /** Compiled deployment forms. */
  readonly forms: FormCache;
  readonly now: () => Date;
  readonly sessionTtlSeconds: number;
  readonly cookieSecure: boolean;
  readonly deployBodyLimit: number;
  readonly loginRateLimit: { readonly max: number; readonly timeWindowMs: number };
  /** Cost of the dummy hash unknown usernames are checked against. */
  readonly passwordCost: ScryptCost;
}
