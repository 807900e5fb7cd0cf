/**
 * The numbered, forward-only migrations, in order. Never edit or reorder an entry once released:
 * add a new file `NNNN-name.ts` and list it here.
 */
import type { Migration } from 'kysely/migration';
import * as m0001 from './0001-initial.js';
import * as m0002 from './0002-version-guard.js';
import * as m0003 from './0003-start-timers.js';
import * as m0004 from './0004-hot-path-constraints.js';

/** Name → migration, applied in key order by kysely's `Migrator`. */
export const migrations: Readonly<Record<string, Migration>> = Object.freeze({
  '0001-initial': { up: m0001.up },
  '0002-version-guard': { up: m0002.up },
  '0003-start-timers': { up: m0003.up },
  '0004-hot-path-constraints': { up: m0004.up },
});
