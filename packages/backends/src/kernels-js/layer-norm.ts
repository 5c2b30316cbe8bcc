/** LayerNorm over the last axis (biased variance, like PyTorch), forward and backward, on plain typed arrays. */

export function layerNormForward(
  x: Float32Array,
  gamma: Float32Array,
  beta: Float32Array,
  epsilon: number,
  rows: number,
  cols: number,
  y: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
): void {
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    let s = 0;
    for (let j = 0; j < cols; j++) s += x[o + j];
    const mu = s / cols;
    let v = 0;
    for (let j = 0; j < cols; j++) {
      const d = x[o + j] - mu;
      v += d * d;
    }
    const rs = 1 / Math.sqrt(v / cols + epsilon);
    mean[r] = mu;
    rstd[r] = rs;
    for (let j = 0; j < cols; j++) y[o + j] = (x[o + j] - mu) * rs * gamma[j] + beta[j];
  }
}

/**
 * dx = rstd · (g − mean(g) − x̂ · mean(g · x̂)) with g = dy · γ and x̂ = (x − mean) · rstd;
 * dγ = Σ_rows dy · x̂; dβ = Σ_rows dy.
 */
export function layerNormBackward(
  dy: Float32Array,
  x: Float32Array,
  gamma: Float32Array,
  mean: Float32Array,
  rstd: Float32Array,
  rows: number,
  cols: number,
  dx: Float32Array,
  dGamma: Float32Array,
  dBeta: Float32Array,
): void {
  dGamma.fill(0);
  dBeta.fill(0);
  for (let r = 0; r < rows; r++) {
    const o = r * cols;
    const mu = mean[r];
    const rs = rstd[r];
    let sumG = 0;
    let sumGX = 0;
    for (let j = 0; j < cols; j++) {
      const xh = (x[o + j] - mu) * rs;
      const d = dy[o + j];
      const g = d * gamma[j];
      sumG += g;
      sumGX += g * xh;
      dGamma[j] += d * xh;
      dBeta[j] += d;
    }
    const mg = sumG / cols;
    const mgx = sumGX / cols;
    for (let j = 0; j < cols; j++) {
      const xh = (x[o + j] - mu) * rs;
      dx[o + j] = rs * (dy[o + j] * gamma[j] - mg - xh * mgx);
    }
  }
}
