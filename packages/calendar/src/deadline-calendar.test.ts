import { describe, expect, it } from 'vitest';
import { createCalendar } from './calendar.js';
import { deadlineCalendar, dueInstant, periodOfKind } from './deadline-calendar.js';
import { expectCode } from './fixtures/expect-code.js';

const cal = createCalendar();

describe('dueInstant: from a receipt time to the instant the period runs out', () => {
  it('a letter received at 23:30 Beijing time counts from the next day and runs out at 24:00 of the due date', () => {
    // Given a letter received on 2025-09-23 at 23:30 Beijing time (15:30 UTC)
    // When the 15-day registration period is computed
    // Then the start day 09-23 is not counted, 10-08 is a holiday, so the period ends at 24:00 on 10-09
    expect(dueInstant('2025-09-23T15:30:00Z', 'P15D', cal)).toBe('2025-10-09T16:00:00.000Z');
    // 23:30 on Monday 03-03 starts that day (due Tuesday 03-18); half an hour later it is 03-04 (due 03-19)
    expect(dueInstant('2025-03-03T23:30:00+08:00', 'P15D', cal)).toBe('2025-03-18T16:00:00.000Z');
    expect(dueInstant('2025-03-04T00:30:00+08:00', 'P15D', cal)).toBe('2025-03-19T16:00:00.000Z');
  });
});

describe('deadlineCalendar: the adapter the engine takes', () => {
  const dc = deadlineCalendar(cal);
  it('uses the given kind for generic day periods', () => {
    expect(periodOfKind('P10D', 'working')).toEqual({ kind: 'working', days: 10 });
    expect(dc.due('2025-12-31T09:00:00+08:00', 'P10D', 'working')).toBe('2026-01-15T16:00:00.000Z');
    expect(dc.due('2025-09-26T09:00:00+08:00', '5wd', 'working')).toBe('2025-10-10T16:00:00.000Z');
    expect(dc.due('2025-09-23T09:00:00+08:00', '15d', 'calendar')).toBe('2025-10-09T16:00:00.000Z');
  });
  it('refuses a working-day text declared as calendar days', () => {
    expectCode(() => dc.due('2025-09-26T09:00:00+08:00', '5wd', 'calendar'), 'CAL_ERR_PERIOD_SYNTAX');
    expectCode(() => dc.due('2025-09-26T09:00', '5wd', 'working'), 'CAL_ERR_INVALID_INSTANT');
  });
});
