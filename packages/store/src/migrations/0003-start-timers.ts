/**
 * Migration 0003: schedules of the process timer start events of each pilot's active deployment
 * (`start_timers`), the deployment each pilot's schedules were last built for (`start_timer_syncs`),
 * and one row per occurrence that started a case (`start_timer_firings`). See `src/start-timers.ts`.
 * Plain SQL valid on PostgreSQL 15 and PGlite. Forward-only: there is no `down`.
 */
import { sql, type Kysely } from 'kysely';

const statements: readonly string[] = [
  `CREATE TABLE start_timers (
    county_id text NOT NULL,
    pilot_id text NOT NULL,
    deployment_id text NOT NULL,
    process_id text NOT NULL,
    start_event_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('date', 'duration', 'cycle', 'invalid')),
    value text NOT NULL,
    base_at timestamptz,
    every text,
    remaining integer CHECK (remaining IS NULL OR remaining >= 0),
    next_at timestamptz,
    available_at timestamptz,
    status text NOT NULL CHECK (status IN ('active', 'done', 'stopped', 'invalid')),
    fired_count integer NOT NULL DEFAULT 0,
    attempts integer NOT NULL DEFAULT 0,
    last_case_id uuid,
    last_fired_at timestamptz,
    last_error text,
    activated_at timestamptz NOT NULL,
    updated_at timestamptz NOT NULL,
    PRIMARY KEY (county_id, deployment_id, process_id, start_event_id),
    FOREIGN KEY (county_id, deployment_id) REFERENCES deployments (county_id, deployment_id),
    FOREIGN KEY (county_id, pilot_id) REFERENCES pilots (county_id, pilot_id),
    CHECK (status <> 'active' OR (next_at IS NOT NULL AND available_at IS NOT NULL))
  )`,
  `CREATE INDEX start_timers_due ON start_timers (available_at) WHERE status = 'active'`,
  `CREATE INDEX start_timers_pilot ON start_timers (county_id, pilot_id)`,
  `CREATE TABLE start_timer_syncs (
    county_id text NOT NULL,
    pilot_id text NOT NULL,
    deployment_id text,
    synced_at timestamptz NOT NULL,
    PRIMARY KEY (county_id, pilot_id),
    FOREIGN KEY (county_id, pilot_id) REFERENCES pilots (county_id, pilot_id)
  )`,
  `CREATE TABLE start_timer_firings (
    county_id text NOT NULL,
    deployment_id text NOT NULL,
    process_id text NOT NULL,
    start_event_id text NOT NULL,
    occurrence_at timestamptz NOT NULL,
    case_id uuid NOT NULL,
    fired_at timestamptz NOT NULL,
    lateness_ms bigint NOT NULL CHECK (lateness_ms >= 0),
    PRIMARY KEY (county_id, deployment_id, process_id, start_event_id, occurrence_at)
  )`,
  `CREATE INDEX start_timer_firings_fired ON start_timer_firings (fired_at)`,
];

/** Applies migration 0003. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}
