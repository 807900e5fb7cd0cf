/**
 * The calendar of a deployment: the national statutory calendar plus the pilot's local rest days,
 * workdays and further years, read from the deployment's stored bundle — either the server's
 * `{ files: { path: text } }` (the pilot bundle as deployed: manifest `calendar` section,
 * `calendar.json`, year files) or the store's own {@link DeploymentBundle} `calendar` section.
 * {@link CommandRuntime} resolves it once per deployment (deployments are immutable) when it is
 * given `deploymentCalendars`.
 */
import {
  createCalendar,
  deadlineCalendar,
  pilotCalendarFromFiles,
  type Calendar,
  type CalendarPolicy,
} from '@shidian/calendar';
import type { DeadlineCalendar } from '@shidian/engine';
import type { Kysely } from 'kysely';
import { getDeployment } from './deployments.js';
import { StoreError } from './errors.js';
import type { Database } from './schema.js';

/**
 * The pilot calendar held in a stored bundle (see the module docs); a bundle without calendar data
 * gets the national calendar. `policy` says what to do with years the holiday data does not cover.
 *
 * @throws StoreError `STORE_ERR_DEPLOYMENT_INVALID` when the bundle's calendar data is invalid
 * @example
 * const cal = await calendarOfBundle({ files: { 'calendar.json': '{"restDays":["2025-10-20"]}' } }, { uncoveredYears: 'provisional' });
 */
export async function calendarOfBundle(bundle: unknown, policy: CalendarPolicy = {}): Promise<Calendar> {
  try {
    if (typeof bundle === 'object' && bundle !== null) {
      const b = bundle as { files?: unknown; calendar?: unknown };
      if (typeof b.files === 'object' && b.files !== null && !Array.isArray(b.files)) {
        const files = new Map<string, string>();
        for (const [path, text] of Object.entries(b.files as Record<string, unknown>))
          if (typeof text === 'string') files.set(path, text);
        return await pilotCalendarFromFiles(files, policy);
      }
      if (b.calendar !== undefined && b.calendar !== null)
        return await pilotCalendarFromFiles(new Map([['calendar.json', JSON.stringify(b.calendar)]]), policy);
    }
    return createCalendar(policy);
  } catch (e) {
    const code = typeof e === 'object' && e !== null && 'code' in e ? String(e.code) : undefined;
    throw new StoreError('STORE_ERR_DEPLOYMENT_INVALID', {
      reason: 'calendar',
      ...(code === undefined ? {} : { cause: code }),
    });
  }
}

/**
 * The engine's deadline calendar of a stored deployment (`STORE_ERR_DEPLOYMENT_NOT_FOUND` for an
 * unknown one or another county's).
 *
 * @example const cal = await deploymentCalendar(db, 'huian', deploymentId, { uncoveredYears: 'provisional' });
 */
export async function deploymentCalendar(
  db: Kysely<Database>,
  countyId: string,
  deploymentId: string,
  policy: CalendarPolicy = {},
): Promise<DeadlineCalendar> {
  const d = await getDeployment(db, countyId, deploymentId);
  return deadlineCalendar(await calendarOfBundle(d.bundle, policy));
}
