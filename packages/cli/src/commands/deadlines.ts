/**
 * `shidian deadlines recompute [--county <id>] [--dry-run] [--json]`: once the State Council's
 * schedule for a year is loaded (a pilot bundle with new `years` deployed, or a newer
 * `chinese-days`), recomputes the deadlines of open cases that were computed provisionally
 * (`provisional: true` on an engine budget). Each case gets one `recompute-deadlines` engine command
 * through the store's command runtime (one transaction, audited with the system as actor): new due
 * date from the budget's ledger, timers rescheduled, tasks updated, the flag cleared when no
 * provisional day is touched any more. Exit 0 when every case went through, 1 when one failed, 2 on
 * usage or connection errors.
 */
import { step, type EngineState } from '@shidian/engine';
import { createRuntime, uncoveredYearsSetting } from '@shidian/server';
import { isStoreError, openStore, type CommandRuntime, type Store } from '@shidian/store';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

/** Options of {@link recomputeProvisionalDeadlines}. */
export interface RecomputeOptions {
  readonly county?: string;
  readonly dryRun?: boolean;
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly json?: boolean;
}

/** One budget's move: the due date before and after, and whether it is still provisional. */
export interface BudgetMove {
  readonly budgetId: string;
  readonly from: string;
  readonly due: string;
  readonly provisional: boolean;
}

/** What happened to one case. */
export interface CaseResult {
  readonly countyId: string;
  readonly caseId: string;
  readonly number: string;
  readonly ok: boolean;
  readonly budgets: readonly BudgetMove[];
  readonly error?: string;
}

type Budgets = Readonly<Record<string, { due: string; provisional?: boolean }>>;

const budgetsOf = (state: unknown): Budgets =>
  ((state as Partial<EngineState> | null)?.budgets ?? {}) as Budgets;

const provisionalIds = (state: unknown): string[] =>
  Object.entries(budgetsOf(state))
    .filter(([, b]) => b.provisional === true)
    .map(([id]) => id);

function moves(before: unknown, after: unknown, ids: readonly string[]): BudgetMove[] {
  const a = budgetsOf(before);
  const b = budgetsOf(after);
  return ids.map((id) => ({
    budgetId: id,
    from: a[id]?.due ?? '',
    due: b[id]?.due ?? '',
    provisional: b[id]?.provisional === true,
  }));
}

/**
 * Recomputes the provisional budgets of the open cases (of one county with `county`), one
 * `recompute-deadlines` command per case through `runtime` (with `dryRun`, only steps the engine in
 * memory). A case that fails is reported and the others go on.
 *
 * @example
 * ```ts
 * const cases = await recomputeProvisionalDeadlines(store, createRuntime(store), { county: 'huian' });
 * ```
 */
export async function recomputeProvisionalDeadlines(
  store: Store,
  runtime: CommandRuntime,
  opts: Pick<RecomputeOptions, 'county' | 'dryRun'> = {},
): Promise<CaseResult[]> {
  let q = store.db
    .selectFrom('cases')
    .select(['county_id', 'case_id', 'number', 'deployment_id', 'process_id', 'state'])
    .where('status', '=', 'active')
    .orderBy('county_id')
    .orderBy('number');
  if (opts.county !== undefined) q = q.where('county_id', '=', opts.county);
  const rows = (await q.execute()).filter((r) => provisionalIds(r.state).length > 0);
  const out: CaseResult[] = [];
  for (const row of rows) {
    const ids = provisionalIds(row.state);
    const base = { countyId: row.county_id, caseId: row.case_id, number: row.number };
    try {
      if (opts.dryRun === true) {
        const graph = await runtime.graph(store.db, row.county_id, row.deployment_id, row.process_id);
        const calendar = await runtime.calendar(store.db, row.county_id, row.deployment_id);
        const r = step(
          graph,
          row.state as EngineState,
          { type: 'recompute-deadlines' },
          new Date().toISOString(),
          calendar === undefined ? {} : { calendar },
        );
        if (!r.ok) {
          out.push({ ...base, ok: false, budgets: moves(row.state, row.state, ids), error: r.error.code });
          continue;
        }
        out.push({ ...base, ok: true, budgets: moves(row.state, r.state, ids) });
        continue;
      }
      await runtime.execute({
        countyId: row.county_id,
        caseId: row.case_id,
        command: { type: 'recompute-deadlines' },
      });
      const after = await store.db
        .selectFrom('cases')
        .select('state')
        .where('county_id', '=', row.county_id)
        .where('case_id', '=', row.case_id)
        .executeTakeFirstOrThrow();
      out.push({ ...base, ok: true, budgets: moves(row.state, after.state, ids) });
    } catch (e) {
      const code = isStoreError(e) ? e.code : e instanceof Error ? e.message : String(e);
      out.push({ ...base, ok: false, budgets: moves(row.state, row.state, ids), error: code });
    }
  }
  return out;
}

export const register: Register = (program) => {
  const deadlines = program.command('deadlines').description('案件期限 / deadlines of open cases');
  deadlines
    .command('recompute')
    .description(
      '用当前日历重算按临时节假日安排计算的期限 / recompute deadlines computed with a provisional holiday schedule',
    )
    .option('--county <id>', 'only this county')
    .option('--dry-run', 'show the new due dates without writing')
    .option(
      '--database-url <url>',
      'PostgreSQL URL (default: $DATABASE_URL; without it the embedded database is used)',
    )
    .option('--data-dir <dir>', 'embedded database directory (default .data/pglite)')
    .option('--json', 'print one JSON object')
    .action(async (opts: RecomputeOptions) => {
      try {
        uncoveredYearsSetting();
      } catch (e) {
        console.error(e instanceof Error ? e.message : String(e));
        throw new CliExit(2);
      }
      let store;
      try {
        store = await openStore({
          ...(opts.databaseUrl === undefined ? {} : { databaseUrl: opts.databaseUrl }),
          ...(opts.dataDir === undefined ? {} : { dataDir: opts.dataDir }),
        });
      } catch (e) {
        const code = isStoreError(e) ? e.code : 'STORE_ERR_INVALID_INPUT';
        console.error(`${code} ${e instanceof Error ? e.message : String(e)}`);
        throw new CliExit(2);
      }
      let cases: CaseResult[];
      try {
        cases = await recomputeProvisionalDeadlines(store, createRuntime(store), opts);
      } finally {
        await store.close();
      }
      const failed = cases.filter((c) => !c.ok).length;
      if (opts.json === true) {
        console.log(JSON.stringify({ ok: failed === 0, dryRun: opts.dryRun === true, cases }));
      } else {
        for (const c of cases) {
          const head = `${c.countyId} ${c.number} (${c.caseId})`;
          if (!c.ok) {
            console.log(`${head}: 失败 / failed ${c.error ?? ''}`);
            continue;
          }
          for (const b of c.budgets)
            console.log(
              `${head} ${b.budgetId}: ${b.from} → ${b.due}${b.provisional ? ' (仍为临时 / still provisional)' : ''}`,
            );
        }
        console.log(
          `${opts.dryRun === true ? '预演 / dry run: ' : ''}${cases.length} 件案件 / cases, ${failed} 失败 / failed`,
        );
      }
      if (failed > 0) throw new CliExit(1);
    });
};
