/** Dispatch: find the command, parse its flags, run it, and turn errors into exit codes (DESIGN.md §4). */
import { SelfsupError, usageError } from '@selfsup/core';
import { formatFlagHelp, parseFlags } from './args.js';
import type { Command } from './command.js';
import { commands } from './commands/index.js';
import { createOutput } from './output.js';
import { VERSION } from './version.js';

export async function main(argv: string[]): Promise<number> {
  const wantsJson = argv.includes('--json');
  try {
    return await dispatch(argv);
  } catch (err) {
    return reportError(err, wantsJson);
  }
}

async function dispatch(argv: string[]): Promise<number> {
  const first = argv[0];
  if (first === undefined || first === '--help' || first === '-h' || first === 'help') {
    process.stdout.write(topHelp());
    return first === undefined ? 2 : 0;
  }
  if (first === '--version' || first === '-v') {
    process.stdout.write(`${VERSION}\n`);
    return 0;
  }
  let command = commands.find((c) => c.name === first);
  if (!command) throw usageError(`unknown command '${first}' (run \`selfsup --help\` for the list)`);
  let rest = argv.slice(1);
  let path = command.name;
  while (command.subcommands) {
    const sub: string | undefined = rest[0];
    if (sub === undefined || sub === '--help' || sub === '-h') {
      process.stdout.write(commandHelp(command, path));
      return sub === undefined ? 2 : 0;
    }
    const next: Command | undefined = command.subcommands.find((c) => c.name === sub);
    if (!next) {
      throw usageError(
        `unknown sub-command '${sub}' for \`selfsup ${path}\` (expected ${command.subcommands.map((c) => c.name).join(', ')})`,
      );
    }
    command = next;
    path = `${path} ${next.name}`;
    rest = rest.slice(1);
  }
  const parsed = parseFlags(rest, command.flags ?? {}, path);
  if (parsed.flags.help) {
    process.stdout.write(commandHelp(command, path));
    return 0;
  }
  const out = createOutput(Boolean(parsed.flags.json));
  const controller = new AbortController();
  const onSignal = (signal: NodeJS.Signals) => {
    if (controller.signal.aborted) process.exit(signal === 'SIGINT' ? 130 : 143);
    out.log(`${signal} received: finishing the current step, then stopping (press again to quit at once)`);
    controller.abort(signal);
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
  try {
    const code = await command.run!({
      flags: parsed.flags,
      positionals: parsed.positionals,
      given: parsed.given,
      out,
      signal: controller.signal,
    });
    out.done();
    if (controller.signal.aborted) return controller.signal.reason === 'SIGINT' ? 130 : 143;
    return code ?? 0;
  } finally {
    process.off('SIGINT', onSignal);
    process.off('SIGTERM', onSignal);
  }
}

function reportError(err: unknown, json: boolean): number {
  if (err instanceof SelfsupError) {
    process.stderr.write(`selfsup: ${err.message.split('\n')[0]}\n`);
    if (json)
      process.stdout.write(`${JSON.stringify({ error: err.message, kind: err.kind, exitCode: err.exitCode })}\n`);
    return err.exitCode;
  }
  const detail = err instanceof Error ? (err.stack ?? err.message) : String(err);
  process.stderr.write(`selfsup: internal error (please report it): ${detail}\n`);
  if (json) process.stdout.write(`${JSON.stringify({ error: String(err), kind: 'internal', exitCode: 1 })}\n`);
  return 1;
}

function topHelp(): string {
  const width = Math.max(...commands.map((c) => c.name.length)) + 2;
  return [
    `selfsup ${VERSION} — train language models by self-supervision (GPT-style causal LM, BERT-style masked LM)`,
    '',
    'Usage: selfsup <command> [flags]',
    '',
    'Commands:',
    ...commands.map((c) => `  ${c.name.padEnd(width)}${c.summary}`),
    '',
    'Every command takes --help and --json. Exit codes: 0 success, 1 runtime failure, 2 bad usage or bad input,',
    '130/143 stopped by Ctrl-C/SIGTERM after saving.',
    '',
  ].join('\n');
}

function commandHelp(command: Command, path: string): string {
  const lines = [`Usage: selfsup ${command.usage}`, '', command.summary];
  if (command.details) lines.push('', command.details);
  if (command.subcommands) {
    lines.push('', 'Sub-commands:');
    const width = Math.max(...command.subcommands.map((c) => c.name.length)) + 2;
    for (const sub of command.subcommands) lines.push(`  ${sub.name.padEnd(width)}${sub.summary}`);
    lines.push('', `Run \`selfsup ${path} <sub-command> --help\` for its flags.`);
  } else {
    lines.push('', 'Flags:', formatFlagHelp(command.flags ?? {}));
  }
  return `${lines.join('\n')}\n`;
}
