/**
 * What the reference processes' external connectors do, as data: given a `job.requested` (its
 * connector and variables) and the case state, the commands that finish it. Shared by the in-memory
 * {@link PilotRunner} and the database `StoreDriver`, so both run the same reference semantics.
 */
import type { Command, EngineState, Json, Variables } from '@shidian/engine';

const SYSTEM = { id: 'system', supervisor: true } as const;

function isRecord(v: Json | undefined): v is { readonly [k: string]: Json } {
  return typeof v === 'object' && v !== null && !Array.isArray(v);
}

/**
 * The commands that complete one job of the reference connectors: `case.extendDeadline` extends the
 * `handling` budget by `extension.days` (the engine allows one extension of a statutory budget) and
 * completes; `case.checkDuplicate` completes with `duplicateOf` (given by the caller, who can look
 * at other cases); `case.resumeDeadline`, `case.markFinal` and unknown connectors just complete.
 *
 * @example
 * ```ts
 * for (const cmd of referenceJobCommands(job, state, { duplicateOf: null })) await send(cmd);
 * ```
 */
export function referenceJobCommands(
  job: { readonly jobId: string; readonly connector: string; readonly variables: Variables },
  state: EngineState,
  options: { readonly duplicateOf?: string | null } = {},
): Command[] {
  const done = (variables: Variables = {}): Command => ({
    type: 'job-completed',
    jobId: job.jobId,
    variables,
    actor: SYSTEM,
  });
  switch (job.connector) {
    case 'case.checkDuplicate':
      return [done({ duplicateOf: options.duplicateOf ?? null })];
    case 'case.extendDeadline': {
      const ext = job.variables.extension;
      const days = isRecord(ext) && typeof ext.days === 'number' ? ext.days : 30;
      const budget = Object.values(state.budgets).find((b) => b.name === 'handling');
      const out: Command[] = [];
      if (budget !== undefined) {
        out.push({
          type: 'extend-deadline',
          budgetId: budget.id,
          period: `${days}d`,
          approver: isRecord(ext) && typeof ext.approvedBy === 'string' ? ext.approvedBy : 'head',
          reason: isRecord(ext) && typeof ext.reason === 'string' ? ext.reason : '',
          actor: SYSTEM,
        });
      }
      out.push(done());
      return out;
    }
    default:
      return [done()];
  }
}

/** Petitioner id number (or name) + claim summaries: what makes two items the same matter. */
export function caseKey(v: Variables): string | undefined {
  const petitioners = v.petitioners;
  const claims = v.claims;
  if (!Array.isArray(petitioners) || !Array.isArray(claims)) return undefined;
  const first = petitioners[0] as Json | undefined;
  const who = isRecord(first) ? String(first.idNumber ?? first.name ?? '') : '';
  const what = (claims as Json[])
    .map((c) => (isRecord(c) ? String(c.summary ?? '') : ''))
    .sort()
    .join('|');
  return `${who}#${what}`;
}
