/**
 * The calendar of a deployment: the national statutory calendar plus the pilot's local rest days,
 * workdays and further years, read from the files of the deployment's stored bundle (manifest
 * `calendar` section, `calendar.json`, year files). Rows in the older `DeploymentBundle` shape
 * read through {@link storedBundleOf}, which turns their `calendar` section into `calendar.json`.
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
import { getDeployment, storedBundleOf } from './deployments.js';
import { StoreError } from './errors.js';
import type { Database } from './schema.js';

/**
 * The pilot calendar held in a stored bundle, in either shape (see the module docs); a bundle without calendar data
 * gets the national calendar. `policy` says what to do with years the holiday data does not cover.
 *
 * @throws StoreError `STORE_ERR_DEPLOYMENT_INVALID` when the bundle's calendar data is invalid
 * @example
 * const cal = await calendarOfBundle({ files: { 'calendar.json': '{"restDays":["2025-10-20"]}' } }, { uncoveredYears: 'provisional' });
 */
export async function calendarOfBundle(bundle: unknown, policy: CalendarPolicy = {}): Promise<Calendar> {
  try {
    const files = new Map(Object.entries(storedBundleOf(bundle).files));
    return files.size === 0 ? createCalendar(policy) : await pilotCalendarFromFiles(files, policy);
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
