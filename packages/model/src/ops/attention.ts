/**
 * Multi-head scaled dot-product attention from the packed projection qkv [B, T, 3C] (GPT-2's c_attn output; BERT's
 * query | key | value side by side) to the merged heads [B, T, C]. Fused kernel when the backend has one (attention
 * dropout goes in as a mask drawn from the same random stream, in the same order, as the composite path's);
 * otherwise the same maths with tfjs-core ops.
 */
import { FusedKernel, type Rng } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { dropout, dropoutMask } from '../dropout.js';
import { customOp, runKernel, useFused } from './fused.js';

export interface AttentionOptions {
  nHead: number;
  /** Each query sees only keys at or before its own position. */
  causal: boolean;
  /** int32 [B, Tk]: 1 = attend to this key, 0 = padding. */
  attentionMask?: tf.Tensor2D;
  /** Dropout on the attention probabilities (training only, with `rng`). */
  dropoutRate?: number;
  rng?: Rng;
}

export function attention(qkv: tf.Tensor3D, options: AttentionOptions): tf.Tensor3D {
  const [, , c3] = qkv.shape;
  const scale = 1 / Math.sqrt(c3 / 3 / options.nHead);
  const dropping = options.rng !== undefined && (options.dropoutRate ?? 0) > 0;
  if (useFused(FusedKernel.Attention, FusedKernel.AttentionGrad)) {
    return tf.tidy(() => {
      const [b, t] = qkv.shape;
      const shape = [b, options.nHead, t, t];
      const drop = dropping
        ? tf.tensor(dropoutMask(b * options.nHead * t * t, options.dropoutRate!, options.rng!), shape, 'float32')
        : undefined;
      return fusedAttention(qkv, options.nHead, options.causal, scale, options.attentionMask, drop);
    });
  }
  return tf.tidy(() => {
    const [q, k, v] = splitQkv(qkv, options.nHead); // 3 × (B, nh, T, hs)
    const y = scaledDotProduct(q, k, v, {
      causalOffset: options.causal ? 0 : undefined,
      keyMask: options.attentionMask,
      dropoutRate: options.dropoutRate,
      rng: options.rng,
    });
    return mergeHeads(y); // (B, T, C)
  });
}

/** Packed (B, T, 3C) → q, k, v, each (B, nh, T, hs): GPT-2's split(C) then view(B, T, nh, hs).transpose(1, 2). */
export function splitQkv(qkv: tf.Tensor3D, nHead: number): [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D] {
  const [b, t, c3] = qkv.shape;
  const d = c3 / 3 / nHead;
  // One position (decoding): moving the length-1 time axis is free, so a reshape does the transpose.
  const parts =
    t === 1
      ? tf.unstack(tf.reshape(qkv, [b, 3, nHead, 1, d]), 1) // 3 × (B, nh, 1, hs)
      : tf.unstack(tf.transpose(tf.reshape(qkv, [b, t, 3, nHead, d]), [2, 0, 3, 1, 4])); // (3, B, nh, T, hs) → 3 ×
  return parts as [tf.Tensor4D, tf.Tensor4D, tf.Tensor4D];
}

/** (B, nh, T, hs) → (B, T, C) */
export function mergeHeads(y: tf.Tensor4D): tf.Tensor3D {
  const [b, h, t, d] = y.shape;
  if (t === 1) return tf.reshape(y, [b, 1, h * d]); // (B, 1, C)
  return tf.reshape(tf.transpose(y, [0, 2, 1, 3]), [b, t, h * d]); // (B, T, C)
}

export interface ScaledDotProductOptions {
  /** Causal masking with queries starting at this key position (the KV cache length); undefined = bidirectional. */
  causalOffset?: number;
  keyMask?: tf.Tensor2D;
  dropoutRate?: number;
  rng?: Rng;
}

/** softmax(q kᵀ / √hs + mask) v for q (B, nh, Tq, hs), k and v (B, nh, Tk, hs) → (B, nh, Tq, hs). */
export function scaledDotProduct(
  q: tf.Tensor4D,
  k: tf.Tensor4D,
  v: tf.Tensor4D,
  options: ScaledDotProductOptions = {},
): tf.Tensor4D {
  return tf.tidy(() => {
    const [b, , tq, d] = q.shape;
    const tk = k.shape[2];
    let att: tf.Tensor = tf.mul(tf.matMul(q, k, false, true), 1 / Math.sqrt(d)); // (B, nh, Tq, Tk)
    if (options.causalOffset !== undefined && tq > 1) att = tf.add(att, causalBias(tq, tk, options.causalOffset));
    let keep: tf.Tensor | undefined;
    if (options.keyMask) {
      keep = tf.reshape(tf.cast(options.keyMask, 'float32'), [b, 1, 1, tk]); // (B, 1, 1, Tk)
      att = tf.add(att, tf.mul(tf.sub(1, keep), -1e9));
    }
    att = tf.softmax(att);
    // A query whose every key is padding gets zeros, not a uniform average (the fused kernel's contract).
    if (keep) att = tf.mul(att, keep);
    att = dropout(att, options.dropoutRate ?? 0, options.rng);
    return tf.matMul(att, v) as tf.Tensor4D; // (B, nh, Tq, hs)
  });
}

/** [Tq, Tk] additive mask: 0 where key j ≤ offset + i, −1e9 above that diagonal. */
function causalBias(tq: number, tk: number, offset: number): tf.Tensor2D {
  const bias = new Float32Array(tq * tk);
  for (let i = 0; i < tq; i++) for (let j = offset + i + 1; j < tk; j++) bias[i * tk + j] = -1e9;
  return tf.tensor2d(bias, [tq, tk]);
}

function fusedAttention(
  qkv: tf.Tensor3D,
  nHead: number,
  causal: boolean,
  scale: number,
  mask: tf.Tensor2D | undefined,
  drop: tf.Tensor | undefined,
): tf.Tensor3D {
  const attrs = { nHead, causal, scale };
  const op = customOp(([x], save) => {
    const inputs: tf.NamedTensorMap = { qkv: x };
    if (mask) inputs.attentionMask = mask;
    if (drop) inputs.dropMask = drop;
    const [y, probs] = runKernel(FusedKernel.Attention, inputs, attrs);
    save(drop ? [x, probs, drop] : [x, probs]);
    return {
      value: y,
      gradFunc: (dy, [sq, sp, sd]) => {
        const gradInputs: tf.NamedTensorMap = { dy, qkv: sq, probs: sp };
        if (sd) gradInputs.dropMask = sd;
        return runKernel(FusedKernel.AttentionGrad, gradInputs, attrs)[0];
      },
    };
  });
  return op(qkv) as tf.Tensor3D;
}
