/**
 * The timer worker: picks due timers with `FOR UPDATE SKIP LOCKED` in batches and fires each
 * one through the command runtime inside the same transaction that marks it fired, so every
 * timer fires exactly once however many workers (processes) run. Timers that came due while
 * nothing was running fire on the next pass after a restart. Lateness (fired − due) is recorded
 * per timer (`timers.lateness_ms`) and summarised by {@link TimerWorker.stats} and {@link timerStats}.
 *
 * Each pass also runs the **timer start events** (`start-timers.ts`): it syncs the schedules with the
 * pilots' active deployments and starts one case per due occurrence; their lateness is in `stats().startTimers`.
 */
import { SYSTEM_ACTOR } from '@shidian/engine';
import { sql, type Kysely } from 'kysely';
import { isStoreError, sqlState } from './errors.js';
import type { CommandRuntime } from './runtime.js';
import type { Database } from './schema.js';
import { fireDueStartTimer, startTimerStats, syncStartTimers } from './start-timers.js';

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
  /** Run the timer start events too (default true). */
  readonly startTimers?: boolean;
  /** How long a claimed start-timer occurrence stays with this worker before another may retry it (default 60 s). */
  readonly leaseMs?: number;
}

/** Outcome of one pass over the timer start events. */
export interface StartTimersResult {
  /** Schedule rows armed, stopped or found invalid by the sync. */
  readonly armed: number;
  readonly stopped: number;
  readonly invalid: number;
  /** Occurrences that started a case (including `replayed` ones a crashed attempt had started). */
  readonly started: number;
  readonly replayed: number;
  /** Refused by the engine or store: the occurrence is skipped, see `start_timers.last_error`. */
  readonly refused: number;
  /** Failed unexpectedly: retried after `retryMs`. */
  readonly failed: number;
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

function summary(values: readonly number[]): LatenessSummary {
  const sorted = [...values].sort((a, b) => a - b);
  return {
    count: sorted.length,
    p50: pct(sorted, 50),
    p95: pct(sorted, 95),
    p99: pct(sorted, 99),
    max: sorted[sorted.length - 1] ?? null,
  };
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
  readonly #startLateness: number[] = [];
  #totals = { fired: 0, dead: 0, failed: 0, skipped: 0 };
  #startTotals = { started: 0, refused: 0, failed: 0 };
  #running = false;
  #loop: Promise<void> | undefined;
  #wake: (() => void) | undefined;

  constructor(db: Kysely<Database>, runtime: CommandRuntime, options: TimerWorkerOptions = {}) {
    this.#db = db;
    this.#runtime = runtime;
    this.#o = {
      batchSize: 50,
      concurrency: 1,
      pollMs: 1000,
      retryMs: 30_000,
      startTimers: true,
      leaseMs: 60_000,
      ...options,
    };
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
   * One pass over the timer start events: sync the schedules with the active deployments, then
   * start a case for every due occurrence (each claimed `FOR UPDATE SKIP LOCKED`, so several
   * workers never start the same occurrence twice).
   */
  async runStartTimers(): Promise<StartTimersResult> {
    const sync = await syncStartTimers(this.#db, this.#now());
    const r = {
      armed: sync.armed,
      stopped: sync.stopped,
      invalid: sync.invalid,
      started: 0,
      replayed: 0,
      refused: 0,
      failed: 0,
    };
    const clock = this.#o.clock;
    const options = {
      leaseMs: this.#o.leaseMs,
      retryMs: this.#o.retryMs,
      ...(clock === undefined ? {} : { clock }),
    };
    // bounded, so that one pass never starves the engine timers
    for (let i = 0; i < 10 * this.#o.batchSize; i++) {
      const f = await fireDueStartTimer(this.#db, this.#runtime, options);
      if (f.outcome === 'none') break;
      if (f.outcome === 'started') {
        r.started += 1;
        if (f.replayed) r.replayed += 1;
        this.#startLateness.push(f.latenessMs);
      } else if (f.outcome === 'refused') r.refused += 1;
      else {
        r.failed += 1;
        (this.#o.onError ?? ((x: unknown) => console.error('timer worker (start timer):', x)))(f.error);
      }
    }
    this.#startTotals = {
      started: this.#startTotals.started + r.started,
      refused: this.#startTotals.refused + r.refused,
      failed: this.#startTotals.failed + r.failed,
    };
    if (this.#startLateness.length > 100_000)
      this.#startLateness.splice(0, this.#startLateness.length - 100_000);
    return r;
  }

  /**
   * Runs the timer start events ({@link runStartTimers}, unless `startTimers: false`), then batches until
   * nothing due is left (or only busy cases), `concurrency` batches at a time (they never claim the
   * same timer: `SKIP LOCKED`). Returns the number of timers fired plus cases started by start timers.
   */
  async drain(): Promise<number> {
    let fired = 0;
    if (this.#o.startTimers) fired += (await this.runStartTimers()).started;
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

  /**
   * Totals since construction and lateness percentiles of the timers this worker fired (last 100,000);
   * `startTimers`: the same for the cases it started from timer start events (lateness = started − occurrence).
   */
  stats(): {
    fired: number;
    dead: number;
    failed: number;
    skipped: number;
    lateness: LatenessSummary;
    startTimers: { started: number; refused: number; failed: number; lateness: LatenessSummary };
  } {
    return {
      ...this.#totals,
      lateness: summary(this.#lateness),
      startTimers: { ...this.#startTotals, lateness: summary(this.#startLateness) },
    };
  }
}

/**
 * Timer figures from the database (all workers): pending, overdue (due but not fired), and the
 * lateness percentiles of timers fired since `since`; `startTimers`: active schedules, overdue ones
 * and the lateness of the cases they started ({@link startTimerStats}).
 */
export async function timerStats(
  db: Kysely<Database>,
  options: { readonly since?: Date; readonly now?: Date } = {},
): Promise<{
  pending: number;
  overdue: number;
  lateness: LatenessSummary;
  startTimers: { active: number; overdue: number; lateness: LatenessSummary };
}> {
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
  const startTimers = await startTimerStats(db, options);
  return {
    startTimers,
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
