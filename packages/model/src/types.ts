/**
 * The model contract other packages rely on (@selfsup/trainer, the CLI, the docs). Change it only on purpose.
 */
import type * as tf from '@tensorflow/tfjs-core';

export type Objective = 'clm' | 'mlm';

/** What `createModel` takes. Names follow nanoGPT (`nLayer` = `n_layer`); defaults are GPT-2's / BERT's. */
export interface ModelConfig {
  objective: Objective;
  vocabSize: number;
  /** Context length: GPT-2 `n_positions`, BERT `max_position_embeddings`. */
  blockSize: number;
  nLayer: number;
  nHead: number;
  nEmbd: number;
  /** Dropout on embeddings, attention probabilities and residuals (default 0). */
  dropout?: number;
  /** Biases in Linear and LayerNorm layers (default true; nanoGPT's `bias` option). */
  bias?: boolean;
  /** Default 1e-5 for CLM (GPT-2), 1e-12 for MLM (BERT). */
  layerNormEpsilon?: number;
  /** Feed-forward width (default 4 · nEmbd); BERT `intermediate_size`, also GPT-2 `n_inner` for CLM. */
  intermediateSize?: number;
  /**
   * Feed-forward activation, as Hugging Face names it: `gelu_new` is GELU's tanh approximation (GPT-2), `gelu` the
   * exact erf form (BERT). Default `gelu_new` for CLM and `gelu` for MLM, so saved weights load in Hugging Face
   * unchanged. Only `gelu_new` has a fused kernel.
   */
  hiddenAct?: 'gelu_new' | 'gelu';
  /** MLM only: token-type vocabulary (default 2). */
  typeVocabSize?: number;
  /** MLM only: id of `[PAD]` (default 0). */
  padTokenId?: number;
}

/**
 * A config with every default filled in (`resolveConfig`). `hiddenAct` was added after the first version of this
 * contract and stays optional in the type so older literals still compile; `resolveConfig` always sets it.
 */
export type ResolvedModelConfig = Required<Omit<ModelConfig, 'hiddenAct'>> & Pick<ModelConfig, 'hiddenAct'>;

export interface ForwardOptions {
  /** Training mode: dropout active (default false). */
  training?: boolean;
  /** Seed for this call's dropout masks, so a step is reproducible (and resumable) for a given seed. */
  dropoutSeed?: number;
  /** MLM: int32 [B, T], 1 = real token, 0 = padding (default: positions whose id is not `padTokenId`). */
  attentionMask?: tf.Tensor2D;
  /** MLM: int32 [B, T] segment ids (default all 0). */
  tokenTypeIds?: tf.Tensor2D;
}

/** Keys and values of past positions, per layer, for incremental decoding (see `LanguageModel.logitsCached`). */
export interface KVCache {
  /** Positions held. */
  readonly length: number;
  dispose(): void;
}

export interface ParamGroups {
  /** Parameter names that get weight decay (2-D and larger weights). */
  decay: string[];
  /** Biases, LayerNorm weights, and embeddings when `decayEmbeddings` is false. */
  noDecay: string[];
}

export interface LanguageModel {
  readonly config: ResolvedModelConfig;
  /** Trainable parameters keyed by their Hugging Face name, in a stable order (the order of the saved file). */
  readonly params: ReadonlyMap<string, tf.Variable>;
  /** Logits [B, T, V] for int32 inputs [B, T]. */
  logits(inputs: tf.Tensor2D, options?: ForwardOptions): tf.Tensor3D;
  /**
   * Mean cross-entropy over positions whose label is not -100; inputs and labels are int32 [B, T].
   * CLM labels are the inputs shifted left by one (made by @selfsup/dataset); MLM labels are the originals at masked
   * positions. Computed from integer labels, never one-hot.
   */
  loss(inputs: tf.Tensor2D, labels: tf.Tensor2D, options?: ForwardOptions): tf.Scalar;
  /**
   * The cross-entropy at each position whose label is not -100, in row-major order (the mean of this is `loss`).
   * Reads the labels back, so it syncs; meant for evaluation, e.g. the loss by kind of masked position.
   */
  labelLosses(inputs: tf.Tensor2D, labels: tf.Tensor2D, options?: ForwardOptions): tf.Tensor1D;
  /** Parameter count like nanoGPT's `get_num_params`: without position embeddings unless `nonEmbedding` is false. */
  numParams(options?: { nonEmbedding?: boolean }): number;
  /** nanoGPT's optimizer groups: decay only where dim ≥ 2 (and not embeddings when `decayEmbeddings` is false). */
  paramGroups(options?: { decayEmbeddings?: boolean }): ParamGroups;
  /** FLOPs of one forward+backward pass per token (6·N + attention), for MFU and GFLOP/s figures. */
  flopsPerToken(seqLen?: number): number;
  dispose(): void;
  /** CLM only: an empty KV cache for `logitsCached` (batch size 1 unless given). */
  createKVCache?(batchSize?: number): KVCache;
  /**
   * CLM only: runs int32 `inputs` [B, Tnew] after the positions the cache holds, appends their keys and values to it,
   * and returns the logits [B, V] of the last new position. Each new token costs one position, not a full pass.
   */
  logitsCached?(inputs: tf.Tensor2D, cache: KVCache): tf.Tensor2D;
}
