/** GELU, tanh approximation (GPT-2's `gelu_new`) and exact (erf, BERT's `gelu`), and derivatives, on plain typed arrays. */

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

// erf(z) = 1 − t·(a1 + t·(a2 + t·(a3 + t·(a4 + t·a5))))·e^{−z²}, t = 1 / (1 + p·z), z ≥ 0: Abramowitz & Stegun 7.1.26,
// absolute error under 1.5e-7 (the form tfjs's own Erf kernels use, so the fused and composite paths agree).
const P = 0.3275911;
const A1 = 0.254829592;
const A2 = -0.284496736;
const A3 = 1.421413741;
const A4 = -1.453152027;
const A5 = 1.061405429;
const INV_SQRT_2PI = 1 / Math.sqrt(2 * Math.PI);

/** Φ(v) (the standard normal CDF, 0.5·(1 + erf(v/√2))) given e = exp(−v²/2). */
function phiCdf(v: number, e: number): number {
  const z = Math.abs(v) * Math.SQRT1_2;
  const t = 1 / (1 + P * z);
  const erf = 1 - t * (A1 + t * (A2 + t * (A3 + t * (A4 + t * A5)))) * e;
  return 0.5 * (1 + (v < 0 ? -erf : erf));
}

/** y = x·Φ(x) = 0.5·x·(1 + erf(x/√2)). */
export function geluErfForward(x: Float32Array, y: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    y[i] = v * phiCdf(v, Math.exp(-0.5 * v * v));
  }
}

/** dx = dy·(Φ(x) + x·φ(x)), φ(x) = exp(−x²/2)/√(2π): one exp serves both. */
export function geluErfBackward(dy: Float32Array, x: Float32Array, dx: Float32Array): void {
  for (let i = 0; i < x.length; i++) {
    const v = x[i];
    const e = Math.exp(-0.5 * v * v);
    dx[i] = dy[i] * (phiCdf(v, e) + v * e * INV_SQRT_2PI);
  }
}
