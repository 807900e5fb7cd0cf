/**
 * Migration 0001: every table of the first release. Plain SQL valid on PostgreSQL 15 and on
 * PGlite (PostgreSQL 18). Forward-only: there is no `down`.
 */
import { sql, type Kysely } from 'kysely';

const statements: readonly string[] = [
  // ── tenancy and people ──────────────────────────────────────────────────────────────────
  `CREATE TABLE counties (
    county_id text PRIMARY KEY CHECK (county_id ~ '^[A-Za-z0-9][A-Za-z0-9_-]{0,63}$'),
    kind text NOT NULL DEFAULT 'county' CHECK (kind IN ('county', 'province')),
    parent_id text REFERENCES counties (county_id),
    name text NOT NULL,
    short_name text NOT NULL,
    case_number_format text NOT NULL DEFAULT '{year}-{short}-{seq:6}',
    created_at timestamptz NOT NULL DEFAULT now()
  )`,
  `CREATE INDEX counties_parent ON counties (parent_id)`,
  `CREATE TABLE units (
    county_id text NOT NULL REFERENCES counties (county_id),
    unit_id text NOT NULL,
    name text NOT NULL,
    parent_unit_id text,
    kind text NOT NULL DEFAULT 'department',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_id, unit_id),
    FOREIGN KEY (county_id, parent_unit_id) REFERENCES units (county_id, unit_id)
  )`,
  `CREATE TABLE users (
    user_id uuid PRIMARY KEY DEFAULT gen_random_uuid(),
    county_id text NOT NULL REFERENCES counties (county_id),
    username text NOT NULL,
    display_name text NOT NULL,
    password_hash text,
    disabled boolean NOT NULL DEFAULT false,
    disabled_at timestamptz,
    created_at timestamptz NOT NULL DEFAULT now(),
    CONSTRAINT users_username_key UNIQUE (username)
  )`,
  `CREATE INDEX users_county ON users (county_id, username)`,
  `CREATE TABLE memberships (
    county_id text NOT NULL REFERENCES counties (county_id),
    membership_id uuid NOT NULL DEFAULT gen_random_uuid(),
    user_id uuid NOT NULL REFERENCES users (user_id),
    unit_id text,
    role text NOT NULL CHECK (role <> ''),
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_id, membership_id),
    FOREIGN KEY (county_id, unit_id) REFERENCES units (county_id, unit_id)
  )`,
  `CREATE UNIQUE INDEX memberships_unique ON memberships (county_id, user_id, role, (coalesce(unit_id, '')))`,
  `CREATE INDEX memberships_user ON memberships (user_id, county_id)`,
  `CREATE TABLE sessions (
    token_hash text PRIMARY KEY CHECK (token_hash ~ '^[0-9a-f]{64}$'),
    county_id text NOT NULL REFERENCES counties (county_id),
    user_id uuid NOT NULL REFERENCES users (user_id),
    kind text NOT NULL CHECK (kind IN ('session', 'api_token')),
    name text,
    created_at timestamptz NOT NULL DEFAULT now(),
    expires_at timestamptz,
    last_used_at timestamptz,
    revoked_at timestamptz
  )`,
  `CREATE INDEX sessions_user ON sessions (county_id, user_id)`,

  // ── configuration: pilots and immutable deployments ─────────────────────────────────────
  `CREATE TABLE pilots (
    county_id text NOT NULL REFERENCES counties (county_id),
    pilot_id text NOT NULL,
    name text NOT NULL,
    description text NOT NULL DEFAULT '',
    active_deployment_id text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_id, pilot_id)
  )`,
  `CREATE TABLE deployments (
    county_id text NOT NULL,
    deployment_id text NOT NULL CHECK (deployment_id ~ '^[0-9a-f]{64}$'),
    pilot_id text NOT NULL,
    version integer NOT NULL CHECK (version > 0),
    bundle jsonb NOT NULL,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_id, deployment_id),
    CONSTRAINT deployments_version_key UNIQUE (county_id, pilot_id, version),
    FOREIGN KEY (county_id, pilot_id) REFERENCES pilots (county_id, pilot_id)
  )`,
  `ALTER TABLE pilots ADD CONSTRAINT pilots_active_deployment_fkey
    FOREIGN KEY (county_id, active_deployment_id) REFERENCES deployments (county_id, deployment_id)`,
  `CREATE TABLE deployment_processes (
    county_id text NOT NULL,
    deployment_id text NOT NULL,
    process_id text NOT NULL,
    graph jsonb NOT NULL,
    PRIMARY KEY (county_id, deployment_id, process_id),
    FOREIGN KEY (county_id, deployment_id) REFERENCES deployments (county_id, deployment_id)
  )`,
  `CREATE TABLE deployment_forms (
    county_id text NOT NULL,
    deployment_id text NOT NULL,
    form_id text NOT NULL,
    schema jsonb NOT NULL,
    PRIMARY KEY (county_id, deployment_id, form_id),
    FOREIGN KEY (county_id, deployment_id) REFERENCES deployments (county_id, deployment_id)
  )`,

  // ── runtime: cases, tasks, timers ───────────────────────────────────────────────────────
  `CREATE TABLE cases (
    county_id text NOT NULL,
    case_id uuid NOT NULL DEFAULT gen_random_uuid(),
    number text NOT NULL,
    pilot_id text NOT NULL,
    deployment_id text NOT NULL,
    process_id text NOT NULL,
    stage text,
    status text NOT NULL DEFAULT 'active' CHECK (status IN ('active', 'completed', 'terminated', 'cancelled')),
    state jsonb NOT NULL,
    version integer NOT NULL DEFAULT 1,
    audit_seq integer NOT NULL DEFAULT 0,
    audit_hash text NOT NULL DEFAULT repeat('0', 64),
    title text NOT NULL DEFAULT '',
    petitioner_name text,
    responsible_unit_id text,
    created_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    updated_at timestamptz NOT NULL DEFAULT now(),
    ended_at timestamptz,
    PRIMARY KEY (county_id, case_id),
    CONSTRAINT cases_number_key UNIQUE (county_id, number),
    FOREIGN KEY (county_id, deployment_id) REFERENCES deployments (county_id, deployment_id)
  )`,
  `CREATE INDEX cases_status ON cases (county_id, status, created_at)`,
  `CREATE TABLE case_number_counters (
    county_id text NOT NULL REFERENCES counties (county_id),
    year integer NOT NULL,
    last integer NOT NULL,
    PRIMARY KEY (county_id, year)
  )`,
  `CREATE TABLE tasks (
    county_id text NOT NULL,
    task_id text NOT NULL,
    case_id uuid NOT NULL,
    element_id text NOT NULL,
    name text NOT NULL DEFAULT '',
    process_id text NOT NULL,
    case_number text NOT NULL,
    petitioner_name text,
    stage text,
    status text NOT NULL DEFAULT 'open' CHECK (status IN ('open', 'completed', 'cancelled')),
    assignee_id text,
    unit_id text,
    priority integer NOT NULL DEFAULT 50,
    due_at timestamptz,
    warn_at timestamptz,
    budget_id text,
    form_ref text,
    created_at timestamptz NOT NULL DEFAULT now(),
    completed_at timestamptz,
    completed_by text,
    PRIMARY KEY (county_id, task_id),
    FOREIGN KEY (county_id, case_id) REFERENCES cases (county_id, case_id)
  )`,
  // inbox: open tasks of one county by sort key (keyset pagination), by assignee, by case
  // (sort keys are the expressions the inbox orders by: tasks without a due date come last)
  `CREATE INDEX tasks_open_due ON tasks (county_id, (coalesce(due_at, 'infinity')), task_id) WHERE status = 'open'`,
  `CREATE INDEX tasks_open_created ON tasks (county_id, created_at, task_id) WHERE status = 'open'`,
  `CREATE INDEX tasks_open_priority ON tasks (county_id, (-priority), (coalesce(due_at, 'infinity')), task_id) WHERE status = 'open'`,
  `CREATE INDEX tasks_open_assignee ON tasks (county_id, assignee_id, (coalesce(due_at, 'infinity')), task_id) WHERE status = 'open'`,
  `CREATE INDEX tasks_case ON tasks (county_id, case_id)`,
  `CREATE INDEX tasks_open_case_number ON tasks (county_id, case_number text_pattern_ops) WHERE status = 'open'`,
  `CREATE TABLE task_candidates (
    county_id text NOT NULL,
    task_id text NOT NULL,
    kind text NOT NULL CHECK (kind IN ('user', 'group')),
    value text NOT NULL,
    PRIMARY KEY (county_id, task_id, kind, value),
    FOREIGN KEY (county_id, task_id) REFERENCES tasks (county_id, task_id)
  )`,
  `CREATE INDEX task_candidates_lookup ON task_candidates (county_id, kind, value, task_id)`,
  `CREATE TABLE timers (
    county_id text NOT NULL,
    timer_id uuid NOT NULL DEFAULT gen_random_uuid(),
    case_id uuid NOT NULL,
    engine_timer_id text NOT NULL,
    element_id text,
    kind text NOT NULL DEFAULT 'timer',
    due_at timestamptz NOT NULL,
    available_at timestamptz NOT NULL,
    fired boolean NOT NULL DEFAULT false,
    fired_at timestamptz,
    cancelled_at timestamptz,
    lateness_ms double precision,
    attempts integer NOT NULL DEFAULT 0,
    last_error text,
    payload jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_id, timer_id),
    FOREIGN KEY (county_id, case_id) REFERENCES cases (county_id, case_id)
  )`,
  // the worker's queue: only pending timers are indexed
  `CREATE INDEX timers_pending_available ON timers (available_at) WHERE NOT fired AND cancelled_at IS NULL`,
  `CREATE UNIQUE INDEX timers_pending_engine ON timers (county_id, case_id, engine_timer_id) WHERE NOT fired AND cancelled_at IS NULL`,

  // ── audit: append-only, hash-chained ────────────────────────────────────────────────────
  // (no foreign key to counties on the hot append-only tables: every command would take a
  // KEY SHARE lock on the same county row; county ids come from the locked case row)
  `CREATE TABLE audit_events (
    county_id text NOT NULL,
    chain text NOT NULL,
    seq integer NOT NULL CHECK (seq > 0),
    case_id uuid,
    at timestamptz NOT NULL,
    actor_id text,
    actor_kind text NOT NULL CHECK (actor_kind IN ('user', 'system')),
    stage text,
    kind text NOT NULL,
    payload jsonb NOT NULL,
    prev_hash text NOT NULL CHECK (prev_hash ~ '^[0-9a-f]{64}$'),
    hash text NOT NULL CHECK (hash ~ '^[0-9a-f]{64}$'),
    PRIMARY KEY (county_id, chain, seq)
  )`,

  // ── attachments, notices, idempotency ───────────────────────────────────────────────────
  `CREATE TABLE blobs (
    county_id text NOT NULL REFERENCES counties (county_id),
    sha256 text NOT NULL CHECK (sha256 ~ '^[0-9a-f]{64}$'),
    size integer NOT NULL CHECK (size >= 0),
    content bytea NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_id, sha256)
  )`,
  `CREATE TABLE attachments (
    county_id text NOT NULL,
    attachment_id uuid NOT NULL DEFAULT gen_random_uuid(),
    case_id uuid,
    sha256 text NOT NULL,
    filename text NOT NULL,
    media_type text NOT NULL,
    size integer NOT NULL,
    uploaded_by text,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_id, attachment_id),
    FOREIGN KEY (county_id, sha256) REFERENCES blobs (county_id, sha256),
    FOREIGN KEY (county_id, case_id) REFERENCES cases (county_id, case_id)
  )`,
  `CREATE INDEX attachments_case ON attachments (county_id, case_id)`,
  `CREATE TABLE notices (
    county_id text NOT NULL,
    notice_id uuid NOT NULL DEFAULT gen_random_uuid(),
    case_id uuid NOT NULL,
    template_id text NOT NULL,
    element_id text,
    status text NOT NULL DEFAULT 'pending' CHECK (status IN ('pending', 'issued', 'delivered', 'cancelled')),
    payload jsonb NOT NULL DEFAULT '{}',
    created_at timestamptz NOT NULL DEFAULT now(),
    issued_at timestamptz,
    PRIMARY KEY (county_id, notice_id),
    FOREIGN KEY (county_id, case_id) REFERENCES cases (county_id, case_id)
  )`,
  `CREATE INDEX notices_case ON notices (county_id, case_id)`,
  `CREATE INDEX notices_pending ON notices (county_id, created_at) WHERE status = 'pending'`,
  `CREATE TABLE idempotency_keys (
    county_id text NOT NULL,
    key text NOT NULL CHECK (length(key) BETWEEN 1 AND 200),
    request_hash text NOT NULL,
    case_id uuid,
    result jsonb NOT NULL,
    created_at timestamptz NOT NULL DEFAULT now(),
    PRIMARY KEY (county_id, key)
  )`,

  // ── immutability: deployments and audit events can never change ─────────────────────────
  `CREATE FUNCTION shidian_forbid_change() RETURNS trigger LANGUAGE plpgsql AS $fn$
  BEGIN
    RAISE EXCEPTION 'shidian: % is append-only (% refused)', TG_TABLE_NAME, TG_OP USING ERRCODE = 'SD001';
  END
  $fn$`,
  ...['deployments', 'deployment_processes', 'deployment_forms', 'audit_events', 'blobs'].flatMap((t) => [
    `CREATE TRIGGER ${t}_immutable BEFORE UPDATE OR DELETE ON ${t} FOR EACH ROW EXECUTE FUNCTION shidian_forbid_change()`,
    `CREATE TRIGGER ${t}_no_truncate BEFORE TRUNCATE ON ${t} FOR EACH STATEMENT EXECUTE FUNCTION shidian_forbid_change()`,
  ]),
];

/** Applies migration 0001. */
export async function up(db: Kysely<unknown>): Promise<void> {
  for (const s of statements) await sql.raw(s).execute(db);
}
