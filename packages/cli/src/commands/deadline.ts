/**
 * `shidian deadline --from <date> --period <P15D|15d|5wd> [--pilot <dir>] [--json]`: the due date of a
 * statutory period, with holidays, make-up workdays and the pilot's local days.
 */
import {
  type Calendar,
  type DayInfo,
  CalendarError,
  addDays,
  addPeriod,
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

/** The pilot's calendar when `--pilot` is given, else the national one. */
export async function calendarFor(pilot: string | undefined): Promise<Calendar> {
  return pilot === undefined ? createCalendar() : loadPilotCalendar(pilot);
}

interface DeadlineOptions {
  readonly from: string;
  readonly period: string;
  readonly pilot?: string;
  readonly json?: boolean;
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
    .option('--json', '输出 JSON：{ from, period, due, kind } / print JSON')
    .action(async (opts: DeadlineOptions) => {
      await withCalendarErrors(async () => {
        const calendar = await calendarFor(opts.pilot);
        const period = parsePeriod(opts.period);
        const from = toCivilDate(opts.from, calendar.timeZone);
        const due = addPeriod(from, period, calendar);
        if (opts.json === true) {
          process.stdout.write(
            `${JSON.stringify({ from, period: formatPeriod(period), due, kind: period.kind })}\n`,
          );
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
        process.stdout.write(`${lines.join('\n')}\n`);
      });
    });
};
