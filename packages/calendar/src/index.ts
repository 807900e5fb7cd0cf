/**
 * `@shidian/calendar`: statutory time for petition work. Civil dates in the pilot's zone, working
 * days with the State Council's holidays and make-up workdays (from `chinese-days`, plus years loaded
 * as data), pilot overrides, periods in calendar or working days, and deadline budgets with pauses
 * and extensions. See docs/calendar.md.
 *
 * @example
 * import { addPeriod, budgetStatus, createCalendar, toCivilDate } from '@shidian/calendar';
 * const cal = createCalendar();
 * const received = toCivilDate('2025-09-23T23:30:00+08:00'); // '2025-09-23'
 * addPeriod(received, 'P15D', cal); // '2025-10-09'
 */
export {
  type CivilDate,
  DEFAULT_TIME_ZONE,
  addDays,
  compareCivilDates,
  dayOfWeek,
  daysInMonth,
  diffDays,
  endOfDay,
  isCivilDate,
  isLeapYear,
  parseCivilDate,
  parseTimeZone,
  startOfDay,
  toCivilDate,
  yearOf,
} from './civil-date.js';
export { type Period, MAX_PERIOD_DAYS, formatPeriod, parsePeriod } from './period.js';
export { type DayEntry, type NamedDay, type YearData, CHINESE_DAYS_SOURCE } from './year-data.js';
export {
  type Calendar,
  type CalendarOptions,
  type CalendarOverrides,
  type DayInfo,
  type DayKind,
  type YearSchedule,
  createCalendar,
} from './calendar.js';
export {
  type DayFilter,
  type PeriodResult,
  addPeriod,
  addPeriodDetailed,
  countWorkingDays,
  rollToWorkingDay,
} from './add-period.js';
export {
  type DueInstantResult,
  deadlineCalendar,
  dueInstant,
  dueInstantDetailed,
  periodOfKind,
} from './deadline-calendar.js';
export { PROVISIONAL_LAW_FROM_YEAR, PROVISIONAL_SOURCE, statutoryHolidays } from './provisional-year.js';
export {
  type Budget,
  type BudgetOptions,
  type BudgetStatus,
  type Extension,
  type ExtensionPolicy,
  type Pause,
  type Threshold,
  type Thresholds,
  DEFAULT_WARNING,
  HANDLING_EXTENSION_POLICY,
  budgetStatus,
  parseThresholds,
} from './budget.js';
export {
  type BundleReader,
  type CalendarPolicy,
  type PilotCalendarConfig,
  PILOT_CALENDAR_FILE,
  PILOT_MANIFEST_FILES,
  loadPilotCalendar,
  pilotCalendarFromFiles,
  pilotCalendarOptions,
  readPilotCalendarOptions,
} from './pilot-calendar.js';
export { type CalendarErrorCode, CalendarError, calendarErrors, isCalendarError } from './errors.js';
