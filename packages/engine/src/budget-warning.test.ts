/**
 * The warning instant of a budget agrees with `budgetStatus` of `@shidian/calendar` (docs/calendar.md
 * §6) on the real 2025 schedule: National Day + Mid-Autumn 10-01…10-08 off, make-up workdays Sunday
 * 09-28 and Saturday 10-11. 10:00 Beijing is 02:00Z; 00:00 Beijing of day D is 16:00Z of D − 1.
 */
import { budgetStatus, createCalendar, deadlineCalendar } from '@shidian/calendar';
import { describe, expect, it } from 'vitest';
import { budgetDue, budgetWarning } from './budget-ledger.js';

const cal = createCalendar();
const calendar = deadlineCalendar(cal);
const startOf = (day: string): string => new Date(Date.parse(`${day}T00:00:00+08:00`)).toISOString();

/** The first day from `from` on which `budgetStatus` says `warning` (or overdue). */
function firstWarningDay(start: string, period: string, warning: string, from: string): string {
  let day = from;
  for (let i = 0; i < 120; i++) {
    const s = budgetStatus({ start, period, pauses: [], extensions: [] }, day, cal, { warning: [warning] });
    if (s.state !== 'normal') return day;
    day = new Date(Date.parse(`${day}T00:00:00Z`) + 86_400_000).toISOString().slice(0, 10);
  }
  throw new Error('no warning');
}

describe('budgetWarning — a period threshold counted with the calendar', () => {
  // 15 days from 09-24 end on Thursday 10-09 (a workday right after the holiday)
  const start = '2025-09-24T02:00:00.000Z';
  const due = budgetDue(
    { id: 'b1', node: 'n', period: '15d', kind: 'calendar', start, due: '', onTimeout: 'remind' },
    calendar,
  ).due;

  it('given a budget due 2025-10-09 and warning 3wd, when the warning is computed, then it is 00:00 of the make-up workday 09-28', () => {
    expect(due).toBe('2025-10-09T16:00:00.000Z');
    // working days back from the due day: 10-09, 09-30, 09-29, 09-28 (make-up Sunday); 10-01…10-08 are off
    const at = budgetWarning(start, due, '3wd', calendar);
    expect(at).toBe(startOf('2025-09-28'));
    // and the calendar package turns the budget to `warning` on that very day, not the day before
    expect(firstWarningDay('2025-09-24', 'P15D', '3wd', '2025-09-25')).toBe('2025-09-28');
  });

  it('given the same budget and warning 10d, when the warning is computed, then it is 00:00 of 09-29 (calendar days, remaining.days ≤ 10)', () => {
    const at = budgetWarning(start, due, '10d', calendar);
    expect(at).toBe(startOf('2025-09-29'));
    expect(firstWarningDay('2025-09-24', 'P15D', '10d', '2025-09-25')).toBe('2025-09-29');
  });

  it('given a budget due on 10-13 (after the make-up Saturday 10-11), when warning 2wd, then the Saturday counts and the holiday does not: 10-09', () => {
    // 19 days from 09-24 → 10-13 (Monday); working days back: 10-13, 10-11 (make-up), 10-10 → warn on 10-10
    const d = budgetDue(
      { id: 'b2', node: 'n', period: '19d', kind: 'calendar', start, due: '', onTimeout: 'remind' },
      calendar,
    ).due;
    expect(d).toBe('2025-10-13T16:00:00.000Z');
    expect(budgetWarning(start, d, '2wd', calendar)).toBe(startOf('2025-10-10'));
    expect(firstWarningDay('2025-09-24', 'P19D', '2wd', '2025-09-25')).toBe('2025-10-10');
  });

  it('given a percentage, when the warning is computed, then it stays a fraction of the budget', () => {
    const at = budgetWarning(start, due, '20%', calendar);
    const span = Date.parse(due) - Date.parse(start);
    expect(Date.parse(at ?? '')).toBe(Date.parse(due) - Math.round(span * 0.2));
  });

  it('given a warning longer than the budget, when the warning is computed, then there is none', () => {
    expect(budgetWarning(start, due, '12wd', calendar)).toBeUndefined();
    expect(budgetWarning(start, due, 'soon', calendar)).toBeUndefined();
  });
});
