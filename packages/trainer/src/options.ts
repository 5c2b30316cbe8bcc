/**
 * Training options: their schema (flag names, types, ranges), how a preset, a `--config` file and flags combine
 * (later wins: defaults < preset < config < flags), validation with one-line messages naming the flag, and the
 * comparison a `--resume` makes against the options a run was started with.
 */
import { usageError } from '@selfsup/core';
import { DEFAULT_OPTIONS, PRESETS, type TrainingOptions } from './presets.js';

export type OptionName = keyof TrainingOptions;

export interface OptionSpec {
  /** The command-line flag without dashes (nanoGPT's name in kebab case). */
  flag: string;
  type: 'int' | 'number' | 'string' | 'boolean';
  description: string;
  min?: number;
  exclusiveMin?: boolean;
  max?: number;
  exclusiveMax?: boolean;
  choices?: readonly string[];
  placeholder?: string;
  /** May differ when resuming (it does not change the trajectory of the steps already planned). */
  resumable?: boolean;
  /** nanoGPT's `train.py` name, accepted in `--config` files. */
  nanoGptName?: string;
}

export const OPTION_SPECS: Record<OptionName, OptionSpec> = {
  objective: {
    flag: 'objective',
    type: 'string',
    choices: ['clm', 'mlm'],
    description: 'causal LM (GPT) or masked LM (BERT)',
  },
  nLayer: { flag: 'n-layer', type: 'int', min: 1, description: 'transformer blocks', nanoGptName: 'n_layer' },
  nHead: { flag: 'n-head', type: 'int', min: 1, description: 'attention heads', nanoGptName: 'n_head' },
  nEmbd: {
    flag: 'n-embd',
    type: 'int',
    min: 1,
    description: 'embedding width (divisible by --n-head)',
    nanoGptName: 'n_embd',
  },
  blockSize: {
    flag: 'block-size',
    type: 'int',
    min: 1,
    description: 'context length in tokens',
    nanoGptName: 'block_size',
  },
  batchSize: {
    flag: 'batch-size',
    type: 'int',
    min: 1,
    description: 'sequences per micro-batch',
    nanoGptName: 'batch_size',
  },
  gradAccum: {
    flag: 'grad-accum',
    type: 'int',
    min: 1,
    description: 'micro-batches per optimizer step (gradient accumulation)',
    nanoGptName: 'gradient_accumulation_steps',
  },
  maxIters: {
    flag: 'max-iters',
    type: 'int',
    min: 0,
    description: 'optimizer steps in total',
    resumable: true,
    nanoGptName: 'max_iters',
  },
  lr: { flag: 'lr', type: 'number', min: 0, description: 'peak learning rate', nanoGptName: 'learning_rate' },
  minLr: {
    flag: 'min-lr',
    type: 'number',
    min: 0,
    description: 'learning rate at the end of the decay',
    nanoGptName: 'min_lr',
  },
  warmupIters: {
    flag: 'warmup-iters',
    type: 'int',
    min: 0,
    description: 'steps of linear warmup',
    nanoGptName: 'warmup_iters',
  },
  lrDecayIters: {
    flag: 'lr-decay-iters',
    type: 'int',
    min: 0,
    description: 'step where the decay reaches --min-lr (default: --max-iters)',
    nanoGptName: 'lr_decay_iters',
  },
  lrSchedule: {
    flag: 'lr-schedule',
    type: 'string',
    choices: ['cosine', 'linear', 'constant'],
    description: 'decay after the warmup',
  },
  weightDecay: {
    flag: 'weight-decay',
    type: 'number',
    min: 0,
    description: 'AdamW decoupled weight decay (2-D weights only)',
    nanoGptName: 'weight_decay',
  },
  beta1: {
    flag: 'beta1',
    type: 'number',
    min: 0,
    max: 1,
    exclusiveMax: true,
    description: 'AdamW β1',
    nanoGptName: 'beta1',
  },
  beta2: {
    flag: 'beta2',
    type: 'number',
    min: 0,
    max: 1,
    exclusiveMax: true,
    description: 'AdamW β2',
    nanoGptName: 'beta2',
  },
  eps: { flag: 'eps', type: 'number', min: 0, exclusiveMin: true, description: 'AdamW ε' },
  gradClip: {
    flag: 'grad-clip',
    type: 'number',
    min: 0,
    description: 'clip the global gradient norm to this (0 = off)',
    nanoGptName: 'grad_clip',
  },
  dropout: {
    flag: 'dropout',
    type: 'number',
    min: 0,
    max: 1,
    exclusiveMax: true,
    description: 'dropout rate',
    nanoGptName: 'dropout',
  },
  bias: { flag: 'bias', type: 'boolean', description: 'biases in Linear and LayerNorm layers', nanoGptName: 'bias' },
  evalInterval: {
    flag: 'eval-interval',
    type: 'int',
    min: 1,
    description: 'evaluate and save every N steps',
    resumable: true,
    nanoGptName: 'eval_interval',
  },
  evalIters: {
    flag: 'eval-iters',
    type: 'int',
    min: 1,
    description: 'batches per split in each evaluation',
    resumable: true,
    nanoGptName: 'eval_iters',
  },
  logInterval: {
    flag: 'log-interval',
    type: 'int',
    min: 1,
    description: 'log a line every N steps',
    resumable: true,
    nanoGptName: 'log_interval',
  },
  seed: { flag: 'seed', type: 'int', min: 0, description: 'seed of every random choice', nanoGptName: 'seed' },
  tokenizer: {
    flag: 'tokenizer',
    type: 'string',
    placeholder: 'KIND',
    description:
      'when --data is raw text: char|bpe:N|wordpiece:N|gpt2|FILE (default char for clm, wordpiece:8000 for mlm)',
  },
  mlmProbability: {
    flag: 'mlm-probability',
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: 1,
    exclusiveMax: true,
    description: 'share of tokens masked (mlm)',
  },
  mlmRowTokens: {
    flag: 'mlm-row-tokens',
    type: 'int',
    min: 0,
    description:
      'mlm: pack whole sentences into rows of at most N tokens (a longer sentence alone, up to the block), batched by length; 0: fill the block',
  },
  valFraction: {
    flag: 'val-fraction',
    type: 'number',
    min: 0,
    exclusiveMin: true,
    max: 1,
    exclusiveMax: true,
    description: 'share held out for validation when --data is raw text',
  },
  skipNonfinite: {
    flag: 'skip-nonfinite',
    type: 'boolean',
    description: 'skip steps with a non-finite loss instead of stopping',
    resumable: true,
  },
};

export const OPTION_NAMES = Object.keys(OPTION_SPECS) as OptionName[];

export interface ResolveInput {
  /** A preset name; default `nanogpt-cpu` for clm and `bert-tiny` for mlm. */
  preset?: string;
  /** The parsed `--config` file. */
  config?: unknown;
  /** Where the config came from, for messages. */
  configPath?: string;
  /** Options given on the command line (already typed). */
  flags?: Partial<TrainingOptions>;
}

export interface ResolvedOptions {
  options: TrainingOptions;
  preset: string;
  /** Options the user set (config file or flags), as opposed to defaults and the preset. */
  explicit: Set<OptionName>;
}

/** Combines defaults < preset < config file < flags, fills derived defaults, and validates the result. */
export function resolveOptions(input: ResolveInput = {}): ResolvedOptions {
  const fromConfig =
    input.config === undefined
      ? { preset: undefined, options: {} }
      : parseConfig(input.config, input.configPath ?? '--config');
  const flags = input.flags ?? {};
  for (const [key, value] of Object.entries(flags)) {
    if (!(key in OPTION_SPECS)) throw usageError(`unknown option ${key}`);
    if (value !== undefined) checkValue(key as OptionName, value, `--${OPTION_SPECS[key as OptionName].flag}`);
  }
  const explicit = new Set<OptionName>([
    ...Object.keys(fromConfig.options),
    ...Object.keys(flags).filter((k) => flags[k as OptionName] !== undefined),
  ] as OptionName[]);
  const objective = flags.objective ?? fromConfig.options.objective;
  const presetName = input.preset ?? fromConfig.preset ?? (objective === 'mlm' ? 'bert-tiny' : 'nanogpt-cpu');
  const preset = PRESETS[presetName];
  if (!preset) throw usageError(`unknown preset '${presetName}' (expected one of ${Object.keys(PRESETS).join(', ')})`);
  const options: TrainingOptions = {
    ...DEFAULT_OPTIONS,
    ...preset.options,
    ...fromConfig.options,
    ...definedOnly(flags),
  };
  // Derived defaults, as nanoGPT's configs set them: the decay spans the run; MLM needs a tokenizer with [MASK].
  if (!explicit.has('lrDecayIters') && explicit.has('maxIters')) options.lrDecayIters = options.maxIters;
  if (!explicit.has('tokenizer') && options.objective === 'mlm' && !/^wordpiece:/.test(options.tokenizer))
    options.tokenizer = 'wordpiece:8000';
  validateOptions(options);
  return { options, preset: presetName, explicit };
}

/** Checks every option and the relations between them; throws a usage error naming the flag. */
export function validateOptions(options: TrainingOptions): void {
  for (const name of OPTION_NAMES) {
    if (options[name] === undefined) throw usageError(`option --${OPTION_SPECS[name].flag} is missing`);
    checkValue(name, options[name], `--${OPTION_SPECS[name].flag}`);
  }
  if (options.nEmbd % options.nHead !== 0) {
    throw usageError(`--n-embd ${options.nEmbd} is not divisible by --n-head ${options.nHead}`);
  }
  if (options.objective === 'mlm' && options.blockSize < 3) {
    throw usageError(
      `--block-size ${options.blockSize} is too small for mlm (room for [CLS], a token and [SEP] needs 3)`,
    );
  }
  if (options.mlmRowTokens === 1 || options.mlmRowTokens === 2) {
    throw usageError(
      `--mlm-row-tokens ${options.mlmRowTokens} leaves no room for a token between [CLS] and [SEP]: use 0 (fill the block) or 3 and up`,
    );
  }
  if (!/^(char|gpt2|bpe:\d+|wordpiece:\d+)$/.test(options.tokenizer) && !options.tokenizer.endsWith('.json')) {
    throw usageError(
      `--tokenizer: expected char, bpe:N, wordpiece:N, gpt2 or a tokenizer.json file, got '${options.tokenizer}'`,
    );
  }
}

/** Type and range check of one value; `what` names it in the message. */
export function checkValue(name: OptionName, value: unknown, what: string): void {
  const spec = OPTION_SPECS[name];
  if (spec.type === 'boolean') {
    if (typeof value !== 'boolean') throw usageError(`${what}: expected true or false, got ${JSON.stringify(value)}`);
    return;
  }
  if (spec.type === 'string') {
    if (typeof value !== 'string') throw usageError(`${what}: expected a string, got ${JSON.stringify(value)}`);
    if (spec.choices && !spec.choices.includes(value))
      throw usageError(`${what}: expected one of ${spec.choices.join(', ')}, got '${value}'`);
    return;
  }
  if (typeof value !== 'number' || !Number.isFinite(value)) {
    throw usageError(
      `${what}: expected ${spec.type === 'int' ? 'an integer' : 'a number'}, got ${JSON.stringify(value)}`,
    );
  }
  if (spec.type === 'int' && !Number.isInteger(value)) throw usageError(`${what}: expected an integer, got ${value}`);
  if (spec.min !== undefined && (spec.exclusiveMin ? value <= spec.min : value < spec.min)) {
    throw usageError(`${what}: expected a value ${spec.exclusiveMin ? '>' : '≥'} ${spec.min}, got ${value}`);
  }
  if (spec.max !== undefined && (spec.exclusiveMax ? value >= spec.max : value > spec.max)) {
    throw usageError(`${what}: expected a value ${spec.exclusiveMax ? '<' : '≤'} ${spec.max}, got ${value}`);
  }
}

const CONFIG_KEYS: Map<string, OptionName> = (() => {
  const map = new Map<string, OptionName>();
  for (const name of OPTION_NAMES) {
    const spec = OPTION_SPECS[name];
    map.set(name, name);
    map.set(spec.flag, name);
    map.set(spec.flag.replaceAll('-', '_'), name);
    if (spec.nanoGptName) map.set(spec.nanoGptName, name);
  }
  return map;
})();

/**
 * A `--config` file's object: option names in camelCase (`nLayer`), kebab case (`n-layer`) or nanoGPT's snake case
 * (`n_layer`, `learning_rate`), plus an optional `preset`.
 */
export function parseConfig(
  config: unknown,
  what: string,
): { preset: string | undefined; options: Partial<TrainingOptions> } {
  if (typeof config !== 'object' || config === null || Array.isArray(config))
    throw usageError(`${what}: expected a JSON object of options`);
  let preset: string | undefined;
  const options: Partial<TrainingOptions> = {};
  for (const [key, value] of Object.entries(config as Record<string, unknown>)) {
    if (key === 'preset') {
      if (typeof value !== 'string') throw usageError(`${what}: "preset" must be a string`);
      preset = value;
      continue;
    }
    const name = CONFIG_KEYS.get(key);
    if (!name) throw usageError(`${what}: unknown option "${key}"`);
    checkValue(name, value, `${what}: "${key}"`);
    (options as Record<string, unknown>)[name] = value;
  }
  return { preset, options };
}

/**
 * The differences that forbid a resume: options (other than the resumable ones) whose requested value differs from
 * the saved one. Returns messages such as `--lr 0.002 (the run has 0.001)`.
 */
export function resumeConflicts(saved: TrainingOptions, requested: Partial<TrainingOptions>): string[] {
  const out: string[] = [];
  for (const name of OPTION_NAMES) {
    const want = requested[name];
    if (want === undefined || OPTION_SPECS[name].resumable) continue;
    if (saved[name] !== want) out.push(`--${OPTION_SPECS[name].flag} ${want} (the run has ${saved[name]})`);
  }
  return out;
}

function definedOnly<T extends object>(o: T): Partial<T> {
  return Object.fromEntries(Object.entries(o).filter(([, v]) => v !== undefined)) as Partial<T>;
}
