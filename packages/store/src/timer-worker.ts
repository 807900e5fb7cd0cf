/**
 * The timer worker: picks due timers with `FOR UPDATE SKIP LOCKED` in batches and fires each
 * one through the command runtime inside the same transaction that marks it fired, so every
 * timer fires exactly once however many workers (processes) run. Timers that came due while
 * nothing was running fire on the next pass after a restart. Lateness (fired − due) is recorded
 * per timer (`timers.lateness_ms`) and summarised by {@link TimerWorker.stats} and {@link timerStats}.
 */
import { SYSTEM_ACTOR } from '@shidian/engine';
import { sql, type Kysely } from 'kysely';
import { isStoreError, sqlState } from './errors.js';
import type { CommandRuntime } from './runtime.js';
import type { Database } from './schema.js';

/** Options of a {@link TimerWorker}. */
export interface TimerWorkerOptions {
  /** Timers claimed per transaction (default 50). */
  readonly batchSize?: number;
  /** Batches run at once by {@link TimerWorker.drain} (default 1; useful on PostgreSQL only, PGlite has one connection). */
  readonly concurrency?: number;
  /** Pause between polls when nothing is due (default 1000 ms). */
  readonly pollMs?: number;
  /** Delay before retrying a timer whose command failed unexpectedly (default 30 s). */
  readonly retryMs?: number;
  readonly clock?: () => Date;
  /** Called with unexpected errors (default: `console.error`). */
  readonly onError?: (e: unknown) => void;
}

/** Outcome of one batch. */
export interface BatchResult {
  readonly claimed: number;
  readonly fired: number;
  /** Fired, but the engine refused the command (timer no longer in the case state): recorded in `last_error`, never retried. */
  readonly dead: number;
  /** Failed unexpectedly: retried after `retryMs`. */
  readonly failed: number;
  /** Case busy (locked by a command): left for the next pass. */
  readonly skipped: number;
}

/** Lateness percentiles in milliseconds. */
export interface LatenessSummary {
  readonly count: number;
  readonly p50: number | null;
  readonly p95: number | null;
  readonly p99: number | null;
  readonly max: number | null;
}

/** Percentile (nearest rank) of sorted numbers. */
function pct(sorted: readonly number[], p: number): number | null {
  if (sorted.length === 0) return null;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? null;
}

/**
 * Fires due timers.
 *
 * @example
 * ```ts
 * const worker = new TimerWorker(store.db, runtime, { batchSize: 100 });
 * worker.start();            // polls until stop()
 * …
 * await worker.stop();
 * console.log(worker.stats()); // { fired, lateness: { p50, p95, p99, max } … }
 * ```
 */
export class TimerWorker {
  readonly #db: Kysely<Database>;
  readonly #runtime: CommandRuntime;
  readonly #o: Required<Omit<TimerWorkerOptions, 'clock' | 'onError'>> &
    Pick<TimerWorkerOptions, 'clock' | 'onError'>;
  readonly #lateness: number[] = [];
  #totals = { fired: 0, dead: 0, failed: 0, skipped: 0 };
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(db: Kysely<Database>, runtime: CommandRuntime, options: TimerWorkerOptions = {}) {
    this.#db = db;
    this.#runtime = runtime;
    this.#o = { batchSize: 50, concurrency: 1, pollMs: 1000, retryMs: 30_000, ...options };
  }

  #now(): Date {
    return this.#o.clock?.() ?? new Date();
  }

  /** Claims and fires one batch of due timers in one transaction (a savepoint per timer). */
  async runOnce(): Promise<BatchResult> {
    const r = { claimed: 0, fired: 0, dead: 0, failed: 0, skipped: 0 };
    const late: number[] = [];
    await this.#db.transaction().execute(async (trx) => {
      const now = this.#now();
      const due = await trx
        .selectFrom('timers')
        .select(['county_id', 'timer_id', 'case_id', 'engine_timer_id', 'due_at'])
        .where('fired', '=', false)
        .where('cancelled_at', 'is', null)
        .where('available_at', '<=', now)
        .orderBy('available_at')
        .limit(this.#o.batchSize)
        .forUpdate()
        .skipLocked()
        .execute();
      r.claimed = due.length;
      for (const t of due) {
        await sql`SAVEPOINT shidian_timer`.execute(trx);
        const firedAt = this.#now();
        const lateness = Math.max(0, firedAt.getTime() - t.due_at.getTime());
        try {
          await trx
            .updateTable('timers')
            .set({
              fired: true,
              fired_at: firedAt,
              lateness_ms: lateness,
              attempts: sql<number>`attempts + 1`,
            })
            .where('county_id', '=', t.county_id)
            .where('timer_id', '=', t.timer_id)
            .execute();
          await this.#runtime.executeIn(
            trx,
            {
              countyId: t.county_id,
              caseId: t.case_id,
              command: { type: 'fire-timer', timerId: t.engine_timer_id, actor: SYSTEM_ACTOR },
            },
            'nowait',
          );
          await sql`RELEASE SAVEPOINT shidian_timer`.execute(trx);
          r.fired += 1;
          late.push(lateness);
        } catch (e) {
          await sql`ROLLBACK TO SAVEPOINT shidian_timer`.execute(trx);
          if (sqlState(e) === '55P03') {
            r.skipped += 1;
            continue;
          }
          const dead =
            isStoreError(e, 'STORE_ERR_ENGINE_REJECTED') || isStoreError(e, 'STORE_ERR_CASE_NOT_FOUND');
          const message = (isStoreError(e) ? `${e.code} ${JSON.stringify(e.details)}` : String(e)).slice(
            0,
            2000,
          );
          await trx
            .updateTable('timers')
            .set({
              attempts: sql<number>`attempts + 1`,
              last_error: message,
              ...(dead
                ? { fired: true, fired_at: firedAt, lateness_ms: lateness }
                : { available_at: new Date(firedAt.getTime() + this.#o.retryMs) }),
            })
            .where('county_id', '=', t.county_id)
            .where('timer_id', '=', t.timer_id)
            .execute();
          if (dead) r.dead += 1;
          else {
            r.failed += 1;
            (this.#o.onError ?? ((x: unknown) => console.error('timer worker:', x)))(e);
          }
        }
      }
    });
    this.#totals = {
      fired: this.#totals.fired + r.fired,
      dead: this.#totals.dead + r.dead,
      failed: this.#totals.failed + r.failed,
      skipped: this.#totals.skipped + r.skipped,
    };
    for (const l of late) this.#lateness.push(l);
    if (this.#lateness.length > 100_000) this.#lateness.splice(0, this.#lateness.length - 100_000);
    return r;
  }

  /**
   * Runs batches until nothing due is left (or only busy cases), `concurrency` batches at a time
   * (they never claim the same timer: `SKIP LOCKED`). Returns the number fired.
   */
  async drain(): Promise<number> {
    let fired = 0;
    const loop = async (): Promise<void> => {
      for (;;) {
        const r = await this.runOnce();
        fired += r.fired + r.dead;
        if (r.claimed < this.#o.batchSize || r.fired + r.dead === 0) return;
      }
    };
    await Promise.all(Array.from({ length: Math.max(1, Math.floor(this.#o.concurrency)) }, loop));
    return fired;
  }

  /** Starts polling in the background. */
  start(): void {
    if (this.#running) return;
    this.#running = true;
    this.#loop = (async () => {
      while (this.#running) {
        try {
          await this.drain();
        } catch (e) {
          (this.#o.onError ?? ((x: unknown) => console.error('timer worker:', x)))(e);
        }
        if (!this.#running) break;
        await new Promise<void>((resolve) => {
          const t = setTimeout(resolve, this.#o.pollMs);
          this.#wake = () => {
            clearTimeout(t);
            resolve();
          };
        });
        this.#wake = undefined;
      }
    })();
  }

  /** Stops polling and waits for the batch in flight. */
  async stop(): Promise<void> {
    this.#running = false;
    this.#wake?.();
    await this.#loop;
    this.#loop = undefined;
  }

  /** Totals since construction and lateness percentiles of the timers this worker fired (last 100,000). */
  stats(): { fired: number; dead: number; failed: number; skipped: number; lateness: LatenessSummary } {
    const sorted = [...this.#lateness].sort((a, b) => a - b);
    return {
      ...this.#totals,
      lateness: {
        count: sorted.length,
        p50: pct(sorted, 50),
        p95: pct(sorted, 95),
        p99: pct(sorted, 99),
        max: sorted[sorted.length - 1] ?? null,
      },
    };
  }
}

/**
 * Timer figures from the database (all workers): pending, overdue (due but not fired), and the
 * lateness percentiles of timers fired since `since`.
 */
export async function timerStats(
  db: Kysely<Database>,
  options: { readonly since?: Date; readonly now?: Date } = {},
): Promise<{ pending: number; overdue: number; lateness: LatenessSummary }> {
  const now = options.now ?? new Date();
  const since = options.since ?? new Date(0);
  const r = await sql<{
    pending: number;
    overdue: number;
    count: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    max: number | null;
  }>`
    SELECT
      (SELECT count(*)::int FROM timers WHERE NOT fired AND cancelled_at IS NULL) AS pending,
      (SELECT count(*)::int FROM timers WHERE NOT fired AND cancelled_at IS NULL AND due_at <= ${now}) AS overdue,
      count(*)::int AS count,
      percentile_disc(0.5) WITHIN GROUP (ORDER BY lateness_ms) AS p50,
      percentile_disc(0.95) WITHIN GROUP (ORDER BY lateness_ms) AS p95,
      percentile_disc(0.99) WITHIN GROUP (ORDER BY lateness_ms) AS p99,
      max(lateness_ms) AS max
    FROM timers WHERE fired AND fired_at >= ${since} AND lateness_ms IS NOT NULL`.execute(db);
  const row = r.rows[0];
  return {
    pending: row?.pending ?? 0,
    overdue: row?.overdue ?? 0,
    lateness: {
      count: row?.count ?? 0,
      p50: row?.p50 ?? null,
      p95: row?.p95 ?? null,
      p99: row?.p99 ?? null,
      max: row?.max ?? null,
    },
  };
}
