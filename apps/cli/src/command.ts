/** What a `selfsup` command is: its flags, its help, and a `run` that makes a few calls into the packages. */
import type { FlagSpecs, FlagValue } from './args.js';
import type { Output } from './output.js';

export interface CommandContext {
  flags: Record<string, FlagValue>;
  positionals: string[];
  /** Flag names (camelCase) the user gave on the command line. */
  given: Set<string>;
  out: Output;
  /** Aborted on SIGINT/SIGTERM; long-running commands finish their step, save, and return. */
  signal: AbortSignal;
}

export interface Command {
  name: string;
  summary: string;
  /** Usage line(s) after `selfsup `, e.g. `prepare --data SRC --tokenizer KIND --out DIR`. */
  usage: string;
  /** A paragraph shown under the usage in `--help`. */
  details?: string;
  flags?: FlagSpecs;
  /** Sub-commands (`selfsup tokenizer train`); a command has either these or `run`. */
  subcommands?: Command[];
  /** Returns the process exit code (0 unless the command was interrupted). */
  run?: (ctx: CommandContext) => Promise<number | undefined> | number | undefined;
}

export function defineCommand(command: Command): Command {
  return command;
}
