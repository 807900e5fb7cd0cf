#!/usr/bin/env node
/**
 * The `shidian` command line. Each sub-command lives in `./commands/<name>.ts` and exports
 * `register(program)`; this file only wires them up and maps failures to exit codes:
 * 0 success, 1 problems found (lint, validate, invalid data), 2 usage or input error.
 */
import { Command, CommanderError } from 'commander';
import { commands } from './commands/index.js';
import { CliExit } from './exit.js';

export async function main(argv: readonly string[]): Promise<number> {
  const program = new Command('shidian')
    .description('shidian (试点) — forms and processes for county petition-work pilots')
    .exitOverride()
    .showHelpAfterError();
  for (const register of commands) register(program);
  try {
    await program.parseAsync([...argv], { from: 'user' });
    return process.exitCode === undefined ? 0 : Number(process.exitCode);
  } catch (err) {
    if (err instanceof CliExit) return err.exitCode;
    if (err instanceof CommanderError) {
      if (err.code === 'commander.helpDisplayed' || err.code === 'commander.version') return 0;
      return 2;
    }
    console.error(err instanceof Error ? err.message : String(err));
    return 2;
  }
}

const invokedDirectly = process.argv[1] !== undefined && import.meta.url.endsWith(process.argv[1].replace(/\\/g, '/'));
if (invokedDirectly || process.env.SHIDIAN_CLI === '1') {
  main(process.argv.slice(2)).then(
    (code) => {
      process.exitCode = code;
    },
    (err: unknown) => {
      console.error(err);
      process.exitCode = 2;
    },
  );
}
