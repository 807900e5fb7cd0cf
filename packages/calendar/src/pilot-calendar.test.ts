import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { addPeriod } from './add-period.js';
import { expectCodeAsync } from './fixtures/expect-code.js';
import { loadPilotCalendar, pilotCalendarFromFiles, readPilotCalendarOptions } from './pilot-calendar.js';

const fixture = (name: string) => fileURLToPath(new URL(`./fixtures/${name}`, import.meta.url));

describe('loadPilotCalendar', () => {
  it('reads the calendar key of pilot.json, with further years from files next to it', async () => {
    // Given a pilot with a county holiday, a local workday and a 2027 schedule file
    const cal = await loadPilotCalendar(fixture('pilot-inline'));
    // Then the local days apply and 2027 is covered
    expect(cal.day('2026-07-01')).toMatchObject({ work: false, kind: 'pilot-rest-day', name: '县庆' });
    expect(cal.isWorkday('2026-10-07')).toBe(true);
    expect(cal.covers(2027)).toBe(true);
    expect(addPeriod('2027-01-21', 'P15D', cal)).toBe('2027-02-12'); // lands on 02-05 in the fixture's Spring Festival
    expect(addPeriod('2026-12-25', '10d', cal)).toBe('2027-01-04');
  });

  it('reads a separate calendar.json', async () => {
    const cal = await loadPilotCalendar(fixture('pilot-separate'));
    expect(cal.isRestDay('2025-11-11')).toBe(true);
    expect(addPeriod('2025-11-10', '1wd', cal)).toBe('2025-11-12');
  });

  it('follows a calendar key that names a file', async () => {
    const cal = await loadPilotCalendar(fixture('pilot-ref'));
    expect(cal.day('2025-10-08')).toMatchObject({ work: true, source: 'referenced file (fixture)' });
  });

  it('gives the national calendar to a pilot without local changes', async () => {
    expect(await readPilotCalendarOptions(fixture('pilot-none'))).toEqual({});
    const cal = await loadPilotCalendar(fixture('pilot-none'));
    expect(cal.isRestDay('2025-10-08')).toBe(true);
    expect(cal.covers(2027)).toBe(false);
  });

  it('reads the calendar of a YAML manifest, with `holidays` as the schema names rest days', async () => {
    const cal = await loadPilotCalendar(fixture('pilot-yaml'));
    expect(cal.isRestDay('2026-07-01')).toBe(true);
  });

  it('merges the manifest section with calendar.json (next year from the separate file)', async () => {
    const cal = await loadPilotCalendar(fixture('pilot-merged'));
    expect(cal.isRestDay('2025-11-11')).toBe(true); // manifest `holidays`
    expect(cal.isRestDay('2025-11-12')).toBe(true); // calendar.json `restDays`
    expect(cal.isWorkday('2025-10-08')).toBe(true); // manifest `workdays`
    expect(cal.isRestDay('2027-01-01')).toBe(true); // calendar.json `years`
  });

  it('reads a bundle held in memory', async () => {
    const cal = await pilotCalendarFromFiles(
      new Map([
        ['pilot.yaml', 'id: mem\ncalendar: cal/local.yaml\n'],
        ['cal/local.yaml', 'restDays: [{ date: 2026-07-01, name: 县庆 }]\nyears: [y2027.json]\n'],
        ['cal/y2027.json', '{ "year": 2027, "restDays": [], "workdays": [] }'],
      ]),
    );
    expect(cal.holidayName('2026-07-01')).toBe('县庆');
    expect(cal.covers(2027)).toBe(true);
    await expectCodeAsync(
      () => pilotCalendarFromFiles(new Map([['pilot.json', '{ "calendar": "missing.json" }']])),
      'CAL_ERR_PILOT_CALENDAR',
    );
  });

  it('refuses broken configurations with codes', async () => {
    await expectCodeAsync(() => loadPilotCalendar(fixture('pilot-bad-key')), 'CAL_ERR_PILOT_CALENDAR');
    await expectCodeAsync(() => loadPilotCalendar(fixture('pilot-escape')), 'CAL_ERR_PILOT_CALENDAR');
    await expectCodeAsync(() => loadPilotCalendar(fixture('pilot-tz-clash')), 'CAL_ERR_PILOT_CALENDAR');
    await expectCodeAsync(
      () => pilotCalendarFromFiles(new Map([['calendar.json', '{ "restDays": [']])),
      'CAL_ERR_PILOT_CALENDAR',
    );
    await expectCodeAsync(
      () => pilotCalendarFromFiles(new Map([['pilot.yaml', 'calendar: [unclosed']])),
      'CAL_ERR_PILOT_CALENDAR',
    );
    await expectCodeAsync(() => loadPilotCalendar(fixture('no-such-pilot')), 'CAL_ERR_PILOT_CALENDAR');
    await expectCodeAsync(() => loadPilotCalendar(fixture('pilot-conflict')), 'CAL_ERR_CONFLICTING_DAYS');
  });
});
