/**
 * `shidian audit verify [--county <id>] [--case <id>] [--json]`: recomputes the audit hash chains
 * (all, one county's, or one case's) and reports the first broken link. Exit 0 when every chain
 * verifies, 1 when a link is broken, 2 on usage or connection errors.
 */
import { isStoreError, isUuid, openStore, verifyAudit } from '@shidian/store';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

interface VerifyOptions {
  readonly county?: string;
  readonly case?: string;
  readonly databaseUrl?: string;
  readonly dataDir?: string;
  readonly json?: boolean;
}

export const register: Register = (program) => {
  const audit = program.command('audit').description('审计日志 / audit log');
  audit
    .command('verify')
    .description(
      '校验审计哈希链并报告第一个断点 / verify the audit hash chains and report the first broken link',
    )
    .option('--county <id>', 'only this county')
    .option('--case <id>', 'only this case')
    .option(
      '--database-url <url>',
      'PostgreSQL URL (default: $DATABASE_URL; without it the embedded database is used)',
    )
    .option('--data-dir <dir>', 'embedded database directory (default .data/pglite)')
    .option('--json', 'print one JSON object')
    .action(async (opts: VerifyOptions) => {
      if (opts.case !== undefined && !isUuid(opts.case)) {
        console.error(`--case 必须是案件编号（UUID）/ --case must be a case id (UUID): ${opts.case}`);
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
      try {
        const r = await verifyAudit(store.db, {
          ...(opts.county === undefined ? {} : { countyId: opts.county }),
          ...(opts.case === undefined ? {} : { caseId: opts.case }),
        });
        if (opts.json === true) console.log(JSON.stringify(r));
        else if (r.ok)
          console.log(`审计链完整 / audit chains intact: ${r.chains} chains, ${r.events} events`);
        else {
          const b = r.firstBroken;
          const why = {
            hash: '哈希不符 / hash mismatch',
            prev: '前序哈希不符 / previous-hash mismatch',
            gap: '序号缺失 / sequence gap',
          }[b?.reason ?? 'hash'];
          console.log(
            `审计链断裂 / broken audit chain: county ${b?.countyId} chain ${b?.chain} seq ${b?.seq}: ${why}`,
          );
        }
        if (!r.ok) throw new CliExit(1);
      } finally {
        await store.close();
      }
    });
};
