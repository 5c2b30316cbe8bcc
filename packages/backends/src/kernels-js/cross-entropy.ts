/**
 * Softmax cross-entropy from integer labels (no one-hot), forward and backward, on plain typed arrays. With `simd`
 * (the arrays are views on its memory) each row's max, Σ exp and exp run four at a time in wasm SIMD; the last
 * vocab % 4 columns, the float64 total and the label's term stay here.
 */
import type { SimdKernels } from '../simd/module.js';

/** Floats per SIMD Σ exp call: each run is added in float32, the runs in float64. */
const RUN = 256;

export function sparseCrossEntropyForward(
  logits: Float32Array,
  labels: Int32Array,
  ignoreIndex: number,
  rows: number,
  vocab: number,
  loss: Float32Array,
  logSumExp: Float32Array,
  simd?: SimdKernels,
): void {
  const n4 = simd ? vocab & ~3 : 0;
  for (let r = 0; r < rows; r++) {
    const o = r * vocab;
    const at = logits.byteOffset + 4 * o;
    let max = n4 > 0 ? simd!.rowMax(at, n4) : Number.NEGATIVE_INFINITY;
    for (let j = n4; j < vocab; j++) if (logits[o + j] > max) max = logits[o + j];
    let s = 0;
    for (let j = 0; j < n4; j += RUN) s += simd!.sumExp(at + 4 * j, Math.min(RUN, n4 - j), max);
    for (let j = n4; j < vocab; j++) s += Math.exp(logits[o + j] - max);
    const lse = max + Math.log(s);
    logSumExp[r] = lse;
    const label = labels[r];
    if (label === ignoreIndex) loss[r] = 0;
    else if (label < 0 || label >= vocab) loss[r] = Number.NaN;
    else loss[r] = lse - logits[o + label];
  }
}

/** dLogits[r, j] = dy[r] · (softmax(logits)[r, j] − [j = label[r]]), zero rows where the label is ignored. */
export function sparseCrossEntropyBackward(
  logits: Float32Array,
  labels: Int32Array,
  logSumExp: Float32Array,
  dy: Float32Array,
  ignoreIndex: number,
  rows: number,
  vocab: number,
  dLogits: Float32Array,
  simd?: SimdKernels,
): void {
  const n4 = simd ? vocab & ~3 : 0;
  for (let r = 0; r < rows; r++) {
    const o = r * vocab;
    const label = labels[r];
    if (label === ignoreIndex) {
      dLogits.fill(0, o, o + vocab);
      continue;
    }
    const g = dy[r];
    const lse = logSumExp[r];
    if (n4 > 0) simd!.expScaled(logits.byteOffset + 4 * o, dLogits.byteOffset + 4 * o, n4, lse, g);
    for (let j = n4; j < vocab; j++) dLogits[o + j] = g * Math.exp(logits[o + j] - lse);
    if (label >= 0 && label < vocab) dLogits[o + label] -= g;
  }
}
