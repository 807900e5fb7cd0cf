import { createCalendar, deadlineCalendar } from '@shidian/calendar';
import { describe, expect, it } from 'vitest';
import { Driver, fixture, user } from './testing.js';

const r1 = user('r1', 'registrar');
const calendar = deadlineCalendar(createCalendar());
// registered on 2025-10-09 10:00 Beijing time, nine days after the letter arrived
const REGISTERED = '2025-10-09T02:00:00.000Z';

describe('shidian:deadline from — a budget anchored on the receipt, not on entering the step', () => {
  it('given a letter received 2025-09-30 23:30 (Beijing), when registered on 10-09, then 15 days run to 10-15', async () => {
    // Given the anchor 09-30 (the period starts on 10-01; the last day 10-15 is a Wednesday and a workday)
    const d = new Driver(await fixture('deadline-from.bpmn', 'anchored'), { calendar }, REGISTERED);
    // When the case starts with its receipt instant
    d.start({ receivedAt: '2025-09-30T23:30:00+08:00' });
    // Then the register-and-route budget ends at 24:00 on 2025-10-15 Beijing time
    const b = d.s.budgets[d.task('register').budget ?? ''];
    expect(b).toMatchObject({ start: '2025-09-30T23:30:00+08:00', due: '2025-10-15T16:00:00.000Z' });
    expect(d.task('register').due).toBe('2025-10-15T16:00:00.000Z');
  });

  it('given a civil-date anchor, when the budget starts, then it counts from that date', async () => {
    const d = new Driver(await fixture('deadline-from.bpmn', 'anchored'), { calendar }, REGISTERED);
    d.start({ receivedAt: '2025-09-23' });
    // 09-23 + 15 days = 10-08, still inside the National Day holiday (10-01..10-08): next workday 10-09
    expect(d.task('register').due).toBe('2025-10-09T16:00:00.000Z');
  });

  it('given no receivedAt, when the budget starts, then it counts from entering the step', async () => {
    const d = new Driver(await fixture('deadline-from.bpmn', 'anchored'), { calendar }, REGISTERED);
    d.start({});
    // started 2025-10-09 10:01 → 15 days → 10-24 (Friday)
    expect(d.task('register').due).toBe('2025-10-24T16:00:00.000Z');
  });

  it('given an unanchored 60-day budget, when the accept step completes, then it counts from that moment', async () => {
    const d = new Driver(await fixture('deadline-from.bpmn', 'anchored'), { calendar }, REGISTERED);
    d.start({ receivedAt: '2025-09-30T23:30:00+08:00' });
    d.at('2025-10-10T02:00:00.000Z').complete('register', r1);
    // accepted 2025-10-10 → 60 days → 2025-12-09 (Tuesday)
    expect(d.task('handle').due).toBe('2025-12-09T16:00:00.000Z');
  });

  it('given a receipt that is not a date, when the budget starts, then it is an ENG_ERR_BAD_DEADLINE incident', async () => {
    const d = new Driver(await fixture('deadline-from.bpmn', 'anchored'), { calendar }, REGISTERED);
    d.start({ receivedAt: 'yesterday' });
    const incidents = d.effects.filter((e) => e.type === 'incident.raised');
    expect(incidents.map((e) => (e.type === 'incident.raised' ? e.incident.code : ''))).toEqual([
      'ENG_ERR_BAD_DEADLINE',
    ]);
  });
});
