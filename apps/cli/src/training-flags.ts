/**
 * The `selfsup train` flags, made from @selfsup/trainer's option schema so the two never drift apart. Ranges are
 * checked by `resolveOptions` (one message format for flags and --config files alike).
 */
import { OPTION_NAMES, OPTION_SPECS, type OptionName, type TrainingOptions } from '@selfsup/trainer';
import type { FlagSpecs, FlagValue } from './args.js';

export function trainingFlagSpecs(): FlagSpecs {
  const specs: FlagSpecs = {};
  for (const name of OPTION_NAMES) {
    const s = OPTION_SPECS[name];
    if (name === 'bias') {
      specs['no-bias'] = {
        type: 'boolean',
        description: 'no biases in Linear and LayerNorm layers (nanoGPT bias=False)',
      };
      continue;
    }
    specs[s.flag] = {
      type: s.type,
      description: s.description,
      ...(s.choices ? { choices: s.choices } : {}),
      ...(s.placeholder ? { placeholder: s.placeholder } : {}),
    };
  }
  return specs;
}

/** The training options the user gave as flags (camelCase names, typed values). */
export function trainingOptionsFromFlags(flags: Record<string, FlagValue>): Partial<TrainingOptions> {
  const out: Partial<Record<OptionName, unknown>> = {};
  for (const name of OPTION_NAMES) {
    if (name === 'bias') {
      if (flags.noBias === true) out.bias = false;
      continue;
    }
    const value = flags[name];
    if (value !== undefined && !(OPTION_SPECS[name].type === 'boolean' && value === false)) out[name] = value;
  }
  return out as Partial<TrainingOptions>;
}
