/**
 * `shidian calendar <year> [--pilot <dir>] [--provisional] [--json]`: the rest days and make-up
 * workdays of a year, national schedule plus the pilot's local days; `--provisional` lists the
 * provisional rest days of the year after the data, marked as such.
 */
import { type DayInfo, CalendarError, addDays } from '@shidian/calendar';
import { calendarFor, provisionalWarning, weekdayLabel, withCalendarErrors } from './deadline.js';
import type { Register } from './index.js';

interface CalendarCommandOptions {
  readonly pilot?: string;
  readonly json?: boolean;
  readonly provisional?: boolean;
}

/** Consecutive days with the same name and kind, printed as one line. */
function runs(days: readonly DayInfo[]): DayInfo[][] {
  const out: DayInfo[][] = [];
  for (const d of days) {
    const last = out[out.length - 1];
    const prev = last?.[last.length - 1];
    if (
      last !== undefined &&
      prev !== undefined &&
      addDays(prev.date, 1) === d.date &&
      prev.name === d.name &&
      prev.kind === d.kind
    )
      last.push(d);
    else out.push([d]);
  }
  return out;
}

function describeRun(run: readonly DayInfo[]): string {
  const first = run[0];
  const last = run[run.length - 1];
  if (first === undefined || last === undefined) return '';
  const span =
    run.length === 1
      ? `${first.date} ${weekdayLabel(first)}`
      : `${first.date} … ${last.date} (${run.length} 天 days)`;
  const name = [first.name, first.nameEn === undefined ? undefined : `(${first.nameEn})`]
    .filter((x) => x !== undefined)
    .join(' ');
  const pilot = first.kind.startsWith('pilot') ? `  [试点 pilot: ${first.source}]` : '';
  const provisional = first.provisional === true ? '  [暂定 provisional]' : '';
  return `  ${span}  ${name}${pilot}${provisional}`;
}

function toJson(d: DayInfo) {
  return {
    date: d.date,
    weekday: d.weekday,
    kind: d.kind,
    name: d.name ?? null,
    nameEn: d.nameEn ?? null,
    source: d.source,
    ...(d.provisional === true ? { provisional: true } : {}),
  };
}

/** Registers `shidian calendar`. */
export const register: Register = (program) => {
  program
    .command('calendar')
    .description(
      '列出某年的放假日与调休上班日（含试点本地安排） / list the rest days and make-up workdays of a year',
    )
    .argument('<year>', '年份，如 2026 / year')
    .option('--pilot <dir>', '试点配置目录 / pilot bundle directory')
    .option(
      '--provisional',
      '数据未覆盖的下一年按法定节假日暂定列出并标注 / list the year after the data provisionally, flagged',
    )
    .option('--json', '输出 JSON / print JSON')
    .action(async (yearText: string, opts: CalendarCommandOptions) => {
      await withCalendarErrors(async () => {
        if (!/^\d{4}$/.test(yearText)) throw new CalendarError('CAL_ERR_INVALID_DATE', `year ${yearText}`);
        const calendar = await calendarFor(opts.pilot, opts.provisional === true);
        const s = calendar.schedule(Number(yearText));
        if (opts.json === true) {
          const out = {
            year: s.year,
            timeZone: calendar.timeZone,
            source: s.source,
            ...(s.provisional === true ? { provisional: true } : {}),
            restDays: s.restDays.map(toJson),
            workdays: s.workdays.map(toJson),
          };
          process.stdout.write(`${JSON.stringify(out)}\n`);
          return;
        }
        const lines = [
          `${s.year} 年 节假日安排 holiday schedule（来源 source: ${s.source}；时区 ${calendar.timeZone}）`,
          `放假（休息日） rest days: ${s.restDays.length}`,
          ...runs(s.restDays).map(describeRun),
          `调休上班 make-up workdays: ${s.workdays.length}`,
          ...runs(s.workdays).map(describeRun),
          '其余周一至周五上班、周六周日休息 / otherwise Monday–Friday work, Saturday and Sunday rest',
          ...(s.provisional === true ? [provisionalWarning([s.year])] : []),
        ];
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
};
