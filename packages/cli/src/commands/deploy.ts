/**
 * `shidian deploy <pilot-dir> --server <url> --token <t> [--county <id>] [--json]`: validates a
 * pilot bundle and, when it is valid, sends it to the server as a new deployment
 * (`POST /api/pilots/{pilotId}/deployments` with `{ files: { path: content }, countyId? }`).
 * An invalid bundle is refused before anything is sent (exit 1); the server validates again and
 * may refuse it too (422, exit 1). Network and HTTP failures exit 2.
 */
import {
  formatProblem,
  loadBundle,
  PilotError,
  pilotMessage,
  validateBundle,
  type Problem,
} from '@shidian/pilot';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

interface DeployOptions {
  readonly server: string;
  readonly token?: string;
  readonly county?: string;
  readonly json?: boolean;
}

/** What the server answers to a deployment. */
interface DeployAnswer {
  readonly deploymentId?: string;
  readonly version?: number;
  readonly created?: boolean;
  readonly code?: string;
  readonly message?: string;
  readonly details?: { readonly problems?: readonly Problem[] };
}

function fail(
  json: boolean | undefined,
  code: 'PILOT_ERR_DEPLOY_HTTP' | 'PILOT_ERR_DIR_NOT_FOUND',
  args: string[],
  exit: number,
): never {
  const m = pilotMessage(code, args);
  if (json === true) console.log(JSON.stringify({ ok: false, error: { code, message: m } }));
  else console.error(`${code} ${m.zh} / ${m.en}`);
  throw new CliExit(exit);
}

export const register: Register = (program) => {
  program
    .command('deploy')
    .description('校验并部署试点配置包 / validate a pilot bundle and deploy it to a server')
    .argument('<pilot-dir>', 'bundle directory (with pilot.yaml or pilot.json)')
    .requiredOption('--server <url>', 'server base URL, e.g. http://localhost:3000')
    .option('--token <token>', 'API bearer token (default: $SHIDIAN_TOKEN)')
    .option('--county <id>', 'county to deploy into (default: the only county you administer)')
    .option('--json', 'print one JSON object')
    .action(async (dir: string, opts: DeployOptions) => {
      const token = opts.token ?? process.env.SHIDIAN_TOKEN;
      if (token === undefined || token === '') {
        console.error('--token (或环境变量 SHIDIAN_TOKEN) 必填 / --token or SHIDIAN_TOKEN is required');
        throw new CliExit(2);
      }
      let base: URL;
      try {
        base = new URL(opts.server);
      } catch {
        console.error(`--server 不是有效的网址 / not a URL: ${opts.server}`);
        throw new CliExit(2);
      }
      let bundle;
      try {
        bundle = loadBundle(dir);
      } catch (err) {
        if (err instanceof PilotError && err.code === 'PILOT_ERR_DIR_NOT_FOUND')
          fail(opts.json, err.code, [dir], 2);
        throw err;
      }
      const report = await validateBundle(bundle);
      if (!report.ok || report.bundle === undefined) {
        const refused = pilotMessage('PILOT_ERR_DEPLOY_REFUSED');
        if (opts.json === true)
          console.log(
            JSON.stringify(
              {
                ok: false,
                error: { code: 'PILOT_ERR_DEPLOY_REFUSED', message: refused },
                problems: report.problems,
              },
              null,
              2,
            ),
          );
        else {
          for (const p of report.problems) console.log(formatProblem(p));
          console.log(`✗ PILOT_ERR_DEPLOY_REFUSED ${refused.zh} / ${refused.en}`);
        }
        throw new CliExit(1);
      }
      const pilotId = report.bundle.manifest.id;
      const url = new URL(
        `api/pilots/${encodeURIComponent(pilotId)}/deployments`,
        base.href.endsWith('/') ? base : `${base.href}/`,
      );
      let res: Response;
      try {
        res = await fetch(url, {
          method: 'POST',
          headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` },
          body: JSON.stringify({
            files: Object.fromEntries(bundle.files),
            ...(opts.county !== undefined ? { countyId: opts.county } : {}),
          }),
        });
      } catch (err) {
        fail(
          opts.json,
          'PILOT_ERR_DEPLOY_HTTP',
          [
            err instanceof Error
              ? `${err.message} ${String((err.cause as Error | undefined)?.message ?? '')}`.trim()
              : String(err),
          ],
          2,
        );
      }
      let answer: DeployAnswer = {};
      try {
        answer = (await res.json()) as DeployAnswer;
      } catch {
        // not JSON: reported by status below
      }
      if (res.status === 200 || res.status === 201) {
        if (opts.json === true)
          console.log(JSON.stringify({ ok: true, pilotId, status: res.status, ...answer }, null, 2));
        else
          console.log(
            `✓ ${pilotId} → ${answer.deploymentId ?? '?'} (v${answer.version ?? '?'}${answer.created === false ? ', 内容相同，未新建 / identical content, not re-created' : ''})`,
          );
        return;
      }
      if (res.status === 422 && answer.details?.problems !== undefined) {
        if (opts.json === true)
          console.log(
            JSON.stringify(
              { ok: false, status: res.status, code: answer.code, problems: answer.details.problems },
              null,
              2,
            ),
          );
        else {
          for (const p of answer.details.problems) console.log(formatProblem(p));
          console.log(`✗ ${answer.code ?? 'HTTP 422'} 服务器拒绝部署 / the server refused the deployment`);
        }
        throw new CliExit(1);
      }
      fail(
        opts.json,
        'PILOT_ERR_DEPLOY_HTTP',
        [`HTTP ${res.status} ${answer.code ?? ''} ${answer.message ?? ''}`.trim()],
        2,
      );
    });
};
