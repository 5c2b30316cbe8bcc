/** One AdamW update (PyTorch's `torch.optim.AdamW`) over flat arrays; see packages/core/src/fused-kernels.ts. */

export interface AdamWAttrs {
  lr: number;
  beta1: number;
  beta2: number;
  eps: number;
  weightDecay: number;
  step: number;
}

export function adamwUpdate(
  param: Float32Array,
  grad: Float32Array,
  m: Float32Array,
  v: Float32Array,
  a: AdamWAttrs,
  paramOut: Float32Array,
  mOut: Float32Array,
  vOut: Float32Array,
): void {
  const { lr, beta1, beta2, eps, weightDecay, step } = a;
  const c1 = 1 / (1 - beta1 ** step);
  const c2 = 1 / (1 - beta2 ** step);
  const b1c = 1 - beta1;
  const b2c = 1 - beta2;
  for (let i = 0; i < param.length; i++) {
    const g = grad[i];
    const mi = beta1 * m[i] + b1c * g;
    const vi = beta2 * v[i] + b2c * g * g;
    const p = param[i];
    paramOut[i] = p - lr * ((mi * c1) / (Math.sqrt(vi * c2) + eps) + weightDecay * p);
    mOut[i] = mi;
    vOut[i] = vi;
  }
}
