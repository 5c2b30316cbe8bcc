/**
 * Autoregressive sampling for causal LMs, like nanoGPT's `generate` but with a KV cache: the prompt is run once, then
 * each new token costs one position. A prompt longer than the context keeps its last `blockSize` tokens (nanoGPT's
 * crop). When the sequence outgrows `blockSize`, the window slides: without the cache every step re-reads the last
 * `blockSize` tokens (exactly nanoGPT); with it, the cache is rebuilt from the last ⌈blockSize / 2⌉ tokens and grows
 * again, so positions stay within the learned position embeddings at about two positions of work per token.
 */
import { inputError, Rng, usageError } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { checkSamplingOptions, type SamplingOptions, sampleToken } from './sampler.js';
import type { KVCache, LanguageModel } from './types.js';

export interface GenerateOptions extends SamplingOptions {
  maxNewTokens: number;
  /** Seed of the sampler (default 0): the same seed gives the same tokens. */
  seed?: number;
  /** Stop after producing any of these ids (the stop token is included in the output). */
  stopTokens?: readonly number[];
  /** Called with each new token as it is produced; return `false` to stop. */
  onToken?: (token: number, index: number) => unknown;
  /** Use the KV cache (default true); false recomputes the whole window each step (for benchmarks). */
  useCache?: boolean;
}

export interface GenerateResult {
  /** The prompt followed by the new tokens. */
  tokens: Int32Array;
  newTokens: Int32Array;
  stopReason: 'max-new-tokens' | 'stop-token' | 'callback';
}

export async function generate(
  model: LanguageModel,
  prompt: Int32Array | readonly number[],
  options: GenerateOptions,
): Promise<GenerateResult> {
  const { vocabSize, blockSize, objective } = model.config;
  if (objective !== 'clm' || !model.createKVCache || !model.logitsCached) {
    throw usageError(`generate needs a causal LM (objective 'clm'), this model is '${objective}'`);
  }
  const { maxNewTokens, seed = 0, stopTokens = [], onToken, useCache = true } = options;
  if (!Number.isSafeInteger(maxNewTokens) || maxNewTokens < 0) {
    throw usageError(`maxNewTokens must be a non-negative integer, got ${maxNewTokens}`);
  }
  checkSamplingOptions(options);
  if (prompt.length === 0) throw usageError('generate: the prompt must hold at least one token');
  for (const id of prompt) {
    if (!Number.isInteger(id) || id < 0 || id >= vocabSize) {
      throw inputError(`generate: prompt token ${id} is outside the model's vocabulary (0…${vocabSize - 1})`);
    }
  }
  const rng = new Rng(seed);
  const stops = new Set(stopTokens);
  const sequence = Int32Array.from(prompt);
  const tokens = new Int32Array(sequence.length + maxNewTokens);
  tokens.set(sequence);
  let length = sequence.length;
  let stopReason: GenerateResult['stopReason'] = 'max-new-tokens';
  const run = async (ids: Int32Array, cache: KVCache): Promise<Float32Array> => {
    const logits = tf.tidy(() => model.logitsCached!(tf.tensor2d(ids, [1, ids.length], 'int32'), cache));
    try {
      return (await logits.data()) as Float32Array;
    } finally {
      logits.dispose();
    }
  };

  let cache = model.createKVCache(1);
  try {
    let pending = tokens.subarray(Math.max(0, length - blockSize), length); // nanoGPT's crop
    for (let i = 0; i < maxNewTokens; i++) {
      if (!useCache) {
        cache.dispose();
        cache = model.createKVCache(1);
        pending = tokens.subarray(Math.max(0, length - blockSize), length);
      } else if (cache.length + pending.length > blockSize) {
        cache.dispose(); // slide: rebuild from the newest half of the window
        cache = model.createKVCache(1);
        pending = tokens.subarray(length - Math.ceil(blockSize / 2), length);
      }
      const logits = await run(pending, cache);
      const token = sampleToken(logits, options, rng);
      tokens[length++] = token;
      pending = tokens.subarray(length - 1, length);
      if (onToken?.(token, i) === false) {
        stopReason = 'callback';
        break;
      }
      if (stops.has(token)) {
        stopReason = 'stop-token';
        break;
      }
      if (i % 16 === 15) await new Promise((resolve) => setTimeout(resolve, 0)); // let streamed output flush
    }
  } finally {
    cache.dispose();
  }
  return { tokens: tokens.slice(0, length), newTokens: tokens.slice(sequence.length, length), stopReason };
}
