/** Checks a `ModelConfig` and fills in GPT-2's / BERT's defaults. */
import { usageError } from '@selfsup/core';
import type { ModelConfig, ResolvedModelConfig } from './types.js';

/** The activation a resolved config means (the objective's default when `hiddenAct` is absent). */
export function activationOf(config: ResolvedModelConfig): 'gelu_new' | 'gelu' {
  return config.hiddenAct ?? (config.objective === 'mlm' ? 'gelu' : 'gelu_new');
}

function positiveInt(value: unknown, name: string): number {
  if (!Number.isSafeInteger(value) || (value as number) < 1) {
    throw usageError(`model config: ${name} must be a positive integer, got ${JSON.stringify(value)}`);
  }
  return value as number;
}

/**
 * The most parameters a model may have: 2^31 float32 values (8 GiB, and AdamW keeps two more copies). Larger configs
 * are refused before anything is allocated, whether they come from flags or from a downloaded config.json.
 */
export const MAX_PARAMETERS = 2 ** 31;

/** How many parameters `config` makes (every tensor, the tied output weights once), computed without building it. */
export function parameterCount(config: ResolvedModelConfig): number {
  const { vocabSize: v, blockSize: p, nLayer: l, nEmbd: c, intermediateSize: f } = config;
  const b = config.bias ? 1 : 0;
  const norm = c * (1 + b); // LayerNorm weight (+ bias)
  const linear = (inputs: number, outputs: number) => inputs * outputs + b * outputs;
  if (config.objective === 'clm') {
    const block = norm + linear(c, 3 * c) + linear(c, c) + norm + linear(c, f) + linear(f, c);
    return v * c + p * c + l * block + norm;
  }
  const layer = 4 * linear(c, c) + norm + linear(c, f) + linear(f, c) + norm;
  const embeddings = (v + p + config.typeVocabSize) * c + norm;
  return embeddings + l * layer + linear(c, c) + norm + v; // + the prediction head's transform and output bias
}

export function resolveConfig(config: ModelConfig): ResolvedModelConfig {
  if (config.objective !== 'clm' && config.objective !== 'mlm') {
    throw usageError(`model config: objective must be 'clm' or 'mlm', got ${JSON.stringify(config.objective)}`);
  }
  const mlm = config.objective === 'mlm';
  const nEmbd = positiveInt(config.nEmbd, 'nEmbd');
  const nHead = positiveInt(config.nHead, 'nHead');
  if (nEmbd % nHead !== 0) throw usageError(`model config: nEmbd (${nEmbd}) must be divisible by nHead (${nHead})`);
  const dropout = config.dropout ?? 0;
  if (!(dropout >= 0 && dropout < 1)) throw usageError(`model config: dropout must be in [0, 1), got ${dropout}`);
  const layerNormEpsilon = config.layerNormEpsilon ?? (mlm ? 1e-12 : 1e-5);
  if (!(layerNormEpsilon > 0)) throw usageError(`model config: layerNormEpsilon must be > 0, got ${layerNormEpsilon}`);
  const hiddenAct = config.hiddenAct ?? (mlm ? 'gelu' : 'gelu_new');
  if (hiddenAct !== 'gelu' && hiddenAct !== 'gelu_new') {
    throw usageError(`model config: hiddenAct must be 'gelu_new' or 'gelu', got ${JSON.stringify(hiddenAct)}`);
  }
  const vocabSize = positiveInt(config.vocabSize, 'vocabSize');
  const padTokenId = config.padTokenId ?? 0;
  if (!Number.isSafeInteger(padTokenId) || padTokenId < 0 || padTokenId >= vocabSize) {
    throw usageError(`model config: padTokenId must be an id below vocabSize (${vocabSize}), got ${padTokenId}`);
  }
  const resolved: ResolvedModelConfig = {
    objective: config.objective,
    vocabSize,
    blockSize: positiveInt(config.blockSize, 'blockSize'),
    nLayer: positiveInt(config.nLayer, 'nLayer'),
    nHead,
    nEmbd,
    dropout,
    bias: config.bias ?? true,
    layerNormEpsilon,
    intermediateSize: positiveInt(config.intermediateSize ?? 4 * nEmbd, 'intermediateSize'),
    hiddenAct,
    typeVocabSize: positiveInt(config.typeVocabSize ?? 2, 'typeVocabSize'),
    padTokenId,
  };
  const count = parameterCount(resolved);
  if (!(count <= MAX_PARAMETERS)) {
    throw usageError(
      `model config: ${count.toExponential(3)} parameters is more than the ${MAX_PARAMETERS} (8 GiB of float32) allowed`,
    );
  }
  return resolved;
}
