/**
 * `pnpm bench api [--json] [--seconds 15] [--clients 16] [--cases-per-client 60] [--tasks-per-client 200] [--servers 1]`
 *
 * The HTTP API under load, on PostgreSQL (`DATABASE_URL`, default postgres://postgres@127.0.0.1:5432/postgres;
 * the bench creates and drops databases of its own on that server):
 *
 * 1. starts `shidian serve` as a child process (its own Node process, pool of 16 connections, no timer
 *    worker; with `--servers N`, N such processes on consecutive ports sharing the 16 connections, and
 *    client `c` talks to server `c mod N`, as behind a load balancer) on a fresh database with one
 *    county, 16 registrar accounts and the server's test pilot
 *    (`packages/server/src/fixtures/mini`: register → handle);
 * 2. registers `clients × cases-per-client` cases through `POST /api/cases` with 16 concurrent clients
 *    (each client is its own logged-in registrar, keep-alive connections), then tops the pool up to
 *    `tasks-per-client` open tasks per client through the store's runtime directly (faster);
 * 3. **task completions per second**: 16 clients complete the open `Task_Register` tasks through
 *    `POST /api/tasks/{id}/complete` (each a full command: auth, form check, lock, engine step, tasks,
 *    audit chain, one transaction) for `--seconds`, in two windows alternating with two windows of
 *    the same completions through the store's `CommandRuntime.execute` in the bench process (16
 *    workers, the server's runtime configuration): the ratio HTTP ÷ runtime says what the server adds,
 *    measured under the same load. Each window also records the CPU time of the server process, of the
 *    database's backends and of the bench process (Linux `/proc`), and the transactions committed
 *    (`pg_stat_database`): CPU and transactions per completion, HTTP against the runtime alone;
 * 4. **`GET /api/tasks` latency** (p50/p95/p99): 16 clients read their inbox (50 per page) for `--seconds`,
 *    with the server's and the backends' CPU and the transactions per request;
 * 5. the reference: `pgbench` TPC-B-like, scale 16, 16 clients, 2 threads, for `--seconds`, on a database
 *    of its own on the same server, in the same run.
 *
 * Reported ratio: completions/s ÷ pgbench TPS (goal ≥ 0.4).
 */
import { spawn, execFile, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { Agent, request } from 'node:http';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { readdirSync, readFileSync } from 'node:fs';
import { readFile } from 'node:fs/promises';
import { relative } from 'node:path';
import { openStore, sql, type Store } from '@shidian/store';
import { createRuntime, hashPassword } from '@shidian/server';
import { result, type Bench, type BenchResult } from './report.js';

const root = join(dirname(fileURLToPath(import.meta.url)), '..', '..');

function arg(args: readonly string[], name: string, fallback: number): number {
  const i = args.indexOf(`--${name}`);
  const v = i >= 0 ? Number(args[i + 1]) : NaN;
  return Number.isFinite(v) && v > 0 ? v : fallback;
}

function withDatabase(url: string, db: string): string {
  const u = new URL(url);
  u.pathname = `/${db}`;
  return u.toString();
}

/** Runs one administrative statement with psql (CREATE / DROP DATABASE cannot run in a transaction). */
function admin(url: string, sqlText: string): Promise<void> {
  return new Promise((resolve, reject) =>
    execFile('psql', [url, '-v', 'ON_ERROR_STOP=1', '-qc', sqlText], (err, _out, stderr) =>
      err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(),
    ),
  );
}

/** The files of a bundle directory, by bundle-relative path. */
function bundleFiles(dir: string): Record<string, string> {
  const out: Record<string, string> = {};
  const walk = (d: string) => {
    for (const e of readdirSync(d, { withFileTypes: true })) {
      const abs = join(d, e.name);
      if (e.isDirectory()) walk(abs);
      else out[relative(dir, abs).split('\\').join('/')] = readFileSync(abs, 'utf8');
    }
  };
  walk(dir);
  return out;
}

const agent = new Agent({ keepAlive: true, maxSockets: 64 });

interface Res {
  status: number;
  body: string;
}

function call(
  port: number,
  method: string,
  path: string,
  token: string | null,
  body?: unknown,
): Promise<Res> {
  const payload = body === undefined ? undefined : Buffer.from(JSON.stringify(body));
  return new Promise((resolve, reject) => {
    const req = request(
      {
        host: '127.0.0.1',
        port,
        method,
        path,
        agent,
        headers: {
          ...(token === null ? {} : { authorization: `Bearer ${token}` }),
          ...(payload === undefined
            ? {}
            : { 'content-type': 'application/json', 'content-length': payload.length }),
        },
      },
      (res) => {
        const chunks: Buffer[] = [];
        res.on('data', (c: Buffer) => chunks.push(c));
        res.on('end', () =>
          resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') }),
        );
        res.on('error', reject);
      },
    );
    req.on('error', reject);
    if (payload !== undefined) req.write(payload);
    req.end();
  });
}

function percentile(sorted: readonly number[], p: number): number {
  if (sorted.length === 0) return NaN;
  return sorted[Math.min(sorted.length - 1, Math.floor((p / 100) * sorted.length))] ?? NaN;
}

async function startServer(databaseUrl: string, port: number, poolSize: number): Promise<ChildProcess> {
  const child = spawn(
    process.execPath,
    [
      ...(process.env['SHIDIAN_BENCH_PROFILE'] === undefined
        ? []
        : ['--cpu-prof', `--cpu-prof-dir=${process.env['SHIDIAN_BENCH_PROFILE']}`]),
      '--import',
      'tsx',
      join(root, 'packages/cli/src/main.ts'),
      'serve',
      '--port',
      String(port),
      '--database-url',
      databaseUrl,
      '--pool-size',
      String(poolSize),
      '--login-rate-limit',
      '1000',
      '--log-level',
      'error',
      '--no-timers',
    ],
    { cwd: root, env: { ...process.env, SHIDIAN_CLI: '1' }, stdio: ['ignore', 'pipe', 'inherit'] },
  );
  let out = '';
  child.stdout?.on('data', (c: Buffer) => (out += c.toString()));
  for (let i = 0; i < 300; i++) {
    if (out.includes('shidian (试点) API')) return child;
    if (child.exitCode !== null) throw new Error(`server exited with ${child.exitCode}`);
    await new Promise((r) => setTimeout(r, 100));
  }
  child.kill('SIGTERM');
  throw new Error('server did not start within 30 s');
}

async function stopServers(servers: readonly ChildProcess[]): Promise<void> {
  await Promise.all(
    servers.map(async (s) => {
      if (s.exitCode !== null) return;
      const exited = once(s, 'exit');
      s.kill('SIGTERM');
      await exited;
    }),
  );
}

async function pgbench(url: string, clients: number, seconds: number): Promise<number> {
  const run = (args: string[]) =>
    new Promise<string>((resolve, reject) =>
      execFile('pgbench', args, { maxBuffer: 16 * 1024 * 1024 }, (err, stdout, stderr) =>
        err ? reject(new Error(`${err.message}\n${stderr}`)) : resolve(stdout + stderr),
      ),
    );
  await run(['-i', '-q', '-s', String(clients), url]);
  const out = await run(['-c', String(clients), '-j', '2', '-T', String(seconds), '-n', url]);
  const m =
    /tps = ([\d.]+) \((?:without initial connection time|excluding connections establishing)\)/.exec(out) ??
    /tps = ([\d.]+)/.exec(out);
  if (m?.[1] === undefined) throw new Error(`cannot read pgbench output:\n${out}`);
  return Number(m[1]);
}

/** utime + stime of a process in ms (from /proc; 0 when it cannot be read, e.g. not on Linux). */
async function processCpuMs(pid: number): Promise<number> {
  try {
    const stat = await readFile(`/proc/${pid}/stat`, 'utf8');
    // the fields after the command name (which may contain spaces) start after the last ')'
    const f = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
    return ((Number(f[11]) + Number(f[12])) * 1000) / CLOCK_TICKS;
  } catch {
    return 0;
  }
}
const CLOCK_TICKS = 100;

/** CPU used so far by the server processes, the database's backends and this process; committed transactions. */
interface Usage {
  readonly server: number;
  readonly backends: ReadonlyMap<number, number>;
  readonly bench: number;
  readonly xacts: number;
}

async function usage(store: Store, dbName: string, servers: readonly ChildProcess[]): Promise<Usage> {
  const { rows } = await sql<{ pid: number; xacts: string }>`
    SELECT a.pid, (SELECT xact_commit + xact_rollback FROM pg_stat_database WHERE datname = ${dbName})::text AS xacts
      FROM pg_stat_activity a WHERE a.datname = ${dbName} AND a.pid <> pg_backend_pid()`.execute(store.db);
  const backends = new Map<number, number>();
  for (const r of rows) backends.set(r.pid, await processCpuMs(r.pid));
  let server = 0;
  for (const s of servers) if (s.pid !== undefined) server += await processCpuMs(s.pid);
  const c = process.cpuUsage();
  return { server, backends, bench: (c.user + c.system) / 1000, xacts: Number(rows[0]?.xacts ?? 0) };
}

/**
 * CPU ms spent between two {@link usage} snapshots (a backend that connected in between counts whole;
 * one that disconnected in between is lost: the pools keep theirs while busy).
 */
function spentBetween(
  a: Usage,
  b: Usage,
): { server: number; postgres: number; bench: number; xacts: number } {
  let postgres = 0;
  for (const [pid, ms] of b.backends) postgres += ms - (a.backends.get(pid) ?? 0);
  return { server: b.server - a.server, postgres, bench: b.bench - a.bench, xacts: b.xacts - a.xacts };
}

/** Lets idle backends flush their statistics (PostgreSQL ≥ 15 does so within a second of going idle). */
const settle = () => new Promise((r) => setTimeout(r, 1200));

const bench: Bench = async (args) => {
  const seconds = arg(args, 'seconds', 15);
  const clients = arg(args, 'clients', 16);
  const perClient = arg(args, 'cases-per-client', 60);
  const tasksPerClient = Math.max(perClient, arg(args, 'tasks-per-client', 200));
  const serverCount = Math.floor(arg(args, 'servers', 1));
  const base =
    process.env['DATABASE_URL'] !== undefined && process.env['DATABASE_URL'] !== ''
      ? process.env['DATABASE_URL']
      : 'postgres://postgres@127.0.0.1:5432/postgres';
  const dbName = `shidian_bench_api_${process.pid}`;
  const pgbenchDb = `shidian_bench_pgbench_${process.pid}`;
  await admin(base, `DROP DATABASE IF EXISTS ${dbName}`);
  await admin(base, `CREATE DATABASE ${dbName}`);
  const url = withDatabase(base, dbName);
  const port = 20000 + (process.pid % 20000);
  let servers: ChildProcess[] = [];
  let store: Store | undefined;
  try {
    // World: one county, one unit, registrars, the test pilot.
    store = await openStore({ databaseUrl: url, poolSize: 16 });
    await store.counties.create({ countyId: 'bench', name: '基准县', shortName: '基准' });
    await store.units.create({ countyId: 'bench', unitId: 'xfj', name: '县信访局' });
    const hash = await hashPassword('bench-password-1', { log2N: 12, r: 8, p: 1 });
    const adminUser = await store.users.create({
      countyId: 'bench',
      username: 'bench.admin',
      displayName: 'admin',
      passwordHash: hash,
    });
    await store.memberships.grant({ countyId: 'bench', userId: adminUser.user_id, role: 'pilot-admin' });
    const userIds: string[] = [];
    for (let i = 0; i < clients; i++) {
      const u = await store.users.create({
        countyId: 'bench',
        username: `bench.r${i}`,
        displayName: `r${i}`,
        passwordHash: hash,
      });
      await store.memberships.grant({
        countyId: 'bench',
        userId: u.user_id,
        unitId: 'xfj',
        role: 'registrar',
      });
      userIds.push(u.user_id);
    }

    const poolSize = Math.ceil(16 / serverCount);
    servers = await Promise.all(
      Array.from({ length: serverCount }, (_, i) => startServer(url, port + i, poolSize)),
    );
    /** The port of client `c`'s server. */
    const portOf = (c: number) => port + (c % serverCount);
    const login = async (username: string) => {
      const r = await call(port, 'POST', '/api/auth/login', null, { username, password: 'bench-password-1' });
      if (r.status !== 200) throw new Error(`login ${username}: ${r.status} ${r.body}`);
      return (JSON.parse(r.body) as { token: string }).token;
    };
    const adminToken = await login('bench.admin');
    const files = bundleFiles(join(root, 'packages/server/src/fixtures/mini'));
    const dep = await call(port, 'POST', '/api/pilots/mini/deployments', adminToken, { files });
    if (dep.status !== 201) throw new Error(`deploy: ${dep.status} ${dep.body}`);
    const tokens = await Promise.all(Array.from({ length: clients }, (_, i) => login(`bench.r${i}`)));

    // 2. register cases
    const taskPools: Array<Array<{ taskId: string; caseId: string }>> = tokens.map(() => []);
    const t0 = performance.now();
    await Promise.all(
      tokens.map(async (token, c) => {
        for (let i = 0; i < perClient; i++) {
          const r = await call(portOf(c), 'POST', '/api/cases', token, {
            pilotId: 'mini',
            data: { petitionerName: `申请人${c}-${i}`, summary: '基准测试事项' },
          });
          if (r.status !== 201) throw new Error(`create: ${r.status} ${r.body}`);
          const out = JSON.parse(r.body) as { caseId: string; tasks: Array<{ taskId: string }> };
          const task = out.tasks[0];
          if (task !== undefined) taskPools[c]?.push({ taskId: task.taskId, caseId: out.caseId });
        }
      }),
    );
    const createRate = (clients * perClient) / ((performance.now() - t0) / 1000);

    // top the pools up through the runtime directly (the server's runtime configuration)
    const db = store;
    const runtime = createRuntime(db);
    const actorOf = (c: number) => ({ id: userIds[c] ?? '', groups: ['registrar'], units: ['xfj'] });
    const { process_id: processId } = await db.db
      .selectFrom('deployment_processes')
      .select('process_id')
      .where('county_id', '=', 'bench')
      .executeTakeFirstOrThrow();
    await Promise.all(
      taskPools.map(async (pool, c) => {
        for (let i = perClient; i < tasksPerClient; i++) {
          const petitionerName = `申请人${c}-${i}`;
          const out = await runtime.startCase({
            countyId: 'bench',
            pilotId: 'mini',
            processId,
            actor: actorOf(c),
            variables: { petitionerName, summary: '基准测试事项' },
            title: '基准测试事项',
            petitionerName,
          });
          const taskId = out.tasksCreated[0];
          if (taskId !== undefined) pool.unshift({ taskId, caseId: out.caseId });
        }
      }),
    );

    // 3. task completions: HTTP and runtime-only windows alternate (seconds/2 each, two of each)
    const done = { http: 0, runtime: 0 };
    const spent = { http: 0, runtime: 0 };
    const cpu = {
      http: { server: 0, postgres: 0, bench: 0, xacts: 0 },
      runtime: { server: 0, postgres: 0, bench: 0, xacts: 0 },
    };
    let failures = 0;
    for (const mode of ['http', 'runtime', 'http', 'runtime'] as const) {
      await settle();
      const before = await usage(store, dbName, servers);
      const t0 = performance.now();
      const deadline = t0 + (seconds * 1000) / 2;
      await Promise.all(
        tokens.map(async (token, c) => {
          const pool = taskPools[c] ?? [];
          while (performance.now() < deadline) {
            const task = pool.pop();
            if (task === undefined) break;
            let ok: boolean;
            if (mode === 'http') {
              const path = `/api/tasks/${encodeURIComponent(task.taskId)}/complete`;
              ok = (await call(portOf(c), 'POST', path, token, { data: {} })).status === 200;
            } else {
              ok = await runtime
                .execute({
                  countyId: 'bench',
                  caseId: task.caseId,
                  command: { type: 'complete', taskId: task.taskId, actor: actorOf(c), variables: {} },
                })
                .then(
                  () => true,
                  () => false,
                );
            }
            if (ok) done[mode] += 1;
            else failures += 1;
          }
        }),
      );
      spent[mode] += (performance.now() - t0) / 1000;
      await settle();
      const used = spentBetween(before, await usage(store, dbName, servers));
      for (const k of ['server', 'postgres', 'bench', 'xacts'] as const) cpu[mode][k] += used[k];
    }
    const completeRate = done.http / spent.http;
    const runtimeRate = done.runtime / spent.runtime;
    if (failures > 0) console.error(`${failures} completions failed`);
    if (taskPools.some((p) => p.length === 0))
      console.error(
        'a task pool ran dry before the time was up: raise --tasks-per-client for a steady-state figure',
      );

    // 4. GET /api/tasks latency
    const latencies: number[] = [];
    await settle();
    const beforeReads = await usage(store, dbName, servers);
    const readDeadline = performance.now() + seconds * 1000;
    await Promise.all(
      tokens.map(async (token, c) => {
        while (performance.now() < readDeadline) {
          const s = performance.now();
          const r = await call(portOf(c), 'GET', '/api/tasks?limit=50', token);
          latencies.push(performance.now() - s);
          if (r.status !== 200) throw new Error(`inbox: ${r.status} ${r.body}`);
        }
      }),
    );
    await settle();
    const reads = spentBetween(beforeReads, await usage(store, dbName, servers));
    latencies.sort((a, b) => a - b);
    await stopServers(servers);
    servers = [];

    // 5. pgbench on the same server
    await admin(base, `DROP DATABASE IF EXISTS ${pgbenchDb}`);
    await admin(base, `CREATE DATABASE ${pgbenchDb}`);
    const tps = await pgbench(withDatabase(base, pgbenchDb), clients, seconds);

    const results: BenchResult[] = [
      result(
        `task completions via HTTP (${clients} clients, ${serverCount} server process${serverCount === 1 ? '' : 'es'}) vs pgbench TPC-B tps`,
        'ops/s',
        completeRate,
        tps,
      ),
      result(
        `task completions via HTTP vs through the runtime alone (${clients} workers in the bench process, alternating windows)`,
        'ops/s',
        completeRate,
        runtimeRate,
      ),
      result(`task completions through the runtime alone vs pgbench TPC-B tps`, 'ops/s', runtimeRate, tps),
      result(`case registrations via HTTP (${clients} clients)`, 'ops/s', createRate, null),
      // CPU per completion (Linux /proc; clock ticks of 10 ms, summed over each kind's windows) and
      // transactions committed per completion (every autocommit statement is one): HTTP ÷ runtime
      result(
        'CPU per completion, server process (HTTP) vs the bench process (runtime alone)',
        'ms/op',
        cpu.http.server / done.http,
        cpu.runtime.bench / done.runtime,
      ),
      result(
        'CPU per completion, PostgreSQL backends: HTTP vs runtime alone',
        'ms/op',
        cpu.http.postgres / done.http,
        cpu.runtime.postgres / done.runtime,
      ),
      result('CPU per completion, bench process (HTTP clients)', 'ms/op', cpu.http.bench / done.http, null),
      result(
        'database transactions per completion: HTTP vs runtime alone',
        'xact/op',
        cpu.http.xacts / done.http,
        cpu.runtime.xacts / done.runtime,
      ),
      result(`GET /api/tasks p50 (${clients} clients, 50 per page)`, 'ms', percentile(latencies, 50), null),
      result(`GET /api/tasks p95`, 'ms', percentile(latencies, 95), null),
      result(`GET /api/tasks p99`, 'ms', percentile(latencies, 99), null),
      result(`GET /api/tasks throughput`, 'req/s', latencies.length / seconds, null),
      result(
        'GET /api/tasks CPU per request, server process',
        'ms/op',
        reads.server / latencies.length,
        null,
      ),
      result(
        'GET /api/tasks CPU per request, PostgreSQL backends',
        'ms/op',
        reads.postgres / latencies.length,
        null,
      ),
      result(
        'GET /api/tasks database transactions per request',
        'xact/op',
        reads.xacts / latencies.length,
        null,
      ),
    ];
    return { bench: 'api', results };
  } finally {
    await stopServers(servers).catch(() => undefined);
    agent.destroy();
    await store?.close().catch(() => undefined);
    await admin(base, `DROP DATABASE IF EXISTS ${dbName} WITH (FORCE)`).catch(() => undefined);
    await admin(base, `DROP DATABASE IF EXISTS ${pgbenchDb} WITH (FORCE)`).catch(() => undefined);
  }
};

export default bench;
