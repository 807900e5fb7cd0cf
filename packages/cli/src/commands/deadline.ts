/**
 * `shidian deadline --from <date> --period <P15D|15d|5wd> [--pilot <dir>] [--provisional] [--json]`: the
 * due date of a statutory period, with holidays, make-up workdays and the pilot's local days.
 * `--provisional` answers the year after the data from the statutory holidays alone, flagged.
 */
import {
  type Calendar,
  type CalendarPolicy,
  type DayInfo,
  CalendarError,
  addDays,
  addPeriodDetailed,
  createCalendar,
  formatPeriod,
  loadPilotCalendar,
  parsePeriod,
  toCivilDate,
} from '@shidian/calendar';
import { CliExit } from '../exit.js';
import type { Register } from './index.js';

const WEEKDAYS_ZH = ['星期日', '星期一', '星期二', '星期三', '星期四', '星期五', '星期六'];
const WEEKDAYS_EN = ['Sun', 'Mon', 'Tue', 'Wed', 'Thu', 'Fri', 'Sat'];

/** `星期四 Thu`-style label of a day. */
export function weekdayLabel(day: DayInfo): string {
  return `${WEEKDAYS_ZH[day.weekday] ?? ''} ${WEEKDAYS_EN[day.weekday] ?? ''}`;
}

/**
 * Runs `fn`; a {@link CalendarError} is printed to stderr as `CODE: 中文 / English` and ends the CLI
 * with exit code 2 (input error). Other errors propagate.
 */
export async function withCalendarErrors<T>(fn: () => Promise<T>): Promise<T> {
  try {
    return await fn();
  } catch (err) {
    if (err instanceof CalendarError) {
      process.stderr.write(`${err.code}: ${err.message}\n  ${err.messageEn}\n`);
      throw new CliExit(2);
    }
    throw err;
  }
}

/**
 * The pilot's calendar when `--pilot` is given, else the national one; `provisional` answers the
 * year(s) after the data provisionally (see docs/calendar.md).
 */
export async function calendarFor(pilot: string | undefined, provisional = false): Promise<Calendar> {
  const policy: CalendarPolicy = provisional ? { uncoveredYears: 'provisional' } : {};
  return pilot === undefined ? createCalendar(policy) : loadPilotCalendar(pilot, policy);
}

/** The warning printed for people under every answer that rests on a provisional schedule. */
export function provisionalWarning(years: readonly number[]): string {
  const y = years.join('、');
  return (
    `⚠ 暂定 PROVISIONAL: ${y} 年国务院放假安排尚未加载，按《全国年节及纪念日放假办法》法定节假日推算（不含调休上班、补假），` +
    `安排公布后须重新计算 / the ${years.join(', ')} State Council schedule is not loaded: computed from the statutory ` +
    'holidays only (no make-up workdays), recompute when it is published'
  );
}

interface DeadlineOptions {
  readonly from: string;
  readonly period: string;
  readonly pilot?: string;
  readonly json?: boolean;
  readonly provisional?: boolean;
}

/** Registers `shidian deadline`. */
export const register: Register = (program) => {
  program
    .command('deadline')
    .description(
      '计算法定期限的截止日期（起算日不计入，节假日顺延/工作日跳过） / compute the due date of a statutory period',
    )
    .requiredOption(
      '--from <date>',
      '起算日 YYYY-MM-DD（或带时区的 ISO 时间，按试点时区取日期） / start day (not counted)',
    )
    .requiredOption(
      '--period <period>',
      '期间：P15D、15d、15日 = 日；5wd、P5WD、5个工作日 = 工作日 / calendar or working days',
    )
    .option(
      '--pilot <dir>',
      '试点配置目录（读取其日历：本地休息日、工作日、新年度安排） / pilot bundle directory',
    )
    .option(
      '--provisional',
      '数据未覆盖的下一年按法定节假日暂定推算并标注（不含调休） / answer the year after the data provisionally, flagged',
    )
    .option('--json', '输出 JSON：{ from, period, due, kind } / print JSON')
    .action(async (opts: DeadlineOptions) => {
      await withCalendarErrors(async () => {
        const calendar = await calendarFor(opts.pilot, opts.provisional === true);
        const period = parsePeriod(opts.period);
        const from = toCivilDate(opts.from, calendar.timeZone);
        const result = addPeriodDetailed(from, period, calendar);
        const due = result.due;
        if (opts.json === true) {
          const out = { from, period: formatPeriod(period), due, kind: period.kind };
          const flag =
            opts.provisional !== true
              ? {}
              : result.provisional
                ? { provisional: true, provisionalYears: result.provisionalYears }
                : { provisional: false };
          process.stdout.write(`${JSON.stringify({ ...out, ...flag })}\n`);
          return;
        }
        const day = calendar.day(due);
        const unit =
          period.kind === 'calendar'
            ? `${period.days} 日 (calendar days)`
            : `${period.days} 个工作日 (working days)`;
        const lines = [
          `截止日期 due: ${due} ${weekdayLabel(day)}`,
          `期间 period: ${formatPeriod(period)} = ${unit}，自 ${from} 起算（当日不计入 / start day not counted）`,
        ];
        if (period.kind === 'calendar') {
          const last = addDays(from, period.days);
          if (last !== due) {
            const info = calendar.day(last);
            lines.push(
              `顺延 rolled over: ${last} ${info.name ?? weekdayLabel(info)} 为休息日 / is a rest day → ${due}`,
            );
          }
        }
        if (result.provisional) lines.push(provisionalWarning(result.provisionalYears));
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
};
