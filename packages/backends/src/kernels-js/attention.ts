/**
 * Multi-head scaled dot-product attention read straight from the packed projection qkv [B, T, 3C] (head h of q, k, v
 * = columns h·D … of each third), forward and backward, with no head transposes: each head is a row-strided view.
 * Semantics: packages/core/src/fused-kernels.ts (`Attention`, `AttentionGrad`).
 */
import type { Gemm } from './gemm.js';

export interface AttentionShape {
  batch: number;
  time: number;
  channels: number;
  heads: number;
  causal: boolean;
  scale: number;
}

/** Scratch floats the forward pass needs (one transposed key block; with dropout, one dropped probability block). */
export function attentionForwardScratch(s: AttentionShape, dropout = false): number {
  return (s.channels / s.heads) * s.time + (dropout ? s.time * s.time : 0);
}

/** Scratch floats the backward pass needs. */
export function attentionBackwardScratch(s: AttentionShape): number {
  const d = s.channels / s.heads;
  return d * s.time + 3 * s.time * s.time;
}

/** Copies rows × cols of a strided matrix into out [cols, rows]. */
function transposeStrided(x: Float32Array, off: number, ld: number, rows: number, cols: number, out: Float32Array) {
  for (let i = 0; i < rows; i++) {
    const o = off + i * ld;
    for (let j = 0; j < cols; j++) out[j * rows + i] = x[o + j];
  }
}

/** Softmax of each row of scores [T, T] in place over the keys a query may see; rows with none become zeros. */
function maskedSoftmax(
  p: Float32Array,
  pOff: number,
  t: number,
  causal: boolean,
  keep: Int32Array | undefined,
  kOff: number,
) {
  for (let i = 0; i < t; i++) {
    const o = pOff + i * t;
    const last = causal ? i : t - 1;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j <= last; j++) if (keep?.[kOff + j] !== 0 && p[o + j] > max) max = p[o + j];
    if (max === Number.NEGATIVE_INFINITY) {
      p.fill(0, o, o + t);
      continue;
    }
    let sum = 0;
    for (let j = 0; j <= last; j++) {
      const e = keep?.[kOff + j] !== 0 ? Math.exp(p[o + j] - max) : 0;
      p[o + j] = e;
      sum += e;
    }
    const inv = 1 / sum;
    for (let j = 0; j <= last; j++) p[o + j] *= inv;
    for (let j = last + 1; j < t; j++) p[o + j] = 0;
  }
}

/**
 * y [B, T, C] and probs [B, H, T, T] from qkv [B, T, 3C] (and keep [B, T] when padding is masked). With `drop`
 * [B, H, T, T] (dropout: 0 or 1/(1 − rate) per probability), y = (probs ⊙ drop) v; probs stay undropped.
 */
export function attentionForward(
  gemm: Gemm,
  s: AttentionShape,
  qkv: Float32Array,
  keep: Int32Array | undefined,
  y: Float32Array,
  probs: Float32Array,
  scratch: Float32Array,
  drop?: Float32Array,
): void {
  const { batch: b, time: t, channels: c, heads: h, causal, scale } = s;
  const d = c / h;
  const c3 = 3 * c;
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      const q = bi * t * c3 + hi * d;
      const k = q + c;
      const v = q + 2 * c;
      const p = (bi * h + hi) * t * t;
      transposeStrided(qkv, k, c3, t, d, scratch); // kᵀ (D, T)
      gemm(qkv, q, c3, scratch, 0, t, probs, p, t, t, t, d, scale, false); // q kᵀ · scale (T, T)
      maskedSoftmax(probs, p, t, causal, keep, bi * t);
      let src = probs;
      let srcOff = p;
      if (drop) {
        const pd = d * t; // (T, T) after kᵀ
        for (let i = 0; i < t * t; i++) scratch[pd + i] = probs[p + i] * drop[p + i];
        src = scratch;
        srcOff = pd;
      }
      gemm(src, srcOff, t, qkv, v, c3, y, bi * t * c + hi * d, c, t, d, t, 1, false); // p v (T, D) into y's head columns
    }
  }
}

/** dQkv [B, T, 3C] from dy [B, T, C], qkv, the saved probs and the forward's dropout multipliers if any. */
export function attentionBackward(
  gemm: Gemm,
  s: AttentionShape,
  dy: Float32Array,
  qkv: Float32Array,
  probs: Float32Array,
  dQkv: Float32Array,
  scratch: Float32Array,
  drop?: Float32Array,
): void {
  const { batch: b, time: t, channels: c, heads: h, scale } = s;
  const d = c / h;
  const c3 = 3 * c;
  const vT = 0; // (D, T)
  const pT = d * t; // (T, T)
  const dP = pT + t * t; // (T, T), then dS in place
  const dST = dP + t * t; // (T, T)
  for (let bi = 0; bi < b; bi++) {
    for (let hi = 0; hi < h; hi++) {
      const q = bi * t * c3 + hi * d;
      const k = q + c;
      const v = q + 2 * c;
      const p = (bi * h + hi) * t * t;
      const g = bi * t * c + hi * d; // this head's columns of dy
      // dV = pᵀ dy (p ⊙ drop with dropout)
      if (drop) {
        for (let i = 0; i < t; i++) {
          for (let j = 0; j < t; j++) scratch[pT + j * t + i] = probs[p + i * t + j] * drop[p + i * t + j];
        }
      } else transposeStrided(probs, p, t, t, t, scratch.subarray(pT, pT + t * t));
      gemm(scratch, pT, t, dy, g, c, dQkv, v, c3, t, d, t, 1, false);
      // dP = dy vᵀ
      transposeStrided(qkv, v, c3, t, d, scratch);
      gemm(dy, g, c, scratch, vT, t, scratch, dP, t, t, t, d, 1, false);
      // dS = p ⊙ (dP − Σ_j dP·p) · scale (softmax backward; masked entries have p = 0); dropout first: dP ⊙= drop
      for (let i = 0; i < t; i++) {
        const po = p + i * t;
        const so = dP + i * t;
        if (drop) for (let j = 0; j < t; j++) scratch[so + j] *= drop[po + j];
        let dot = 0;
        for (let j = 0; j < t; j++) dot += scratch[so + j] * probs[po + j];
        for (let j = 0; j < t; j++) scratch[so + j] = probs[po + j] * (scratch[so + j] - dot) * scale;
      }
      // dQ = dS k ; dK = dSᵀ q
      gemm(scratch, dP, t, qkv, k, c3, dQkv, q, c3, t, d, t, 1, false);
      transposeStrided(scratch, dP, t, t, t, scratch.subarray(dST, dST + t * t));
      gemm(scratch, dST, t, qkv, q, c3, dQkv, k, c3, t, d, t, 1, false);
    }
  }
}
