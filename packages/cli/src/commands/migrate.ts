/**
 * `shidian migrate [--database-url <url>] [--data-dir <dir>] [--json]`: applies the pending
 * numbered migrations of `@shidian/store` (forward-only) to PostgreSQL (`--database-url` or
 * `DATABASE_URL`) or to the embedded PGlite data directory (default `.data/pglite`).
 */
import { isStoreError, openStore } from '@shidian/store';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

interface MigrateOptions {
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly json?: boolean;
}

export const register: Register = (program) => {
  program
    .command('migrate')
    .description('执行数据库迁移 / apply pending database migrations')
    .option(
      '--database-url <url>',
      'PostgreSQL URL (default: $DATABASE_URL; without it the embedded database is used)',
    )
    .option('--data-dir <dir>', 'embedded database directory (default .data/pglite)')
    .option('--json', 'print one JSON object')
    .action(async (opts: MigrateOptions) => {
      let store;
      try {
        store = await openStore({
          migrate: false,
          ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
          ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
        });
      } catch (e) {
        report(opts.json, e);
        throw new CliExit(2);
      }
      try {
        const r = await store.migrate();
        if (opts.json === true)
          console.log(JSON.stringify({ ok: true, dialect: store.dialect, applied: r.applied, all: r.all }));
        else {
          console.log(
            r.applied.length === 0
              ? '数据库已是最新 / database is up to date'
              : `已执行迁移 / applied: ${r.applied.join(', ')}`,
          );
          console.log(`共 ${r.all.length} 个迁移 / ${r.all.length} migrations in total (${store.dialect})`);
        }
      } catch (e) {
        report(opts.json, e);
        throw new CliExit(1);
      } finally {
        await store.close();
      }
    });
};

function report(json: boolean | undefined, e: unknown): void {
  const code = isStoreError(e) ? e.code : 'STORE_ERR_MIGRATION_FAILED';
  const message = e instanceof Error ? e.message : String(e);
  const cause = e instanceof Error && e.cause instanceof Error ? e.cause.message : undefined;
  if (json === true)
    console.log(
      JSON.stringify({ ok: false, error: { code, message, ...(cause === undefined ? {} : { cause }) } }),
    );
  else console.error(`${code} ${message}${cause === undefined ? '' : ` (${cause})`}`);
}
