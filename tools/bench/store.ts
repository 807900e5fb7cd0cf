/**
 * `pnpm bench store [--json] [--seconds N] [--tasks N] [--timers N] [--skip-completions] [--skip-pgbench] [--skip-inbox] [--skip-timers]`
 *
 * On PostgreSQL (`DATABASE_URL`, or a scratch database created on 127.0.0.1:5432 and dropped after):
 * 1. user-task completions per second through the command runtime with 16 concurrent workers
 *    (in this process, then spread over 2 processes), against `pgbench` TPC-B with 16 clients
 *    (`-j 2`, scale 16) on the same server in the same run (ratio);
 * 2. inbox query p50 / p95 with 1,000,000 open tasks over 100 counties (`INSERT … SELECT generate_series`);
 * 3. 10,000 timers due at once fired by 2 worker processes: every timer exactly once, p99 lateness.
 */
import { execFile, spawn } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { randomUUID } from 'node:crypto';
import { fileURLToPath } from 'node:url';
import { promisify } from 'node:util';
import {
  CommandRuntime,
  deploymentIdOf,
  inboxPage,
  inboxSql,
  openStore,
  sql,
  timerStats,
  TimerWorker,
  type InboxQuery,
  type Store,
} from '@shidian/store';
import { generateOpenTasks } from '../../packages/store/src/fixtures/generate.js';
import { petitionBundle, registrar, seedCounties } from '../../packages/store/src/fixtures/seed.js';
import { result, type Bench, type BenchResult } from './report.js';

const run = promisify(execFile);
const HOST = '127.0.0.1';
const WORKERS = 16;
/** A member of both groups of the petition process (登记 and 办理), in the case unit. */
const staff = { id: 'u-staff', groups: ['registrar', 'handler'], units: ['xfj'] };

function arg(args: readonly string[], name: string, dflt: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : dflt;
}

function pct(sorted: readonly number[], p: number): number {
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? NaN;
}

/** Runs one statement on the server's `postgres` database with `psql` (the postgres client tools). */
async function admin(query: string): Promise<void> {
  await run('psql', ['-h', HOST, '-U', 'postgres', '-d', 'postgres', '-v', 'ON_ERROR_STOP=1', '-qc', query]);
}

const log = (m: string) => process.stderr.write(`[bench store] ${m}\n`);

/** Starts `cases` petition cases and returns their first open task ids. */
async function startCases(store: Store, cases: number): Promise<string[]> {
  const rt = new CommandRuntime(store.db);
  log(`starting ${cases} cases`);
  const queue: string[] = [];
  let next = 0;
  await Promise.all(
    Array.from({ length: WORKERS }, async () => {
      while (next < cases) {
        next += 1;
        const s = await rt.startCase({
          countyId: 'huian',
          pilotId: 'main',
          processId: 'petition',
          actor: registrar,
          responsibleUnitId: 'xfj',
        });
        queue.push(s.tasksCreated[0]!);
      }
    }),
  );
  return queue;
}

/**
 * `workers` loops completing tasks from `queue` (the next task of a case joins the queue) from
 * `startAt` (epoch ms) for `seconds`; returns the number of completions.
 */
async function completeLoop(
  rt: CommandRuntime,
  queue: string[],
  workers: number,
  startAt: number,
  seconds: number,
): Promise<number> {
  await new Promise((r) => setTimeout(r, Math.max(0, startAt - Date.now())));
  const deadline = startAt + seconds * 1000;
  let done = 0;
  await Promise.all(
    Array.from({ length: workers }, async () => {
      while (Date.now() < deadline) {
        const taskId = queue.shift();
        if (taskId === undefined) return;
        const out = await rt.execute({
          countyId: 'huian',
          command: { type: 'complete', taskId, actor: staff },
          idempotencyKey: randomUUID(),
        });
        done += 1;
        for (const t of out.tasksCreated) queue.push(t);
      }
    }),
  );
  if (queue.length === 0) log('warning: ran out of tasks before the end');
  return done;
}

/** Completions/s through the runtime with WORKERS concurrent workers in this process. */
async function completions(store: Store, queue: string[], seconds: number): Promise<number> {
  log(`completing for ${seconds} s with ${WORKERS} workers in 1 process`);
  const startAt = Date.now();
  const done = await completeLoop(new CommandRuntime(store.db), queue, WORKERS, startAt, seconds);
  return done / ((Date.now() - startAt) / 1000);
}

/**
 * Completions/s with the WORKERS workers spread over `processes` Node processes (the runtime is
 * stateless: servers scale out the same way), each with its own pool, on disjoint cases.
 */
async function completionsSpread(
  url: string,
  queue: readonly string[],
  seconds: number,
  processes: number,
): Promise<number> {
  log(`completing for ${seconds} s with ${WORKERS} workers over ${processes} processes`);
  const dir = mkdtempSync(join(tmpdir(), 'shidian-bench-store-'));
  const startAt = Date.now() + 10_000; // after every process has loaded and connected
  try {
    const me = fileURLToPath(import.meta.url);
    const runs = Array.from({ length: processes }, (_, p) => {
      const file = join(dir, `tasks-${p}.json`);
      writeFileSync(
        file,
        JSON.stringify({
          tasks: queue.filter((_t, i) => i % processes === p),
          workers: WORKERS / processes,
          startAt,
          seconds,
        }),
      );
      return new Promise<{ done: number; seconds: number }>((resolve, reject) => {
        const child = spawn(process.execPath, ['--import', 'tsx', me], {
          env: { ...process.env, DATABASE_URL: url, SHIDIAN_BENCH_STORE_COMPLETER: file },
          stdio: ['ignore', 'pipe', 'inherit'],
        });
        let out = '';
        child.stdout.on('data', (d: Buffer) => (out += d.toString()));
        child.on('exit', (code) =>
          code === 0
            ? resolve(JSON.parse(out) as { done: number; seconds: number })
            : reject(new Error(`completer exit ${code}`)),
        );
      });
    });
    const done = await Promise.all(runs);
    log(`completions per process: ${done.map((d) => `${d.done} in ${d.seconds.toFixed(1)} s`).join(' + ')}`);
    return done.reduce((a, d) => a + d.done / d.seconds, 0);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/** Completer-process role: complete the tasks of the file, print this process's count. */
async function completerMain(file: string): Promise<void> {
  const job = JSON.parse(readFileSync(file, 'utf8')) as {
    tasks: string[];
    workers: number;
    startAt: number;
    seconds: number;
  };
  const store = await openStore({ migrate: false, poolSize: job.workers + 1 });
  try {
    const rt = new CommandRuntime(store.db);
    // warm up the connections and the graph cache before the clock starts (not counted)
    await Promise.all(Array.from({ length: job.workers }, () => sql`SELECT 1`.execute(store.db)));
    if (Date.now() > job.startAt) process.stderr.write('[bench store] warning: a completer started late\n');
    const startAt = Math.max(Date.now(), job.startAt);
    const done = await completeLoop(rt, job.tasks, job.workers, startAt, job.seconds);
    process.stdout.write(JSON.stringify({ done, seconds: (Date.now() - startAt) / 1000 }));
  } finally {
    await store.close();
  }
}

async function pgbenchTps(seconds: number): Promise<number> {
  const db = `shidian_pgbench_${process.pid}`;
  await admin(`CREATE DATABASE ${db}`);
  try {
    log('pgbench -i -s 16');
    await run('pgbench', ['-h', HOST, '-U', 'postgres', '-i', '-q', '-s', '16', db]);
    await run('psql', ['-h', HOST, '-U', 'postgres', '-d', db, '-qc', 'CHECKPOINT']);
    log(`pgbench -c 16 -j 2 -T ${seconds}`);
    const { stdout } = await run('pgbench', [
      '-h',
      HOST,
      '-U',
      'postgres',
      '-c',
      '16',
      '-j',
      '2',
      '-T',
      String(seconds),
      db,
    ]);
    const m =
      /tps = ([\d.]+) \(without initial connection time\)/.exec(stdout) ?? /tps = ([\d.]+)/.exec(stdout);
    if (m?.[1] === undefined) throw new Error(`cannot read pgbench output:\n${stdout}`);
    return Number(m[1]);
  } finally {
    await admin(`DROP DATABASE IF EXISTS ${db} WITH (FORCE)`);
  }
}

async function inbox(store: Store, tasks: number): Promise<{ p50: number; p95: number; countP95: number }> {
  const counties = 100;
  const now = new Date();
  log(`generating ${tasks} open tasks over ${counties} counties`);
  const t0 = performance.now();
  await generateOpenTasks(store.db, {
    counties,
    perCounty: Math.floor(tasks / counties),
    groups: 10,
    now,
    assignee: 'bench-user',
    deploymentId: deploymentIdOf(petitionBundle),
  });
  await sql`ANALYZE`.execute(store.db);
  log(`generated in ${((performance.now() - t0) / 1000).toFixed(1)} s`);
  const query = (i: number): InboxQuery => ({
    countyId: `g${String(i % counties).padStart(3, '0')}`,
    userId: 'bench-user',
    roles: [
      { role: `grp${i % 10}`, unitId: null },
      { role: `grp${(i + 3) % 10}`, unitId: `u${i % 10}` },
    ],
    now,
    sort: (['due', 'created', 'priority'] as const)[i % 3]!,
    limit: 50,
    ...(i % 4 === 1 ? { deadlineState: 'overdue' as const } : {}),
    ...(i % 4 === 2 ? { stage: 'handling' } : {}),
  });
  const plan = await sql<{
    'QUERY PLAN': string;
  }>`EXPLAIN (ANALYZE, BUFFERS) ${inboxSql(query(7), query(7).roles!)}`.execute(store.db);
  log(`EXPLAIN ANALYZE of one inbox page:\n${plan.rows.map((r) => r['QUERY PLAN']).join('\n')}`);
  const times: number[] = [];
  const byKind = new Map<string, number[]>();
  for (let i = 0; i < 400; i++) {
    const q = query(i);
    // every page is timed on its own: first pages, and second pages through the keyset cursor
    let s = performance.now();
    const p = await inboxPage(store.db, q);
    let ms = performance.now() - s;
    times.push(ms);
    const kind = `${q.sort}${q.deadlineState === undefined ? '' : ' overdue'}${q.stage === undefined ? '' : ' stage'}`;
    byKind.set(kind, [...(byKind.get(kind) ?? []), ms]);
    if (i % 2 === 0 && p.nextCursor !== null) {
      s = performance.now();
      await inboxPage(store.db, { ...q, cursor: p.nextCursor });
      ms = performance.now() - s;
      times.push(ms);
    }
  }
  for (const [k, v] of byKind)
    log(
      `first pages ${k}: p50 ${pct(
        v.sort((a, b) => a - b),
        50,
      ).toFixed(1)} ms, p95 ${pct(v, 95).toFixed(1)} ms`,
    );
  for (const i of [1, 2]) {
    const q = query(i);
    const pl = await sql<{ 'QUERY PLAN': string }>`EXPLAIN ANALYZE ${inboxSql(q, q.roles!)}`.execute(
      store.db,
    );
    log(
      `server time of query(${i}) (${q.sort}, ${q.deadlineState ?? q.stage}): ${pl.rows
        .map((r) => r['QUERY PLAN'])
        .filter((l) => l.startsWith('Execution'))
        .join(' ')}`,
    );
  }
  const counts: number[] = [];
  const { inboxCounts } = await import('@shidian/store');
  for (let i = 0; i < 100; i++) {
    const s = performance.now();
    await inboxCounts(store.db, query(i));
    counts.push(performance.now() - s);
  }
  times.sort((a, b) => a - b);
  counts.sort((a, b) => a - b);
  return { p50: pct(times, 50), p95: pct(times, 95), countP95: pct(counts, 95) };
}

/** Makes `n` cases waiting on a 1-hour timer, all due at `due`, by cloning one started case. */
async function dueTimers(store: Store, n: number, due: Date): Promise<void> {
  const rt = new CommandRuntime(store.db, { clock: () => new Date(due.getTime() - 3600_000) });
  const proto = await rt.startCase({
    countyId: 'jinjiang',
    pilotId: 'main',
    processId: 'waiting',
    actor: registrar,
  });
  await sql`
    WITH ids AS (SELECT gen_random_uuid() AS id, i FROM generate_series(1, ${n - 1}) AS i),
    c AS (
      INSERT INTO cases (county_id, case_id, number, pilot_id, deployment_id, process_id, stage, status, state, version, title, created_at, updated_at)
      SELECT p.county_id, ids.id, 'T-' || ids.i, p.pilot_id, p.deployment_id, p.process_id, p.stage, p.status,
             replace(p.state::text, p.case_id::text, ids.id::text)::jsonb, p.version, p.title, p.created_at, p.updated_at
      FROM cases p, ids WHERE p.case_id = ${proto.caseId}
      RETURNING case_id
    )
    INSERT INTO timers (county_id, case_id, engine_timer_id, element_id, kind, due_at, available_at)
    SELECT t.county_id, c.case_id, t.engine_timer_id, t.element_id, t.kind, t.due_at, t.available_at
    FROM timers t, c WHERE t.case_id = ${proto.caseId}`.execute(store.db);
}

async function timers(
  store: Store,
  url: string,
  n: number,
): Promise<{ p99: number; exactlyOnce: boolean; seconds: number }> {
  const due = new Date(Date.now() + 8000);
  log(`creating ${n} timers due at ${due.toISOString()}`);
  await dueTimers(store, n, due);
  const me = fileURLToPath(import.meta.url);
  const spawnWorker = () =>
    new Promise<{ fired: number }>((resolve, reject) => {
      const child = spawn(process.execPath, ['--import', 'tsx', me], {
        env: { ...process.env, DATABASE_URL: url, SHIDIAN_BENCH_STORE_WORKER: String(n) },
        stdio: ['ignore', 'pipe', 'inherit'],
      });
      let out = '';
      child.stdout.on('data', (d: Buffer) => (out += d.toString()));
      child.on('exit', (code) =>
        code === 0 ? resolve(JSON.parse(out) as { fired: number }) : reject(new Error(`worker exit ${code}`)),
      );
    });
  const t0 = Date.now();
  const [a, b] = await Promise.all([spawnWorker(), spawnWorker()]);
  const seconds = (Date.now() - due.getTime()) / 1000;
  const check = await sql<{ fired: number; tasks: number; versions: number }>`
    SELECT (SELECT count(*)::int FROM timers WHERE county_id = 'jinjiang' AND kind = 'catch' AND fired) AS fired,
           (SELECT count(*)::int FROM tasks WHERE county_id = 'jinjiang' AND element_id = 'w_task') AS tasks,
           (SELECT count(*)::int FROM cases WHERE county_id = 'jinjiang' AND process_id = 'waiting' AND version = 2) AS versions`.execute(
    store.db,
  );
  const c = check.rows[0]!;
  log(
    `workers fired ${a.fired} + ${b.fired} in ${((Date.now() - t0) / 1000).toFixed(1)} s; fired rows ${c.fired}, tasks ${c.tasks}, cases at version 2: ${c.versions}`,
  );
  const stats = await timerStats(store.db, { since: new Date(due.getTime() - 1000) });
  return {
    p99: stats.lateness.p99 ?? NaN,
    exactlyOnce: a.fired + b.fired === n && c.fired === n && c.tasks === n && c.versions === n,
    seconds,
  };
}

/** Worker-process role: fire timers until `n` have fired in the database, print this process's count. */
async function workerMain(n: number): Promise<void> {
  const store = await openStore({ migrate: false, poolSize: 4 });
  const worker = new TimerWorker(store.db, new CommandRuntime(store.db), {
    batchSize: 50,
    concurrency: 3,
    pollMs: 20,
  });
  for (;;) {
    await worker.drain();
    const left = await store.db
      .selectFrom('timers')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('fired', '=', false)
      .where('cancelled_at', 'is', null)
      .where('kind', '=', 'catch')
      .executeTakeFirstOrThrow();
    const fired = await store.db
      .selectFrom('timers')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('fired', '=', true)
      .where('kind', '=', 'catch')
      .executeTakeFirstOrThrow();
    if (Number(left.n) === 0 && Number(fired.n) >= n) break;
    await new Promise((r) => setTimeout(r, 20));
  }
  process.stdout.write(JSON.stringify({ fired: worker.stats().fired }));
  await store.close();
}

const bench: Bench = async (args) => {
  const seconds = arg(args, 'seconds', 10);
  const nTasks = arg(args, 'tasks', 1_000_000);
  const nTimers = arg(args, 'timers', 10_000);
  let url = process.env['DATABASE_URL'];
  let scratch: string | undefined;
  if (url === undefined || url === '') {
    scratch = `shidian_bench_${process.pid}`;
    await admin(`CREATE DATABASE ${scratch}`);
    url = `postgres://postgres@${HOST}:5432/${scratch}`;
  }
  const results: BenchResult[] = [];
  const store = await openStore({ databaseUrl: url, poolSize: WORKERS + 2 });
  try {
    await seedCounties(store);
    if (!args.includes('--skip-completions')) {
      // enough open tasks for both runs (each case gives two completions)
      const queue = await startCases(store, Math.ceil(seconds * 900));
      // planner statistics, as autovacuum keeps them in a running system (the database is new)
      await sql`ANALYZE`.execute(store.db);
      // every measured phase (ours and pgbench's) starts right after a checkpoint, so none pays
      // for the full-page writes of the previous phase's checkpoint alone
      await sql`CHECKPOINT`.execute(store.db);
      const one = await completions(store, queue, seconds);
      await sql`CHECKPOINT`.execute(store.db);
      const two = await completionsSpread(url, queue.splice(0), seconds, 2);
      const ref = args.includes('--skip-pgbench') ? null : await pgbenchTps(seconds);
      results.push(
        result(
          'task completions through the runtime, 16 workers in 1 process (vs pgbench TPC-B, 16 clients)',
          'ops/s',
          one,
          ref,
        ),
      );
      results.push(
        result(
          'task completions through the runtime, 16 workers over 2 processes (vs pgbench TPC-B, 16 clients, -j 2)',
          'ops/s',
          two,
          ref,
        ),
      );
    }
    if (!args.includes('--skip-inbox')) {
      const ib = await inbox(store, nTasks);
      results.push(result(`inbox page p50, ${nTasks} open tasks / 100 counties`, 'ms', ib.p50, null));
      results.push(result(`inbox page p95, ${nTasks} open tasks / 100 counties`, 'ms', ib.p95, null));
      results.push(result('inbox counts p95 (per group, per deadline state)', 'ms', ib.countP95, null));
    }
    if (!args.includes('--skip-timers')) {
      const t = await timers(store, url, nTimers);
      results.push(
        result(
          `timers fired exactly once (${nTimers} due at once, 2 worker processes)`,
          'bool',
          t.exactlyOnce ? 1 : 0,
          null,
        ),
      );
      results.push(result('timer lateness p99', 'ms', t.p99, null));
      results.push(result('time to fire all timers after they came due', 's', t.seconds, null));
    }
  } finally {
    await store.close();
    if (scratch !== undefined) await admin(`DROP DATABASE IF EXISTS ${scratch} WITH (FORCE)`);
  }
  return { bench: 'store', results };
};

export default bench;

const completerFile = process.env['SHIDIAN_BENCH_STORE_COMPLETER'];
if (
  completerFile !== undefined &&
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === process.argv[1]
) {
  completerMain(completerFile).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}

const workerN = process.env['SHIDIAN_BENCH_STORE_WORKER'];
if (
  workerN !== undefined &&
  process.argv[1] !== undefined &&
  fileURLToPath(import.meta.url) === process.argv[1]
) {
  workerMain(Number(workerN)).catch((e: unknown) => {
    console.error(e);
    process.exit(1);
  });
}
