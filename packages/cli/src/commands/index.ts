import type { Command } from 'commander';

/** Registers one sub-command (or a group) on the root program. */
export type Register = (program: Command) => void;

/**
 * Every sub-command. Add new ones here; each module owns its own options and output.
 */
export const commands: readonly Register[] = [];
