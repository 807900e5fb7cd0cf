/**
 * `pnpm bench calendar [--json]`: throughput of statutory period arithmetic (`@shidian/calendar`).
 * Reference for working days: `chinese-days`' own `findWorkday(n, date)` on the same inputs (it is
 * the data source; its runtime is not used by the package). Inputs are dates of 2025 and 2026.
 */
import { createRequire } from 'node:module';
import { addDays, addPeriod, budgetStatus, createCalendar } from '@shidian/calendar';
import { type Bench, result } from './report.js';

const require = createRequire(new URL('../../packages/calendar/package.json', import.meta.url));
const chineseDays = require('chinese-days') as { findWorkday: (delta: number, date: string) => string };

function opsPerSecond(fn: (i: number) => unknown, minMs = 400): number {
  for (let i = 0; i < 200; i++) fn(i); // warm-up
  let n = 0;
  const t0 = performance.now();
  let elapsed = 0;
  while (elapsed < minMs) {
    for (let k = 0; k < 200; k++) fn(n++);
    elapsed = performance.now() - t0;
  }
  return (n / elapsed) * 1000;
}

const bench: Bench = () => {
  const t0 = performance.now();
  const cal = createCalendar();
  cal.isWorkday('2025-01-02'); // loads the bundled data
  const coldMs = performance.now() - t0;

  const starts = Array.from({ length: 600 }, (_, i) => addDays('2025-01-01', i)); // 2025-01-01 … 2026-08-23
  const at = (i: number) => starts[i % starts.length] ?? '2025-01-01';

  const cal60 = opsPerSecond((i) => addPeriod(at(i), 'P60D', cal));
  const wd10 = opsPerSecond((i) => addPeriod(at(i), '10wd', cal));
  const ref10 = opsPerSecond((i) => chineseDays.findWorkday(10, at(i)));
  const budget = opsPerSecond((i) =>
    budgetStatus(
      {
        start: at(i),
        period: 'P60D',
        pauses: [{ from: addDays(at(i), 5), to: addDays(at(i), 7) }],
        extensions: [{ period: 'P30D', reason: 'r', approver: 'a' }],
      },
      addDays(at(i), 30),
      cal,
    ),
  );
  return Promise.resolve({
    bench: 'calendar',
    results: [
      result('createCalendar + first lookup (cold)', 'ms', coldMs, null),
      result('addPeriod P60D (calendar days)', 'ops/s', cal60, null),
      result('addPeriod 10wd vs chinese-days findWorkday(10)', 'ops/s', wd10, ref10),
      result('budgetStatus 60d + pause + 30d extension', 'ops/s', budget, null),
    ],
  });
};

export default bench;
