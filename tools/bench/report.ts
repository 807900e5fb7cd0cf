/**
 * Shared shape and printing of benchmark results. Every `pnpm bench <name>` prints a readable table,
 * or with `--json` exactly one JSON object:
 * `{ "bench": name, "results": [{ "metric", "unit", "ours", "reference", "ratio" }] }`.
 */
export interface BenchResult {
  readonly metric: string;
  readonly unit: string;
  readonly ours: number;
  /** The named reference measured in the same run (null when the metric has no reference). */
  readonly reference: number | null;
  /** ours / reference (null without a reference). Whether higher is better depends on the metric. */
  readonly ratio: number | null;
}

export interface BenchReport {
  readonly bench: string;
  readonly results: readonly BenchResult[];
}

/** A bench module: `tools/bench/<name>.ts` default-exports one of these. */
export type Bench = (args: readonly string[]) => Promise<BenchReport>;

export function result(metric: string, unit: string, ours: number, reference: number | null): BenchResult {
  const ratio = reference === null || reference === 0 ? null : ours / reference;
  return { metric, unit, ours: round(ours), reference: reference === null ? null : round(reference), ratio: ratio === null ? null : round(ratio) };
}

function round(n: number): number {
  return Math.abs(n) >= 100 ? Math.round(n) : Number(n.toPrecision(4));
}

export function printReport(report: BenchReport, json: boolean): void {
  if (json) {
    process.stdout.write(JSON.stringify(report) + '\n');
    return;
  }
  console.log(`bench ${report.bench}`);
  console.table(
    report.results.map((r) => ({ metric: r.metric, unit: r.unit, ours: r.ours, reference: r.reference ?? '', ratio: r.ratio ?? '' })),
  );
}
