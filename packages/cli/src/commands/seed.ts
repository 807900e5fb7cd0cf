/**
 * `shidian seed [--cases N] [--seed S] [--from YYYY-MM-DD] [--days D] [--data-dir <dir>] [--database-url <url>] [--json]`:
 * realistic synthetic cases across the example counties, driven through the engine and stored in
 * the database (the demo counties, users and pilots are created first when missing). A progress bar
 * goes to stderr; the summary to stdout. Deterministic for a seed.
 */
import { join } from 'node:path';
import { loadBundle, PLATFORM_ROOT, seedPilotCases, validateBundle, type SeedSummary } from '@shidian/pilot';
import { seedDemo } from '@shidian/server';
import { isStoreError, openStore, type Store } from '@shidian/store';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

/** The example counties seeded, in order. */
export const SEED_COUNTIES = ['qingshan', 'baishui', 'liuhe'] as const;

interface SeedOptions {
  readonly cases: string;
  readonly seed: string;
  readonly from: string;
  readonly days: string;
  readonly dataDir?: string;
  readonly databaseUrl?: string;
  readonly json?: boolean;
}

function positiveInt(name: string, value: string, max: number): number {
  const n = Number(value);
  if (!Number.isInteger(n) || n < 1 || n > max) {
    console.error(`--${name} 须为 1–${max} 的整数 / must be an integer from 1 to ${max}: ${value}`);
    throw new CliExit(2);
  }
  return n;
}

/** A progress bar on stderr (a line per 10 % when stderr is not a terminal). */
function progressBar(total: number): (done: number, label: string) => void {
  const tty = process.stderr.isTTY === true;
  let lastTenth = -1;
  return (done, label) => {
    const ratio = total === 0 ? 1 : done / total;
    if (tty) {
      const width = 30;
      const filled = Math.round(ratio * width);
      process.stderr.write(
        `\r[${'#'.repeat(filled)}${'-'.repeat(width - filled)}] ${String(done).padStart(String(total).length)}/${total} ${label.padEnd(10)}`,
      );
      if (done === total) process.stderr.write('\n');
    } else {
      const tenth = Math.floor(ratio * 10);
      if (tenth !== lastTenth) {
        lastTenth = tenth;
        process.stderr.write(`seed: ${done}/${total} (${tenth * 10}%) ${label}\n`);
      }
    }
  };
}

export const register: Register = (program) => {
  program
    .command('seed')
    .description(
      '生成示例县的合成信访件并写入数据库 / seed realistic synthetic cases across the example counties',
    )
    .option('--cases <n>', 'number of cases in all (split across the counties)', '60')
    .option('--seed <s>', 'random seed (same seed, same cases)', '1')
    .option('--from <date>', 'first receipt date', '2026-03-02')
    .option('--days <d>', 'days the receipts spread over', '90')
    .option('--data-dir <dir>', 'PGlite data directory (default .data/pglite)')
    .option('--database-url <url>', 'PostgreSQL server instead of PGlite (default $DATABASE_URL)')
    .option('--json', 'print one JSON object')
    .action(async (opts: SeedOptions) => {
      const total = positiveInt('cases', opts.cases, 100_000);
      const seed = positiveInt('seed', opts.seed, 2 ** 31 - 1);
      const days = positiveInt('days', opts.days, 3660);
      if (!/^\d{4}-\d{2}-\d{2}$/.test(opts.from) || Number.isNaN(Date.parse(opts.from))) {
        console.error(`--from 须为日期 YYYY-MM-DD / must be a date: ${opts.from}`);
        throw new CliExit(2);
      }
      let store: Store;
      try {
        store = await openStore({
          ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
          ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
        });
      } catch (e) {
        if (isStoreError(e, 'STORE_ERR_DATA_DIR_LOCKED'))
          console.error(`${e.code}: ${e.messageEn}; is a server running on this data directory?`);
        else console.error(`cannot open the database: ${e instanceof Error ? e.message : String(e)}`);
        throw new CliExit(2);
      }
      const summaries: SeedSummary[] = [];
      try {
        await seedDemo(store);
        const bar = progressBar(total);
        let done = 0;
        for (const [i, county] of SEED_COUNTIES.entries()) {
          const count = Math.floor(total / SEED_COUNTIES.length) + (i < total % SEED_COUNTIES.length ? 1 : 0);
          if (count === 0) continue;
          const report = await validateBundle(loadBundle(join(PLATFORM_ROOT, 'examples', county)));
          if (!report.ok || report.bundle === undefined) {
            console.error(
              `examples/${county} does not validate (${report.problems.length} problems); run shidian validate examples/${county}`,
            );
            throw new CliExit(1);
          }
          const base = done;
          summaries.push(
            await seedPilotCases(store, {
              countyId: county,
              pilotId: report.bundle.manifest.id,
              bundle: report.bundle,
              count,
              seed: seed * 31 + i,
              from: opts.from,
              days,
              onProgress: (d) => bar(base + d, county),
            }),
          );
          done += count;
        }
      } finally {
        await store.close();
      }
      if (opts.json === true)
        console.log(JSON.stringify({ cases: total, seed, counties: summaries }, null, 2));
      else {
        for (const s of summaries) {
          const o = Object.entries(s.outcomes)
            .filter(([, n]) => n > 0)
            .map(([k, n]) => `${k} ${n}`)
            .join(', ');
          console.log(
            `${s.countyId.padEnd(10)} ${String(s.cases).padStart(5)} cases, ${String(s.instances).padStart(5)} process instances (${o})`,
          );
        }
      }
    });
};
