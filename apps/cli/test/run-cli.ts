/** Runs the built `selfsup` binary the way a user does, for end-to-end tests. */
import { spawn, spawnSync } from 'node:child_process';
import { existsSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

export const CLI_BIN = join(dirname(fileURLToPath(import.meta.url)), '..', 'dist', 'bin.js');
export const SHARED = join(dirname(fileURLToPath(import.meta.url)), '..', '..', '..', '..', 'shared');
export const TINY_SHAKESPEARE = join(SHARED, 'data', 'tinyshakespeare.txt');

export interface CliResult {
  code: number;
  stdout: string;
  stderr: string;
}

export function cliBuilt(): boolean {
  return existsSync(CLI_BIN);
}

export function runCli(
  args: string[],
  options: { cwd?: string; env?: Record<string, string>; input?: string } = {},
): CliResult {
  const r = spawnSync(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    input: options.input,
    encoding: 'utf8',
    maxBuffer: 64 * 1024 * 1024,
  });
  return { code: r.status ?? (r.signal ? 128 : 1), stdout: r.stdout, stderr: r.stderr };
}

/** Starts the CLI without waiting, for tests that signal or kill it. */
export function startCli(args: string[], options: { cwd?: string; env?: Record<string, string> } = {}) {
  return spawn(process.execPath, [CLI_BIN, ...args], {
    cwd: options.cwd,
    env: { ...process.env, ...options.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
}

/** Flags for a micro model on the cpu backend that trains in well under a second; `overrides` replace a flag's value
 *  (`microFlags({ 'eval-iters': '2' })`). */
export function microFlags(overrides: Record<string, string> = {}): string[] {
  const flags: Record<string, string> = {
    'n-layer': '1',
    'n-head': '2',
    'n-embd': '16',
    'block-size': '16',
    'batch-size': '4',
    'eval-iters': '1',
    backend: 'cpu',
    'sample-tokens': '0',
    ...overrides,
  };
  return Object.entries(flags).flatMap(([name, value]) => [`--${name}`, value]);
}

/** `selfsup train` of a masked LM on `corpus` with a 60-token WordPiece vocabulary, then `extra` flags. */
export function mlmTrainArgs(out: string, corpus: string, ...extra: string[]): string[] {
  return ['train', '--out', out, '--data', corpus, '--objective', 'mlm', '--tokenizer', 'wordpiece:60', ...extra];
}

/** The micro model most command tests need. */
export const MICRO: readonly string[] = microFlags();
