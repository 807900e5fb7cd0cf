/**
 * `shidian serve [--port 3000] [--host 127.0.0.1] [--database-url …] [--data-dir .data/pglite] [--demo]`
 * runs the HTTP API. Without `--database-url` / `DATABASE_URL` it uses the embedded PGlite under
 * `--data-dir`. `--demo` (what `pnpm start` runs) seeds the demo world on first start: a province,
 * one county per example pilot under `examples/` with its units and a user per role, deploys the
 * pilots, starts a few demo cases, and prints the URL and the demo logins.
 *
 * @example
 * ```sh
 * pnpm -s shidian serve --port 8080 --host 0.0.0.0 --database-url postgres://shidian@db/shidian
 * ```
 */
import type { Command } from 'commander';
import { isStoreError, openStore, TimerWorker, type Store } from '@shidian/store';
import { buildApp, createRuntime, DEMO_PASSWORD, seedDemo } from '@shidian/server';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

interface ServeOptions {
  port: string;
  host: string;
  databaseUrl?: string;
  dataDir?: string;
  demo?: boolean;
  logLevel: string;
  insecureCookies?: boolean;
  timers?: boolean;
  poolSize: string;
  loginRateLimit: string;
}

/** Registers `serve`. */
export const register: Register = (program: Command) => {
  program
    .command('serve')
    .description('run the HTTP API (embedded database under .data/ unless --database-url / DATABASE_URL)')
    .option('--port <port>', 'TCP port', process.env['PORT'] ?? '3000')
    .option('--host <host>', 'address to listen on', process.env['HOST'] ?? '127.0.0.1')
    .option('--database-url <url>', 'PostgreSQL URL (default: $DATABASE_URL, else the embedded database)')
    .option('--data-dir <dir>', 'embedded database directory', '.data/pglite')
    .option('--pool-size <n>', 'PostgreSQL connection pool size', process.env['DATABASE_POOL_SIZE'] ?? '10')
    .option('--demo', 'seed demo counties, users, pilots and cases on first start, and print the logins')
    .option(
      '--log-level <level>',
      'pino log level (fatal, error, warn, info, debug)',
      process.env['LOG_LEVEL'] ?? 'info',
    )
    .option(
      '--login-rate-limit <n>',
      'login attempts allowed per client address and minute',
      process.env['LOGIN_RATE_LIMIT'] ?? '10',
    )
    .option('--no-timers', 'do not fire timers in this process (run them in another server)')
    .option(
      '--insecure-cookies',
      'omit the Secure flag on cookies (only for plain HTTP on a trusted network; never in production)',
    )
    .action(async (opts: ServeOptions) => {
      const port = Number(opts.port);
      if (!Number.isInteger(port) || port < 0 || port > 65535) {
        console.error(`invalid --port ${opts.port}`);
        throw new CliExit(2);
      }
      let store: Store;
      try {
        store = await openStore({
          ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
          ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
          poolSize: Math.max(1, Math.min(200, Number(opts.poolSize) || 10)),
        });
      } catch (e) {
        if (isStoreError(e, 'STORE_ERR_DATA_DIR_LOCKED'))
          console.error(`${e.code}: ${e.messageEn} (${opts.dataDir}); is another server running?`);
        else console.error(`cannot open the database: ${e instanceof Error ? e.message : String(e)}`);
        throw new CliExit(2);
      }
      const runtime = createRuntime(store);
      const app = await buildApp({
        store,
        runtime,
        logger: {
          level: opts.logLevel,
          redact: ['req.headers.authorization', 'req.headers.cookie', 'res.headers["set-cookie"]'],
        },
        cookieSecure: opts.insecureCookies !== true,
        loginRateLimit: { max: Math.max(1, Number(opts.loginRateLimit) || 10), timeWindowMs: 60_000 },
        processMetrics: true,
      });
      let demo: Awaited<ReturnType<typeof seedDemo>> | undefined;
      if (opts.demo === true) {
        try {
          demo = await seedDemo(store, { app, log: (m) => app.log.info(m) });
        } catch (e) {
          await app.close();
          await store.close();
          console.error(`demo seeding failed: ${e instanceof Error ? (e.stack ?? e.message) : String(e)}`);
          throw new CliExit(1);
        }
      }
      // Timers (deadlines, reminders, escalations) fire in this process; several servers may run
      // workers against one PostgreSQL database (timers are claimed with SKIP LOCKED).
      const worker = opts.timers === false ? undefined : new TimerWorker(store.db, runtime);
      worker?.start();
      const stop = async (signal: string) => {
        app.log.info({ signal }, 'shutting down');
        await worker?.stop();
        await app.close();
        await store.close();
      };
      process.once('SIGINT', () => void stop('SIGINT'));
      process.once('SIGTERM', () => void stop('SIGTERM'));
      const address = await app.listen({ port, host: opts.host });
      const base = address.replace('://0.0.0.0', '://127.0.0.1').replace('://[::]', '://localhost');
      const lines = [
        '',
        `shidian (试点) API: ${base}/api`,
        `  OpenAPI:  ${base}/api/openapi.json`,
        `  Docs:     ${base}/api/docs`,
        `  Health:   ${base}/api/health`,
        `  Database: ${store.dialect === 'postgres' ? 'PostgreSQL' : `PGlite (${opts.dataDir})`}`,
      ];
      if (demo !== undefined) {
        lines.push('', `Demo logins (password for all: ${DEMO_PASSWORD}):`);
        for (const u of demo.users)
          lines.push(
            `  ${u.username.padEnd(24)} ${u.roles.join(', ')}${u.countyId === null ? '' : ` @ ${u.countyId}`}`,
          );
        lines.push(
          '',
          `Pilots: ${demo.pilots.map((p) => `${p.countyId}/${p.pilotId} v${p.version}`).join(', ')}`,
        );
        lines.push(`Demo cases: ${demo.cases}`);
        lines.push(
          '',
          `Try: curl -s ${base}/api/auth/login -H 'content-type: application/json' -d '{"username":"${demo.users[0]?.username ?? ''}","password":"${DEMO_PASSWORD}"}'`,
        );
      }
      console.log(lines.join('\n'));
      await new Promise<void>((resolve) => app.server.once('close', () => resolve()));
    });
};
