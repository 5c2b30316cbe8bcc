/**
 * Flag parsing for the `selfsup` command: declared flags only, typed values, and one-line usage errors that name
 * the flag and what it expects.
 */
import { parseArgs } from 'node:util';
import { usageError } from '@selfsup/core';

export type FlagType = 'string' | 'int' | 'number' | 'boolean';

export interface FlagSpec {
  type: FlagType;
  description: string;
  /** A word for the value in help text (`--lr LR`). */
  placeholder?: string;
  /** Smallest allowed value for int/number flags. */
  min?: number;
  /** Whether the minimum itself is excluded (`--lr 0` when min 0 and exclusiveMin). */
  exclusiveMin?: boolean;
  max?: number;
  choices?: readonly string[];
  /** A string flag that may repeat (`--data a.txt --data b.txt`). */
  multiple?: boolean;
  short?: string;
}

export type FlagSpecs = Record<string, FlagSpec>;

export type FlagValue = string | number | boolean | string[] | undefined;

export interface ParsedArgs {
  flags: Record<string, FlagValue>;
  positionals: string[];
  /** Flags the user actually gave (after `--config` merging this tells which values win). */
  given: Set<string>;
}

export const GLOBAL_FLAGS: FlagSpecs = {
  json: { type: 'boolean', description: 'print the result as JSON on stdout' },
  help: { type: 'boolean', short: 'h', description: 'show help for this command' },
};

/** `--n-layer` → `nLayer`. */
export function camel(flag: string): string {
  return flag.replace(/-([a-z0-9])/g, (_, c: string) => c.toUpperCase());
}

export function parseFlags(argv: string[], specs: FlagSpecs, command: string): ParsedArgs {
  const all = { ...specs, ...GLOBAL_FLAGS };
  const options: Record<string, { type: 'string' | 'boolean'; short?: string; multiple?: boolean }> = {};
  for (const [name, spec] of Object.entries(all)) {
    options[name] = {
      type: spec.type === 'boolean' ? 'boolean' : 'string',
      ...(spec.short ? { short: spec.short } : {}),
      ...(spec.multiple ? { multiple: true } : {}),
    };
  }
  let parsed: ReturnType<typeof parseArgs>;
  try {
    parsed = parseArgs({ args: joinNegativeValues(argv, all), options, allowPositionals: true, strict: true });
  } catch (err) {
    throw usageError(describeParseError(err, command));
  }
  const flags: Record<string, FlagValue> = {};
  const given = new Set<string>();
  for (const [name, raw] of Object.entries(parsed.values)) {
    if (raw === undefined) continue;
    given.add(camel(name));
    flags[camel(name)] = convertFlag(name, all[name], raw as string | boolean | string[]);
  }
  return { flags, positionals: parsed.positionals, given };
}

/** `--lr -1` → `--lr=-1`, so a negative number reaches the range check instead of looking like a flag. */
function joinNegativeValues(argv: string[], specs: FlagSpecs): string[] {
  const out: string[] = [];
  for (let i = 0; i < argv.length; i++) {
    const arg = argv[i];
    const spec = arg.startsWith('--') ? specs[arg.slice(2)] : undefined;
    const next = argv[i + 1];
    if (spec && spec.type !== 'boolean' && next !== undefined && /^-(\d|\.\d|Infinity)/.test(next)) {
      out.push(`${arg}=${next}`);
      i++;
    } else out.push(arg);
  }
  return out;
}

function describeParseError(err: unknown, command: string): string {
  const message = err instanceof Error ? err.message : String(err);
  const unknown = /Unknown option '([^']+)'/.exec(message);
  if (unknown) return `unknown flag ${unknown[1]} for \`selfsup ${command}\` (see \`selfsup ${command} --help\`)`;
  const missing = /Option '(?:-\w, )?(--[\w-]+)[^']*' argument missing/.exec(message);
  if (missing) return `${missing[1]} needs a value`;
  const bool = /Option '(?:-\w, )?(--[\w-]+)' does not take an argument/.exec(message);
  if (bool) return `${bool[1]} is a switch and takes no value`;
  return message.split('\n')[0];
}

export function convertFlag(name: string, spec: FlagSpec, raw: string | boolean | string[]): FlagValue {
  const flag = `--${name}`;
  if (spec.type === 'boolean') return raw as boolean;
  if (Array.isArray(raw)) return raw;
  const text = raw as string;
  if (spec.type === 'string') {
    if (spec.choices && !spec.choices.includes(text)) {
      throw usageError(`${flag}: expected one of ${spec.choices.join(', ')}, got '${text}'`);
    }
    return text;
  }
  const value = Number(text);
  if (text.trim() === '' || !Number.isFinite(value)) {
    throw usageError(`${flag}: expected ${spec.type === 'int' ? 'an integer' : 'a number'}, got '${text}'`);
  }
  return checkNumber(flag, spec, value);
}

/** Range and integer checks shared by flags and `--config` values. */
export function checkNumber(flag: string, spec: FlagSpec, value: number): number {
  if (spec.type === 'int' && !Number.isInteger(value)) throw usageError(`${flag}: expected an integer, got ${value}`);
  if (spec.min !== undefined) {
    const bad = spec.exclusiveMin ? value <= spec.min : value < spec.min;
    if (bad) throw usageError(`${flag}: expected a value ${spec.exclusiveMin ? '>' : '≥'} ${spec.min}, got ${value}`);
  }
  if (spec.max !== undefined && value > spec.max)
    throw usageError(`${flag}: expected a value ≤ ${spec.max}, got ${value}`);
  return value;
}

export function formatFlagHelp(specs: FlagSpecs): string {
  const rows = Object.entries({ ...specs, ...GLOBAL_FLAGS }).map(([name, spec]) => {
    const value =
      spec.type === 'boolean'
        ? ''
        : ` ${spec.placeholder ?? (spec.choices ? spec.choices.join('|') : spec.type === 'string' ? 'VALUE' : 'N')}`;
    return [`  --${name}${value}`, spec.description] as const;
  });
  const width = Math.min(32, Math.max(...rows.map(([left]) => left.length)) + 2);
  return rows
    .map(([left, right]) =>
      left.length >= width ? `${left}\n${' '.repeat(width)}${right}` : left.padEnd(width) + right,
    )
    .join('\n');
}
