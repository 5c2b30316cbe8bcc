/**
 * What GPT and BERT share: parameters, the loss from integer labels, nanoGPT's parameter count, optimizer groups and
 * FLOP estimate. Subclasses supply `hidden` (the encoder output per position) and `head` (hidden → vocabulary logits).
 */
import { Rng, usageError } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import './register-gradients.js';
import type { ForwardContext } from './forward-context.js';
import { sparseCrossEntropy } from './ops/cross-entropy.js';
import type { ParamStore } from './params.js';
import type { ForwardOptions, LanguageModel, ParamGroups, ResolvedModelConfig } from './types.js';

export const IGNORE_INDEX = -100;

export abstract class TransformerLM implements LanguageModel {
  readonly params: ReadonlyMap<string, tf.Variable>;
  private readonly dropoutStream: Rng;

  protected constructor(
    readonly config: ResolvedModelConfig,
    protected readonly store: ParamStore,
    seed: number,
  ) {
    this.params = store.map;
    this.dropoutStream = new Rng(seed).derive('dropout');
  }

  /** Final hidden states (B·T, C) for ids (B, T). */
  protected abstract hidden(inputs: tf.Tensor2D, ctx: ForwardContext, options: ForwardOptions): tf.Tensor2D;

  /** Vocabulary logits (N, V) for hidden states (N, C). */
  protected abstract head(hidden: tf.Tensor2D): tf.Tensor2D;

  /** Embedding tables (excluded from decay when `decayEmbeddings` is false). */
  protected abstract embeddingNames(): string[];

  /** The position embedding table (left out of `numParams()` like nanoGPT). */
  protected abstract positionEmbeddingName(): string;

  logits(inputs: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor3D {
    const ctx = this.context(inputs, options);
    return tf.tidy(() => {
      const logits = this.head(this.hidden(inputs, ctx, options));
      return tf.reshape(logits, [ctx.batch, ctx.time, this.config.vocabSize]);
    });
  }

  loss(inputs: tf.Tensor2D, labels: tf.Tensor2D, options: ForwardOptions = {}): tf.Scalar {
    checkLabels('loss', inputs, labels);
    const ctx = this.context(inputs, options);
    const rows = this.lossRows(labels);
    return tf.tidy(() => {
      const h = this.hidden(inputs, ctx, options); // (N, C)
      const flatLabels = tf.reshape(labels, [labels.size]) as tf.Tensor1D; // (N,)
      if (rows && rows.length > 0) {
        // Only labelled positions need the vocabulary projection (15% of them for MLM).
        return tf.div(tf.sum(this.lossesAt(h, flatLabels, rows)), rows.length) as tf.Scalar;
      }
      const perRow = sparseCrossEntropy(this.head(h), flatLabels, IGNORE_INDEX); // (N,)
      const count = tf.sum(tf.cast(tf.notEqual(flatLabels, IGNORE_INDEX), 'float32'));
      return tf.div(tf.sum(perRow), tf.maximum(count, 1)) as tf.Scalar;
    });
  }

  labelLosses(inputs: tf.Tensor2D, labels: tf.Tensor2D, options: ForwardOptions = {}): tf.Tensor1D {
    checkLabels('labelLosses', inputs, labels);
    const ctx = this.context(inputs, options);
    const rows = labelledRows(labels);
    return tf.tidy(() => {
      if (rows.length === 0) return tf.zeros([0]) as tf.Tensor1D;
      const flatLabels = tf.reshape(labels, [labels.size]) as tf.Tensor1D; // (N,)
      return this.lossesAt(this.hidden(inputs, ctx, options), flatLabels, rows);
    });
  }

  /** Cross-entropy at the given rows of hidden states (N, C) against their labels (N,): (rows,). */
  private lossesAt(h: tf.Tensor2D, flatLabels: tf.Tensor1D, rows: Int32Array): tf.Tensor1D {
    const idx = tf.tensor1d(rows, 'int32');
    return sparseCrossEntropy(this.head(tf.gather(h, idx)), tf.gather(flatLabels, idx), IGNORE_INDEX);
  }

  /**
   * Row indices worth projecting onto the vocabulary, or undefined for all rows. Reading labels costs a sync, so only
   * MLM (where most labels are -100) does it.
   */
  protected lossRows(_labels: tf.Tensor2D): Int32Array | undefined {
    return undefined;
  }

  numParams(options: { nonEmbedding?: boolean } = {}): number {
    let n = 0;
    for (const v of this.params.values()) n += v.size;
    if (options.nonEmbedding ?? true) n -= this.params.get(this.positionEmbeddingName())!.size;
    return n;
  }

  paramGroups(options: { decayEmbeddings?: boolean } = {}): ParamGroups {
    const embeddings = new Set((options.decayEmbeddings ?? true) ? [] : this.embeddingNames());
    const groups: ParamGroups = { decay: [], noDecay: [] };
    for (const [name, v] of this.params) {
      (v.rank >= 2 && !embeddings.has(name) ? groups.decay : groups.noDecay).push(name);
    }
    return groups;
  }

  flopsPerToken(seqLen = this.config.blockSize): number {
    // nanoGPT's estimate_mfu / PaLM appendix B: 6N for the weights, 12·L·C·T for attention scores and values.
    const { nLayer, nEmbd } = this.config;
    return 6 * this.numParams() + 12 * nLayer * nEmbd * seqLen;
  }

  dispose(): void {
    for (const v of this.params.values()) v.dispose();
  }

  protected context(inputs: tf.Tensor2D, options: ForwardOptions): ForwardContext {
    if (inputs.rank !== 2) throw usageError(`inputs must be int32 [batch, time], got shape [${inputs.shape}]`);
    if (inputs.dtype !== 'int32') throw usageError(`inputs must be int32, got ${inputs.dtype}`);
    const [batch, time] = inputs.shape;
    if (time > this.config.blockSize) {
      throw usageError(`inputs have ${time} positions, more than the model's blockSize ${this.config.blockSize}`);
    }
    const training = options.training === true && this.config.dropout > 0;
    const rng = training ? new Rng(options.dropoutSeed ?? this.dropoutStream.nextUint32()) : undefined;
    return { batch, time, dropout: this.config.dropout, rng, attentionMask: options.attentionMask };
  }
}

function checkLabels(method: string, inputs: tf.Tensor2D, labels: tf.Tensor2D): void {
  if (labels.rank !== 2 || labels.shape[0] !== inputs.shape[0] || labels.shape[1] !== inputs.shape[1]) {
    throw usageError(`${method}: labels must have the inputs' shape [${inputs.shape}], got [${labels.shape}]`);
  }
  if (labels.dtype !== 'int32') throw usageError(`${method}: labels must be int32, got ${labels.dtype}`);
}

/** Flat (row-major) indices of the labels that are not -100; reads the labels back (a sync). */
export function labelledRows(labels: tf.Tensor2D): Int32Array {
  const values = labels.dataSync();
  let n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== IGNORE_INDEX) n++;
  const rows = new Int32Array(n);
  n = 0;
  for (let i = 0; i < values.length; i++) if (values[i] !== IGNORE_INDEX) rows[n++] = i;
  return rows;
}
