import type { Command } from 'commander';
import { register as calendar } from './calendar.js';
import { register as deadline } from './deadline.js';
import { register as admin } from './admin.js';
import { register as serve } from './serve.js';
import { register as validate } from './validate.js';
import { register as deploy } from './deploy.js';
import { register as seed } from './seed.js';
import { register as lint } from './lint.js';
import { register as form } from './form.js';
import { register as genTypes } from './gen-types.js';
import { register as migrate } from './migrate.js';
import { register as audit } from './audit.js';
import { register as notice } from './notice.js';
import { register as deadlines } from './deadlines.js';

/** Registers one sub-command (or a group) on the root program. */
export type Register = (program: Command) => void;

/**
 * Every sub-command. Add new ones here; each module owns its own options and output.
 */
export const commands: readonly Register[] = [deadline, calendar, admin, serve, validate, lint, deploy, form, genTypes, migrate, audit, seed, notice, deadlines];
