import { Rng } from '@selfsup/core';
import { Bert } from './bert.js';
import { resolveConfig } from './config.js';
import { GPT } from './gpt.js';
import type { LanguageModel, ModelConfig } from './types.js';

export interface CreateModelOptions {
  /** Seed of the initial weights (and of dropout masks when a call gives no `dropoutSeed`); default 1337. */
  seed?: number;
}

/** A GPT-2 (`objective: 'clm'`) or BERT (`'mlm'`) model with freshly initialised weights. */
export function createModel(config: ModelConfig, options: CreateModelOptions = {}): LanguageModel {
  const resolved = resolveConfig(config);
  const seed = options.seed ?? 1337;
  const rng = new Rng(seed).derive('init');
  return resolved.objective === 'clm' ? new GPT(resolved, rng, seed) : new Bert(resolved, rng, seed);
}
