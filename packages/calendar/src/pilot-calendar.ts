/**
 * Reading the calendar part of a pilot bundle: local rest days and workdays, further years of
 * State Council schedule, and the pilot's time zone.
 */
import { readFile, stat } from 'node:fs/promises';
import { posix, relative, resolve, sep } from 'node:path';
import { parse as parseYaml } from 'yaml';
import { type Calendar, type CalendarOptions, createCalendar } from './calendar.js';
import { CalendarError } from './errors.js';
import type { DayEntry, YearData } from './year-data.js';

/**
 * The calendar section of a pilot: the `calendar` key of the manifest (`pilot.yaml`, `pilot.yml` or
 * `pilot.json`) and/or a `calendar.json` file next to it.
 *
 * @example
 * {
 *   "timeZone": "Asia/Shanghai",
 *   "source": "某县人民政府通知",
 *   "restDays": [{ "date": "2026-07-01", "name": "县庆" }],
 *   "workdays": [],
 *   "years": ["calendar/2027.json"]
 * }
 */
export interface PilotCalendarConfig {
  /** IANA zone of the pilot (default Asia/Shanghai). */
  readonly timeZone?: string;
  /** Where the local days come from (a local notice). */
  readonly source?: string;
  /** Local rest days. */
  readonly restDays?: readonly DayEntry[];
  /** Same as `restDays` (an alias kept for manifests that say `holidays`); both lists are merged. */
  readonly holidays?: readonly DayEntry[];
  /** Local workdays. */
  readonly workdays?: readonly DayEntry[];
  /** Further years of State Council schedule: inline {@link YearData} or bundle paths (relative to the file) of JSON or YAML files holding one. */
  readonly years?: readonly (YearData | string)[];
}

/** Manifest file names, in the order they are looked for (as in `@shidian/pilot`). */
export const PILOT_MANIFEST_FILES = ['pilot.yaml', 'pilot.yml', 'pilot.json'] as const;
/** The separate calendar file of a bundle. */
export const PILOT_CALENDAR_FILE = 'calendar.json';

const KEYS = new Set([
  '$schema',
  'description',
  'timeZone',
  'source',
  'restDays',
  'holidays',
  'workdays',
  'years',
]);

/**
 * Reads files of a bundle by their bundle path (POSIX, relative to the bundle root); `undefined`
 * when the file does not exist.
 */
export type BundleReader = (path: string) => Promise<string | undefined>;

/**
 * The calendar options of a bundle. Looked for, in this order:
 *
 * 1. the first manifest of {@link PILOT_MANIFEST_FILES}; its `calendar` key is either the section itself
 *    ({@link PilotCalendarConfig}) or the bundle path of a JSON/YAML file holding it;
 * 2. `calendar.json` at the bundle root, holding a section.
 *
 * When the manifest has an inline section *and* `calendar.json` exists, both are merged: rest days,
 * workdays and years are concatenated (a year given twice is refused), a time zone given in both must
 * be the same. This lets a manifest whose schema only allows `holidays`/`workdays` take next year's
 * schedule from `calendar.json`. A bundle with neither gets the national calendar (no local changes).
 *
 * @throws CalendarError `CAL_ERR_PILOT_CALENDAR` and the data errors of {@link createCalendar}
 */
export async function pilotCalendarOptions(read: BundleReader): Promise<CalendarOptions> {
  const sections: { config: unknown; at: string }[] = [];
  let manifestSection: unknown;
  let manifestPath: string | undefined;
  for (const name of PILOT_MANIFEST_FILES) {
    const text = await read(name);
    if (text === undefined) continue;
    const manifest = parseText(text, name);
    if (typeof manifest !== 'object' || manifest === null || Array.isArray(manifest)) {
      throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${name}: expected an object`);
    }
    manifestSection = (manifest as Record<string, unknown>).calendar;
    manifestPath = name;
    break;
  }
  if (typeof manifestSection === 'string') {
    const path = bundlePath('', manifestSection);
    sections.push({ config: parseText(await required(read, path), path), at: path });
  } else {
    if (manifestSection !== undefined)
      sections.push({ config: manifestSection, at: `${manifestPath ?? 'pilot'}#calendar` });
    const separate = await read(PILOT_CALENDAR_FILE);
    if (separate !== undefined)
      sections.push({ config: parseText(separate, PILOT_CALENDAR_FILE), at: PILOT_CALENDAR_FILE });
  }
  if (sections.length === 0) return {};

  const restDays: DayEntry[] = [];
  const workdays: DayEntry[] = [];
  const years: YearData[] = [];
  const sources: string[] = [];
  let timeZone: string | undefined;
  for (const { config, at } of sections) {
    const c = checkSection(config, at);
    const dir = at.includes('#') ? '' : posix.dirname(at);
    restDays.push(...(c.restDays ?? []), ...(c.holidays ?? []));
    workdays.push(...(c.workdays ?? []));
    for (const y of c.years ?? []) {
      if (typeof y === 'string') {
        const path = bundlePath(dir, y);
        years.push(parseText(await required(read, path), path) as YearData);
      } else {
        years.push(y);
      }
    }
    if (c.source !== undefined) sources.push(c.source);
    if (c.timeZone !== undefined) {
      if (timeZone !== undefined && timeZone !== c.timeZone)
        throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${at}: timeZone ${c.timeZone} ≠ ${timeZone}`);
      timeZone = c.timeZone;
    }
  }
  const seen = new Set<unknown>();
  for (const y of years) {
    const year = typeof y === 'object' && y !== null ? (y as { year?: unknown }).year : undefined;
    if (seen.has(year)) throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `year ${String(year)} given twice`);
    seen.add(year);
  }
  return {
    ...(timeZone === undefined ? {} : { timeZone }),
    overrides: { restDays, workdays, source: sources.length === 0 ? 'pilot' : sources.join('; ') },
    extraYears: years,
  };
}

/**
 * The calendar options of the pilot bundle in directory `dir` (see {@link pilotCalendarOptions} for the
 * files read). Paths may not leave the directory.
 *
 * @throws CalendarError `CAL_ERR_PILOT_CALENDAR` and the data errors of {@link createCalendar}
 */
export async function readPilotCalendarOptions(dir: string): Promise<CalendarOptions> {
  const root = resolve(dir);
  if (!(await isDirectory(root)))
    throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${dir}: not a directory`);
  return pilotCalendarOptions(async (path) => {
    const abs = resolve(root, path);
    const rel = relative(root, abs);
    if (rel.startsWith('..') || rel.includes(`..${sep}`))
      throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${path}: outside the bundle`);
    try {
      return await readFile(abs, 'utf8');
    } catch (err) {
      const code = (err as NodeJS.ErrnoException).code;
      if (code === 'ENOENT') return undefined;
      throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${path}: ${code ?? 'unreadable'}`);
    }
  });
}

/**
 * Options of the deployment rather than of the pilot's data, passed on to {@link createCalendar}
 * (e.g. `{ uncoveredYears: 'provisional' }`).
 */
export type CalendarPolicy = Pick<CalendarOptions, 'uncoveredYears' | 'provisionalHorizon'>;

/**
 * The calendar of the pilot bundle in directory `dir`.
 *
 * @example
 * const cal = await loadPilotCalendar('examples/some-county');
 * addPeriod('2026-09-15', 'P15D', cal);
 * const provisional = await loadPilotCalendar('examples/some-county', { uncoveredYears: 'provisional' });
 */
export async function loadPilotCalendar(dir: string, policy: CalendarPolicy = {}): Promise<Calendar> {
  return createCalendar({ ...(await readPilotCalendarOptions(dir)), ...policy });
}

/**
 * The calendar of a bundle held in memory as bundle path → text (e.g. received over HTTP).
 *
 * @example const cal = await pilotCalendarFromFiles(new Map([['calendar.json', '{"restDays":["2026-07-01"]}']]));
 */
export async function pilotCalendarFromFiles(
  files: ReadonlyMap<string, string>,
  policy: CalendarPolicy = {},
): Promise<Calendar> {
  return createCalendar({
    ...(await pilotCalendarOptions((path) => Promise.resolve(files.get(path)))),
    ...policy,
  });
}

function checkSection(config: unknown, at: string): PilotCalendarConfig {
  if (typeof config !== 'object' || config === null || Array.isArray(config)) {
    throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${at}: expected an object`);
  }
  const c = config as Record<string, unknown>;
  for (const key of Object.keys(c))
    if (!KEYS.has(key)) throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${at}: unknown key "${key}"`);
  for (const key of ['timeZone', 'source'] as const) {
    if (c[key] !== undefined && typeof c[key] !== 'string')
      throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${at}.${key}: expected a string`);
  }
  for (const key of ['restDays', 'holidays', 'workdays', 'years'] as const) {
    if (c[key] !== undefined && !Array.isArray(c[key]))
      throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${at}.${key}: expected an array`);
  }
  return c as PilotCalendarConfig;
}

/** A bundle path relative to `dir` (POSIX); refuses absolute paths and paths leaving the bundle. */
function bundlePath(dir: string, path: string): string {
  const joined = posix.normalize(posix.join(dir, path));
  if (posix.isAbsolute(path) || joined.startsWith('..'))
    throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${path}: outside the bundle`);
  return joined;
}

async function required(read: BundleReader, path: string): Promise<string> {
  const text = await read(path);
  if (text === undefined) throw new CalendarError('CAL_ERR_PILOT_CALENDAR', `${path}: not found`);
  return text;
}

function parseText(text: string, path: string): unknown {
  try {
    return path.endsWith('.json') ? (JSON.parse(text) as unknown) : (parseYaml(text) as unknown);
  } catch (err) {
    throw new CalendarError(
      'CAL_ERR_PILOT_CALENDAR',
      `${path}: ${(err as Error).message.split('\n')[0] ?? 'parse error'}`,
    );
  }
}

async function isDirectory(path: string): Promise<boolean> {
  try {
    return (await stat(path)).isDirectory();
  } catch {
    return false;
  }
}
