/**
 * GELU in Hugging Face's two forms: `gelu_new` (tanh approximation, GPT-2) and `gelu` (exact, x · Φ(x) with erf,
 * BERT); each a fused kernel when the backend has one.
 */
import { FusedKernel, type FusedKernelName } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';
import { customOp, runKernel, useFused } from './fused.js';

const SQRT_2_OVER_PI = Math.sqrt(2 / Math.PI);

/** The fused kernel `name` with gradient kernel `gradName` (inputs { x } and { dy, x }) as an op on x. */
function fusedElementwise<T extends tf.Tensor>(x: T, name: FusedKernelName, gradName: FusedKernelName): T {
  const op = customOp(([xx], save) => {
    save([xx]);
    return {
      value: runKernel(name, { x: xx })[0],
      gradFunc: (dy, [sx]) => runKernel(gradName, { dy, x: sx })[0],
    };
  });
  return op(x) as T;
}

/** 0.5 · x · (1 + tanh(√(2/π) · (x + 0.044715 · x³))) */
export function geluTanh<T extends tf.Tensor>(x: T): T {
  if (useFused(FusedKernel.Gelu, FusedKernel.GeluGrad))
    return fusedElementwise(x, FusedKernel.Gelu, FusedKernel.GeluGrad);
  return tf.tidy(() => {
    const inner = tf.mul(tf.add(x, tf.mul(tf.mul(tf.mul(x, x), x), 0.044715)), SQRT_2_OVER_PI);
    return tf.mul(tf.mul(x, 0.5), tf.add(tf.tanh(inner), 1)) as T;
  });
}

/** 0.5 · x · (1 + erf(x / √2)) */
export function geluErf<T extends tf.Tensor>(x: T): T {
  if (useFused(FusedKernel.GeluErf, FusedKernel.GeluErfGrad)) {
    return fusedElementwise(x, FusedKernel.GeluErf, FusedKernel.GeluErfGrad);
  }
  return tf.tidy(() => tf.mul(tf.mul(x, 0.5), tf.add(tf.erf(tf.mul(x, Math.SQRT1_2)), 1)) as T);
}

export function gelu<T extends tf.Tensor>(x: T, kind: 'gelu_new' | 'gelu'): T {
  return kind === 'gelu' ? geluErf(x) : geluTanh(x);
}
