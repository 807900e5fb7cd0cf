import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it, vi } from 'vitest';
import { main } from '../main.js';

const pilotDir = fileURLToPath(new URL('../../../calendar/src/fixtures/pilot-inline', import.meta.url));

let out: string[] = [];
let err: string[] = [];
beforeEach(() => {
  out = [];
  err = [];
  vi.spyOn(process.stdout, 'write').mockImplementation(
    (chunk: string | Uint8Array) => (out.push(String(chunk)), true),
  );
  vi.spyOn(process.stderr, 'write').mockImplementation(
    (chunk: string | Uint8Array) => (err.push(String(chunk)), true),
  );
});
afterEach(() => {
  vi.restoreAllMocks();
});

async function run(...argv: string[]): Promise<{ code: number; stdout: string; stderr: string }> {
  const code = await main(argv);
  return { code, stdout: out.join(''), stderr: err.join('') };
}

describe('shidian deadline', () => {
  it('--json prints exactly from, period, due and kind', async () => {
    const r = await run('deadline', '--from', '2025-09-23', '--period', '15d', '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      from: '2025-09-23',
      period: 'P15D',
      due: '2025-10-09',
      kind: 'calendar',
    });
  });

  it.each([
    ['2025-01-20', 'P15D', '2025-02-05', 'calendar'],
    ['2026-01-31', '15d', '2026-02-24', 'calendar'],
    ['2025-09-26', '5wd', '2025-10-10', 'working'],
    ['2026-02-13', 'P2WD', '2026-02-24', 'working'],
  ])('from %s + %s → %s (%s)', async (from, period, due, kind) => {
    const r = await run('deadline', '--from', from, '--period', period, '--json');
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toMatchObject({ from, due, kind });
  });

  it('prints the due date and the roll-over for people', async () => {
    const r = await run('deadline', '--from', '2025-09-23', '--period', 'P15D');
    expect(r.code).toBe(0);
    expect(r.stdout.split('\n')[0]).toContain('2025-10-09');
    expect(r.stdout).toContain('2025-10-08');
  });

  it('takes a receipt time with an offset and uses its day in the pilot zone', async () => {
    const r = await run('deadline', '--from', '2025-03-03T23:30:00+08:00', '--period', '15d', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ from: '2025-03-03', due: '2025-03-18' });
  });

  it('uses the pilot calendar with --pilot', async () => {
    const national = await run('deadline', '--from', '2026-06-30', '--period', '1wd', '--json');
    expect(JSON.parse(national.stdout)).toMatchObject({ due: '2026-07-01' });
    out = [];
    const pilot = await run(
      'deadline',
      '--from',
      '2026-06-30',
      '--period',
      '1wd',
      '--pilot',
      pilotDir,
      '--json',
    );
    expect(JSON.parse(pilot.stdout)).toMatchObject({ due: '2026-07-02' }); // 07-01 is the county's holiday
    out = [];
    const nextYear = await run(
      'deadline',
      '--from',
      '2027-01-21',
      '--period',
      'P15D',
      '--pilot',
      pilotDir,
      '--json',
    );
    expect(JSON.parse(nextYear.stdout)).toMatchObject({ due: '2027-02-12' });
  });

  it.each([
    [['--from', '2025-02-29', '--period', '15d'], 'CAL_ERR_INVALID_DATE'],
    [['--from', '2025/01/01', '--period', '15d'], 'CAL_ERR_INVALID_DATE'],
    [['--from', '2025-01-01', '--period', '0d'], 'CAL_ERR_PERIOD_NOT_POSITIVE'],
    [['--from', '2025-01-01', '--period=-3wd'], 'CAL_ERR_PERIOD_NOT_POSITIVE'],
    [['--from', '2025-01-01', '--period', '2 weeks'], 'CAL_ERR_PERIOD_SYNTAX'],
    [['--from', '2026-12-25', '--period', '10d'], 'CAL_ERR_YEAR_NOT_COVERED'],
    [['--from', '2028-02-29', '--period', '1d'], 'CAL_ERR_YEAR_NOT_COVERED'],
    [['--from', '2025-01-01', '--period', '1d', '--pilot', '/nonexistent/pilot'], 'CAL_ERR_PILOT_CALENDAR'],
  ])('bad input %j → %s on stderr, exit 2, nothing on stdout', async (args, code) => {
    const r = await run('deadline', ...args, '--json');
    expect(r.code).toBe(2);
    expect(r.stderr.startsWith(`${code}:`)).toBe(true);
    expect(r.stdout).toBe('');
  });

  it('a missing option is a usage error (exit 2)', async () => {
    const r = await run('deadline', '--from', '2025-01-01');
    expect(r.code).toBe(2);
    expect(r.stdout).toBe('');
  });
});

describe('shidian deadline --provisional (a year the data does not cover yet)', () => {
  it('answers a period reaching 2027 and flags it in the JSON', async () => {
    // Given today 2026-11-22 and the 60-day handling period, which ends in 2027
    const r = await run('deadline', '--from', '2026-11-22', '--period', 'P60D', '--provisional', '--json');
    // Then the due date is given, flagged provisional with the years it depends on
    expect(r.code).toBe(0);
    expect(JSON.parse(r.stdout)).toEqual({
      from: '2026-11-22',
      period: 'P60D',
      due: '2027-01-21',
      kind: 'calendar',
      provisional: true,
      provisionalYears: [2027],
    });
  });

  it('rolls over the provisional 2027 holidays (春节 from 除夕 02-05 to 初三 02-08)', async () => {
    const r = await run('deadline', '--from', '2027-01-22', '--period', '15d', '--provisional', '--json');
    expect(JSON.parse(r.stdout)).toMatchObject({ due: '2027-02-09', provisional: true });
  });

  it('says provisional: false for a covered answer, and the output without the flag is unchanged', async () => {
    const r = await run('deadline', '--from', '2025-09-23', '--period', '15d', '--provisional', '--json');
    expect(JSON.parse(r.stdout)).toEqual({
      from: '2025-09-23',
      period: 'P15D',
      due: '2025-10-09',
      kind: 'calendar',
      provisional: false,
    });
  });

  it('prints a warning line for people', async () => {
    const r = await run('deadline', '--from', '2026-11-22', '--period', 'P60D', '--provisional');
    expect(r.code).toBe(0);
    const lines = r.stdout.trim().split('\n');
    expect(lines[0]).toContain('2027-01-21');
    expect(lines.filter((l) => l.includes('PROVISIONAL'))).toHaveLength(1);
    out = [];
    const covered = await run('deadline', '--from', '2025-09-23', '--period', 'P15D', '--provisional');
    expect(covered.stdout).not.toContain('PROVISIONAL');
  });

  it('still refuses without the flag, and beyond the provisional horizon with it', async () => {
    const strict = await run('deadline', '--from', '2026-11-22', '--period', 'P60D', '--json');
    expect(strict.code).toBe(2);
    expect(strict.stderr.startsWith('CAL_ERR_YEAR_NOT_COVERED:')).toBe(true);
    err = [];
    const far = await run('deadline', '--from', '2027-12-20', '--period', 'P30D', '--provisional', '--json');
    expect(far.code).toBe(2);
    expect(far.stderr.startsWith('CAL_ERR_YEAR_NOT_COVERED:')).toBe(true);
    expect(far.stdout).toBe('');
  });

  it('works with a pilot calendar: its local days win', async () => {
    const r = await run(
      'deadline',
      '--from',
      '2026-11-22',
      '--period',
      'P60D',
      '--pilot',
      pilotDir,
      '--provisional',
      '--json',
    );
    // this pilot loads the 2027 schedule itself: nothing is provisional
    expect(JSON.parse(r.stdout)).toMatchObject({ due: '2027-01-21', provisional: false });
  });
});

describe('shidian calendar', () => {
  it('--provisional lists the provisional rest days of 2027, marked as such', async () => {
    const r = await run('calendar', '2027', '--provisional', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      provisional: boolean;
      restDays: { date: string; provisional?: boolean; name: string }[];
      workdays: unknown[];
    };
    expect(s.provisional).toBe(true);
    expect(s.workdays).toEqual([]);
    expect(s.restDays.map((d) => d.date)).toEqual([
      '2027-01-01',
      '2027-02-05',
      '2027-02-06',
      '2027-02-07',
      '2027-02-08',
      '2027-04-05',
      '2027-05-01',
      '2027-05-02',
      '2027-06-09',
      '2027-09-15',
      '2027-10-01',
      '2027-10-02',
      '2027-10-03',
    ]);
    expect(s.restDays.every((d) => d.provisional === true)).toBe(true);
    out = [];
    const human = await run('calendar', '2027', '--provisional');
    expect(human.stdout).toContain('2027-02-05 … 2027-02-08');
    expect(human.stdout).toContain('[暂定 provisional]');
    expect(human.stdout).toContain('PROVISIONAL');
    out = [];
    const covered = await run('calendar', '2025', '--provisional', '--json');
    expect('provisional' in (JSON.parse(covered.stdout) as object)).toBe(false);
  });

  it('lists the rest days and make-up workdays of 2025 as JSON', async () => {
    const r = await run('calendar', '2025', '--json');
    expect(r.code).toBe(0);
    const s = JSON.parse(r.stdout) as {
      year: number;
      restDays: { date: string }[];
      workdays: { date: string }[];
    };
    expect(s.year).toBe(2025);
    expect(s.workdays.map((d) => d.date)).toEqual([
      '2025-01-26',
      '2025-02-08',
      '2025-04-27',
      '2025-09-28',
      '2025-10-11',
    ]);
    expect(s.restDays.map((d) => d.date)).toEqual(
      expect.arrayContaining(['2025-01-28', '2025-02-04', '2025-10-08', '2025-04-04']),
    );
  });

  it('prints holiday blocks for people, with pilot days marked', async () => {
    const r = await run('calendar', '2026', '--pilot', pilotDir);
    expect(r.code).toBe(0);
    expect(r.stdout).toContain('2026-02-15 … 2026-02-23');
    expect(r.stdout).toContain('县庆');
  });

  it('refuses uncovered or malformed years with a code and exit 2', async () => {
    for (const [year, code] of [
      ['2027', 'CAL_ERR_YEAR_NOT_COVERED'],
      ['20x6', 'CAL_ERR_INVALID_DATE'],
    ] as const) {
      err = [];
      const r = await run('calendar', year);
      expect(r.code).toBe(2);
      expect(r.stderr.startsWith(`${code}:`)).toBe(true);
    }
  });
});
