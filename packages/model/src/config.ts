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
  return {
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
}
