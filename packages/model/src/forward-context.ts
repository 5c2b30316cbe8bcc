import type { Rng } from '@selfsup/core';
import type * as tf from '@tensorflow/tfjs-core';

/** What every block needs to know about the current forward pass. */
export interface ForwardContext {
  batch: number;
  /** Positions in this pass (new positions only, when decoding with a KV cache). */
  time: number;
  /** Dropout rate; applied only when `rng` is set (training). */
  dropout: number;
  rng?: Rng;
  /** MLM: int32 [B, T], 1 = real token, 0 = padding. */
  attentionMask?: tf.Tensor2D;
}
