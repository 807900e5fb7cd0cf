/** Thrown by a command to end the CLI with a given exit code after it has printed its output. */
export class CliExit extends Error {
  constructor(readonly exitCode: number) {
    super(`exit ${exitCode}`);
  }
}
