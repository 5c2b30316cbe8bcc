/** Softmax cross-entropy from integer labels (no one-hot), forward and backward, on plain typed arrays. */

export function sparseCrossEntropyForward(
  logits: Float32Array,
  labels: Int32Array,
  ignoreIndex: number,
  rows: number,
  vocab: number,
  loss: Float32Array,
  logSumExp: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * vocab;
    let max = Number.NEGATIVE_INFINITY;
    for (let j = 0; j < vocab; j++) if (logits[o + j] > max) max = logits[o + j];
    let s = 0;
    for (let j = 0; j < vocab; j++) s += Math.exp(logits[o + j] - max);
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
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * vocab;
    const label = labels[r];
    if (label === ignoreIndex) {
      dLogits.fill(0, o, o + vocab);
      continue;
    }
    const g = dy[r];
    const lse = logSumExp[r];
    for (let j = 0; j < vocab; j++) dLogits[o + j] = g * Math.exp(logits[o + j] - lse);
    if (label >= 0 && label < vocab) dLogits[o + label] -= g;
  }
}
