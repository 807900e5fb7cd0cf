/**
 * Timer start events: the scheduler that starts cases on a schedule (Camunda semantics; the pure
 * occurrence rules are `@shidian/engine`'s `planStartTimer` / `nextStartOccurrence`).
 *
 * - {@link syncStartTimers} keeps one `start_timers` row per process timer start event of each
 *   pilot's **active** deployment: a pilot whose active deployment differs from the one its rows were
 *   built for (`start_timer_syncs`) gets the old deployment's rows stopped and the new one's armed.
 *   The timer worker calls it on every poll; the server may also call it right after a deploy.
 * - {@link fireDueStartTimer} starts one case for one due occurrence: the row is claimed with
 *   `FOR UPDATE SKIP LOCKED` (and a lease), the case is started through
 *   {@link CommandRuntime.startCase} with the start event and the system actor under an idempotency
 *   key derived from the occurrence, and the row advances to the next occurrence. Workers never
 *   claim the same row, and a start retried after a crash or an expired lease replays the first
 *   result (the key): each occurrence starts exactly one case.
 * - Missed occurrences (nothing ran) fire **once** on the first poll, then the schedule continues
 *   with the first occurrence after now — as Camunda's job executor, never once per missed period.
 */
import { createHash } from 'node:crypto';
import type { ProcessGraph } from '@shidian/bpmn';
import {
  nextStartOccurrence,
  planStartTimer,
  processTimerStarts,
  SYSTEM_ACTOR,
  type StartTimerPlan,
} from '@shidian/engine';
import { sql, type ColumnType, type Kysely } from 'kysely';
import { isStoreError } from './errors.js';
import type { CommandRuntime } from './runtime.js';
import type { Database, NullableTimestamp, Timestamp } from './schema.js';

/** Status of a schedule row. */
export type StartTimerStatus = 'active' | 'done' | 'stopped' | 'invalid';

/** `start_timers` (migration 0003): one schedule per timer start event of a deployment. */
export interface StartTimersTable {
  county_id: string;
  pilot_id: string;
  deployment_id: string;
  process_id: string;
  start_event_id: string;
  kind: 'date' | 'duration' | 'cycle' | 'invalid';
  /** The evaluated timer value (or its source when invalid). */
  value: string;
  /** Anchor of the occurrence grid. */
  base_at: NullableTimestamp;
  /** Duration between occurrences (cycles). */
  every: string | null;
  /** Starts left including the next (`null`: unbounded). */
  remaining: number | null;
  next_at: NullableTimestamp;
  /** When a worker may claim it: `next_at`, a lease while a worker starts the case, or a retry back-off. */
  available_at: NullableTimestamp;
  status: StartTimerStatus;
  fired_count: ColumnType<number, number | undefined, number>;
  attempts: ColumnType<number, number | undefined, number>;
  last_case_id: string | null;
  last_fired_at: NullableTimestamp;
  last_error: string | null;
  activated_at: Timestamp;
  updated_at: Timestamp;
}

/** `start_timer_syncs`: the deployment a pilot's schedules were last built for. */
export interface StartTimerSyncsTable {
  county_id: string;
  pilot_id: string;
  deployment_id: string | null;
  synced_at: Timestamp;
}

/** `start_timer_firings`: one row per occurrence that started a case. */
export interface StartTimerFiringsTable {
  county_id: string;
  deployment_id: string;
  process_id: string;
  start_event_id: string;
  occurrence_at: Timestamp;
  case_id: string;
  fired_at: Timestamp;
  /** `bigint`: a date far in the past is late by more than 2^31 ms. Written as a number; read it `::float8`. */
  lateness_ms: ColumnType<string, number, number>;
}

/** The tables of this module (not in `Database`, which mirrors the shared schema file). */
// a type alias, not an interface: `withTables` needs an indexable type
export type StartTimerTables = {
  start_timers: StartTimersTable;
  start_timer_syncs: StartTimerSyncsTable;
  start_timer_firings: StartTimerFiringsTable;
};

type Db = Kysely<Database & StartTimerTables>;
const withTables = (db: Kysely<Database>): Db => db.withTables<StartTimerTables>();

/** What {@link syncStartTimers} changed. */
export interface StartTimerSync {
  /** Pilots whose schedules were rebuilt for a newly active deployment (or stopped: no active deployment). */
  readonly pilots: number;
  /** Rows armed (new or re-armed). */
  readonly armed: number;
  /** Rows stopped (their deployment is no longer active). */
  readonly stopped: number;
  /** Rows whose timer could not be planned (`status = 'invalid'`, `last_error` says why). */
  readonly invalid: number;
}

/**
 * Brings the schedules in line with the pilots' active deployments. Cheap when nothing changed (one
 * query over `pilots`). Safe to run from several processes at once (a pilot is rebuilt under its
 * `start_timer_syncs` row lock, and only once per activation).
 *
 * `timeDuration` and `R/<duration>` cycles count from the deployment's creation time on its first
 * activation, and from `now` when an earlier deployment is activated again.
 *
 * @example
 * ```ts
 * const d = await deploy(store.db, { countyId, pilotId, bundle });
 * await syncStartTimers(store.db, new Date()); // optional: the timer worker does it on its next poll
 * ```
 */
export async function syncStartTimers(database: Kysely<Database>, now: Date): Promise<StartTimerSync> {
  const db = withTables(database);
  const pending = await db
    .selectFrom('pilots as p')
    .leftJoin('start_timer_syncs as s', (j) =>
      j.onRef('s.county_id', '=', 'p.county_id').onRef('s.pilot_id', '=', 'p.pilot_id'),
    )
    .select(['p.county_id', 'p.pilot_id'])
    // no sync row yet counts as "synced for no deployment"
    .where(sql<boolean>`p.active_deployment_id IS DISTINCT FROM s.deployment_id`)
    .execute();
  const total = { pilots: 0, armed: 0, stopped: 0, invalid: 0 };
  for (const p of pending) {
    const r = await syncPilot(db, p.county_id, p.pilot_id, now);
    if (r === undefined) continue;
    total.pilots += 1;
    total.armed += r.armed;
    total.stopped += r.stopped;
    total.invalid += r.invalid;
  }
  return total;
}

async function syncPilot(
  db: Db,
  countyId: string,
  pilotId: string,
  now: Date,
): Promise<{ armed: number; stopped: number; invalid: number } | undefined> {
  return db.transaction().execute(async (trx) => {
    await trx
      .insertInto('start_timer_syncs')
      .values({ county_id: countyId, pilot_id: pilotId, deployment_id: null, synced_at: now })
      .onConflict((oc) => oc.columns(['county_id', 'pilot_id']).doNothing())
      .execute();
    const synced = await trx
      .selectFrom('start_timer_syncs')
      .select('deployment_id')
      .where('county_id', '=', countyId)
      .where('pilot_id', '=', pilotId)
      .forUpdate()
      .executeTakeFirstOrThrow();
    const pilot = await trx
      .selectFrom('pilots')
      .select('active_deployment_id')
      .where('county_id', '=', countyId)
      .where('pilot_id', '=', pilotId)
      .executeTakeFirstOrThrow();
    const active = pilot.active_deployment_id;
    // another process rebuilt it meanwhile (we waited for its lock)
    if (synced.deployment_id === active && active !== null) return undefined;
    const stopped = await trx
      .updateTable('start_timers')
      .set({ status: 'stopped', available_at: null, updated_at: now })
      .where('county_id', '=', countyId)
      .where('pilot_id', '=', pilotId)
      .where('status', 'in', ['active', 'invalid'])
      .$if(active !== null, (q) => q.where('deployment_id', '<>', active!))
      .executeTakeFirst();
    let armed = 0;
    let invalid = 0;
    if (active !== null) {
      const deployment = await trx
        .selectFrom('deployments')
        .select('created_at')
        .where('county_id', '=', countyId)
        .where('deployment_id', '=', active)
        .executeTakeFirstOrThrow();
      const seen = await trx
        .selectFrom('start_timers')
        .select((eb) => eb.fn.countAll<number>().as('n'))
        .where('county_id', '=', countyId)
        .where('deployment_id', '=', active)
        .executeTakeFirstOrThrow();
      // first activation: from the deployment time; an earlier deployment activated again: from now
      const anchor = Number(seen.n) === 0 ? deployment.created_at : now;
      const graphs = await trx
        .selectFrom('deployment_processes')
        .select(['process_id', 'graph'])
        .where('county_id', '=', countyId)
        .where('deployment_id', '=', active)
        .orderBy('process_id')
        .execute();
      for (const g of graphs) {
        for (const t of processTimerStarts(g.graph as ProcessGraph)) {
          const r = planStartTimer(t.event, t.startEvent, anchor.toISOString(), t.dialect);
          const row = r.ok ? armedRow(r.plan) : invalidRow(t.event, r.error);
          if (!r.ok) invalid += 1;
          const inserted = await trx
            .insertInto('start_timers')
            .values({
              county_id: countyId,
              pilot_id: pilotId,
              deployment_id: active,
              process_id: g.process_id,
              start_event_id: t.startEvent,
              ...row,
              activated_at: now,
              updated_at: now,
            })
            .onConflict((oc) =>
              oc
                .columns(['county_id', 'deployment_id', 'process_id', 'start_event_id'])
                .doUpdateSet({
                  ...row,
                  attempts: 0,
                  last_error: row.last_error,
                  activated_at: now,
                  updated_at: now,
                })
                .where('start_timers.status', '<>', 'active'),
            )
            .executeTakeFirst();
          armed += Number(inserted.numInsertedOrUpdatedRows ?? 0n) > 0 && r.ok ? 1 : 0;
        }
      }
    }
    await trx
      .updateTable('start_timer_syncs')
      .set({ deployment_id: active, synced_at: now })
      .where('county_id', '=', countyId)
      .where('pilot_id', '=', pilotId)
      .execute();
    return { armed, stopped: Number(stopped.numUpdatedRows), invalid };
  });
}

function armedRow(plan: StartTimerPlan) {
  return {
    kind: plan.kind,
    value: plan.value,
    base_at: plan.base,
    every: plan.every ?? null,
    remaining: plan.remaining,
    next_at: plan.first,
    available_at: plan.first,
    status: 'active' as const,
    last_error: null,
  };
}

function invalidRow(
  event: Parameters<typeof planStartTimer>[0],
  error: { readonly code: string; readonly details?: unknown },
) {
  const source = event.timeDate ?? event.timeDuration ?? event.timeCycle;
  return {
    kind: 'invalid' as const,
    value: source?.source ?? '',
    base_at: null,
    every: null,
    remaining: null,
    next_at: null,
    available_at: null,
    status: 'invalid' as const,
    last_error: `${error.code} ${JSON.stringify(error.details ?? {})}`.slice(0, 2000),
  };
}

/** Outcome of {@link fireDueStartTimer}. */
export type StartTimerFiring =
  | { readonly outcome: 'none' }
  | {
      readonly outcome: 'started';
      readonly countyId: string;
      readonly caseId: string;
      readonly occurrence: Date;
      readonly latenessMs: number;
      /** True when the case had been started by an earlier attempt (crash or expired lease): no new case. */
      readonly replayed: boolean;
    }
  /** The engine or the store refused the start: the occurrence is skipped, recorded in `last_error`. */
  | { readonly outcome: 'refused'; readonly countyId: string; readonly error: string }
  /** Failed unexpectedly: retried after `retryMs`. */
  | { readonly outcome: 'failed'; readonly countyId: string; readonly error: unknown };

/** Options of {@link fireDueStartTimer}. */
export interface FireStartTimerOptions {
  /** How long a claimed occurrence stays with the worker before another may retry it (default 60 s). */
  readonly leaseMs?: number;
  /** Delay before retrying an occurrence whose start failed unexpectedly (default 30 s). */
  readonly retryMs?: number;
  readonly clock?: () => Date;
}

/** The idempotency key of one occurrence (≤ 200 characters, stable across workers and restarts). */
export function startTimerKey(row: {
  readonly deployment_id: string;
  readonly process_id: string;
  readonly start_event_id: string;
  readonly occurrence: Date;
}): string {
  const h = createHash('sha256')
    .update(
      [row.deployment_id, row.process_id, row.start_event_id, row.occurrence.toISOString()].join('\u0000'),
    )
    .digest('hex');
  return `start-timer:${h}`;
}

/**
 * Claims one due schedule (`FOR UPDATE SKIP LOCKED`, of a deployment still active) and starts its
 * case. Returns `{ outcome: 'none' }` when nothing is due.
 *
 * @example
 * ```ts
 * while ((await fireDueStartTimer(store.db, runtime)).outcome !== 'none');
 * ```
 */
export async function fireDueStartTimer(
  database: Kysely<Database>,
  runtime: CommandRuntime,
  options: FireStartTimerOptions = {},
): Promise<StartTimerFiring> {
  const db = withTables(database);
  const clock = options.clock ?? (() => new Date());
  const now = clock();
  // One statement (its own transaction): lock one due row of an active deployment, skipping rows
  // other workers hold, and lease it so that nobody else claims it while the case starts.
  const claimed = await sql<{
    county_id: string;
    pilot_id: string;
    deployment_id: string;
    process_id: string;
    start_event_id: string;
    kind: StartTimersTable['kind'];
    base_at: Date | null;
    every: string | null;
    remaining: number | null;
    next_at: Date;
  }>`
    UPDATE start_timers st
    SET available_at = ${new Date(now.getTime() + (options.leaseMs ?? 60_000))}, attempts = st.attempts + 1
    FROM (
      SELECT s.county_id, s.deployment_id, s.process_id, s.start_event_id
      FROM start_timers s
      JOIN pilots p ON p.county_id = s.county_id AND p.pilot_id = s.pilot_id
        AND p.active_deployment_id = s.deployment_id
      WHERE s.status = 'active' AND s.available_at <= ${now}
      ORDER BY s.available_at
      LIMIT 1
      FOR UPDATE OF s SKIP LOCKED
    ) c
    WHERE st.county_id = c.county_id AND st.deployment_id = c.deployment_id
      AND st.process_id = c.process_id AND st.start_event_id = c.start_event_id
    RETURNING st.county_id, st.pilot_id, st.deployment_id, st.process_id, st.start_event_id,
      st.kind, st.base_at, st.every, st.remaining, st.next_at`.execute(db);
  const row = claimed.rows[0];
  if (row === undefined) return { outcome: 'none' };
  const occurrence = new Date(row.next_at);
  const key = {
    county_id: row.county_id,
    deployment_id: row.deployment_id,
    process_id: row.process_id,
    start_event_id: row.start_event_id,
  };
  const advance = (firedAt: Date) => {
    const next =
      row.base_at === null
        ? null
        : nextStartOccurrence(
            {
              kind: row.kind === 'invalid' ? 'date' : row.kind,
              base: new Date(row.base_at).toISOString(),
              ...(row.every === null ? {} : { every: row.every }),
              remaining: row.remaining,
            },
            occurrence.toISOString(),
            firedAt.toISOString(),
          );
    return {
      next_at: next,
      available_at: next,
      status: next === null ? ('done' as const) : ('active' as const),
      remaining: row.remaining === null ? null : Math.max(0, row.remaining - 1),
    };
  };
  try {
    const started = await runtime.startCase({
      countyId: row.county_id,
      deploymentId: row.deployment_id,
      processId: row.process_id,
      startEvent: row.start_event_id,
      actor: SYSTEM_ACTOR,
      idempotencyKey: startTimerKey({ ...row, occurrence }),
    });
    const firedAt = clock();
    const latenessMs = Math.max(0, firedAt.getTime() - occurrence.getTime());
    await db.transaction().execute(async (trx) => {
      const first = await trx
        .insertInto('start_timer_firings')
        .values({
          ...key,
          occurrence_at: occurrence,
          case_id: started.caseId,
          fired_at: firedAt,
          lateness_ms: latenessMs,
        })
        .onConflict((oc) =>
          oc
            .columns(['county_id', 'deployment_id', 'process_id', 'start_event_id', 'occurrence_at'])
            .doNothing(),
        )
        .executeTakeFirst();
      // Guarded by the occurrence: a schedule re-armed or advanced meanwhile is left alone.
      await trx
        .updateTable('start_timers')
        .set({
          ...advance(firedAt),
          fired_count: sql<number>`fired_count + ${Number(first.numInsertedOrUpdatedRows ?? 0n) > 0 ? 1 : 0}`,
          last_case_id: started.caseId,
          last_fired_at: firedAt,
          last_error: null,
          updated_at: firedAt,
        })
        .where('county_id', '=', key.county_id)
        .where('deployment_id', '=', key.deployment_id)
        .where('process_id', '=', key.process_id)
        .where('start_event_id', '=', key.start_event_id)
        .where('status', '=', 'active')
        .where('next_at', '=', occurrence)
        .execute();
    });
    return {
      outcome: 'started',
      countyId: row.county_id,
      caseId: started.caseId,
      occurrence,
      latenessMs,
      replayed: started.replayed,
    };
  } catch (e) {
    const at = clock();
    // A refusal will not change on retry (the model cannot start from this event): skip the occurrence.
    const refused =
      isStoreError(e, 'STORE_ERR_ENGINE_REJECTED') ||
      isStoreError(e, 'STORE_ERR_PROCESS_NOT_FOUND') ||
      isStoreError(e, 'STORE_ERR_DEPLOYMENT_NOT_FOUND') ||
      isStoreError(e, 'STORE_ERR_DEPLOYMENT_INVALID') ||
      // the occurrence's key was used with another request (an older release's start): never retried
      isStoreError(e, 'STORE_ERR_IDEMPOTENCY_MISMATCH');
    const message = (isStoreError(e) ? `${e.code} ${JSON.stringify(e.details)}` : String(e)).slice(0, 2000);
    await db
      .updateTable('start_timers')
      .set({
        ...(refused ? advance(at) : { available_at: new Date(at.getTime() + (options.retryMs ?? 30_000)) }),
        last_error: message,
        updated_at: at,
      })
      .where('county_id', '=', key.county_id)
      .where('deployment_id', '=', key.deployment_id)
      .where('process_id', '=', key.process_id)
      .where('start_event_id', '=', key.start_event_id)
      .where('status', '=', 'active')
      .where('next_at', '=', occurrence)
      .execute();
    return refused
      ? { outcome: 'refused', countyId: row.county_id, error: message }
      : { outcome: 'failed', countyId: row.county_id, error: e };
  }
}

/**
 * Start-timer figures from the database (all workers): active schedules, overdue ones (due, not
 * started), and the lateness percentiles of occurrences started since `since`.
 */
export async function startTimerStats(
  database: Kysely<Database>,
  options: { readonly since?: Date; readonly now?: Date } = {},
): Promise<{
  active: number;
  overdue: number;
  lateness: { count: number; p50: number | null; p95: number | null; p99: number | null; max: number | null };
}> {
  const now = options.now ?? new Date();
  const since = options.since ?? new Date(0);
  const r = await sql<{
    active: number;
    overdue: number;
    count: number;
    p50: number | null;
    p95: number | null;
    p99: number | null;
    max: number | null;
  }>`
    SELECT
      (SELECT count(*)::int FROM start_timers WHERE status = 'active') AS active,
      (SELECT count(*)::int FROM start_timers WHERE status = 'active' AND next_at <= ${now}) AS overdue,
      count(*)::int AS count,
      (percentile_disc(0.5) WITHIN GROUP (ORDER BY lateness_ms))::float8 AS p50,
      (percentile_disc(0.95) WITHIN GROUP (ORDER BY lateness_ms))::float8 AS p95,
      (percentile_disc(0.99) WITHIN GROUP (ORDER BY lateness_ms))::float8 AS p99,
      max(lateness_ms)::float8 AS max
    FROM start_timer_firings WHERE fired_at >= ${since}`.execute(database);
  const row = r.rows[0];
  return {
    active: row?.active ?? 0,
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
