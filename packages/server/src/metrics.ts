/**
 * Prometheus metrics of one app instance (its own registry, so several apps in one process, as in
 * tests, do not collide). Served as text at `GET /api/metrics`.
 *
 * @example
 * ```ts
 * const metrics = createMetrics();
 * metrics.commands.inc({ command: 'complete', outcome: 'ok' });
 * const text = await metrics.registry.metrics();
 * ```
 */
import { Counter, Gauge, Histogram, Registry, collectDefaultMetrics } from 'prom-client';

/** Samples computed from the database at scrape time. */
export interface ScrapeSamples {
  /** Open tasks per deadline state (`none`, `normal`, `warning`, `overdue`). */
  readonly openTasks: Readonly<Record<string, number>>;
  /** Seconds the oldest due-but-unfired timer is late (0 when none). */
  readonly timerBacklogSeconds: number;
  /** Number of due-but-unfired timers. */
  readonly dueTimers: number;
}

/** The metrics of one server. */
export interface ServerMetrics {
  readonly registry: Registry;
  /** HTTP requests by method, route pattern and status. */
  readonly requests: Histogram<'method' | 'route' | 'status'>;
  /** Process commands (start, complete, claim, cancel, …) by outcome. */
  readonly commands: Counter<'command' | 'outcome'>;
  /** Error responses by code. */
  readonly errors: Counter<'code' | 'status'>;
  /** How late timers fired (seconds after their due time), fed by the timer worker. */
  readonly timerLateness: Histogram;
  /** Sets the gauges computed from the database right before a scrape. */
  setScrape(samples: ScrapeSamples): void;
}

/** Creates the registry and every metric; `defaults` adds Node process metrics (off in tests). */
export function createMetrics(options: { defaults?: boolean } = {}): ServerMetrics {
  const registry = new Registry();
  if (options.defaults === true) collectDefaultMetrics({ register: registry, prefix: 'shidian_' });
  const requests = new Histogram({
    name: 'shidian_http_request_duration_seconds',
    help: 'HTTP request duration by method, route pattern and status',
    labelNames: ['method', 'route', 'status'] as const,
    buckets: [0.002, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5],
    registers: [registry],
  });
  const commands = new Counter({
    name: 'shidian_commands_total',
    help: 'Process commands handled, by command and outcome (ok, rejected, conflict, error)',
    labelNames: ['command', 'outcome'] as const,
    registers: [registry],
  });
  const errors = new Counter({
    name: 'shidian_errors_total',
    help: 'Error responses by code and HTTP status',
    labelNames: ['code', 'status'] as const,
    registers: [registry],
  });
  const timerLateness = new Histogram({
    name: 'shidian_timer_lateness_seconds',
    help: 'Seconds between a timer being due and it firing',
    buckets: [0.1, 0.5, 1, 5, 15, 60, 300, 900, 3600],
    registers: [registry],
  });
  const openTasks = new Gauge({
    name: 'shidian_open_tasks',
    help: 'Open tasks by deadline state (none, normal, warning, overdue)',
    labelNames: ['deadline_state'] as const,
    registers: [registry],
  });
  const timerBacklog = new Gauge({
    name: 'shidian_timer_backlog_seconds',
    help: 'How many seconds the oldest due, unfired timer is late',
    registers: [registry],
  });
  const dueTimers = new Gauge({
    name: 'shidian_due_timers',
    help: 'Due timers not yet fired',
    registers: [registry],
  });
  return {
    registry,
    requests,
    commands,
    errors,
    timerLateness,
    setScrape(samples) {
      openTasks.reset();
      for (const state of ['none', 'normal', 'warning', 'overdue'])
        openTasks.set({ deadline_state: state }, samples.openTasks[state] ?? 0);
      for (const [state, n] of Object.entries(samples.openTasks)) openTasks.set({ deadline_state: state }, n);
      timerBacklog.set(samples.timerBacklogSeconds);
      dueTimers.set(samples.dueTimers);
    },
  };
}
