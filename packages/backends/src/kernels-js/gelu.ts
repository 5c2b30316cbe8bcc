/** GELU, tanh approximation (GPT-2's `gelu_new`), and its derivative, on plain typed arrays. */

const K0 = Math.sqrt(2 / Math.PI);
const K1 = 0.044715;

/** tanh(u) = 1 − 2 / (e^{2u} + 1); one exp instead of Math.tanh's slower path, exact to float32 rounding. */
function tanh(u: number): number {
  if (u > 15) return 1;
  if (u < -15) return -1;
  return 1 - 2 / (Math.exp(2 * u) + 1);
}

export function geluForward(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = 0.5 * v * (1 + tanh(K0 * (v + K1 * v * v * v)));
  }
}

/** d/dx = 0.5·(1 + t) + 0.5·x·(1 − t²)·√(2/π)·(1 + 3·0.044715·x²), t = tanh(√(2/π)·(x + 0.044715·x³)). */
export function geluBackward(dy: Float32Array, x: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const t = tanh(K0 * (v + K1 * v * v * v));
    dx[i] = dy[i] * (0.5 * (1 + t) + 0.5 * v * (1 - t * t) * K0 * (1 + 3 * K1 * v * v));
  }
}
