/**
 * When to use a fused kernel (packages/core/src/fused-kernels.ts is the contract; @selfsup/backends registers them):
 * only when the active backend has one of that name and fused kernels are not switched off.
 */
import { FusedKernel, type FusedKernelName } from '@selfsup/core';
import * as tf from '@tensorflow/tfjs-core';

let enabled = true;

/** Switches fused kernels on or off (on by default); returns the previous setting. Both paths compute the same. */
export function setUseFusedKernels(on: boolean): boolean {
  const previous = enabled;
  enabled = on;
  return previous;
}

/** True when `name` and its gradient kernel `gradName` are registered for the active backend and allowed. */
export function useFused(name: FusedKernelName, gradName: FusedKernelName): boolean {
  if (!enabled) return false;
  const backend = tf.getBackend();
  return tf.getKernel(name, backend) !== undefined && tf.getKernel(gradName, backend) !== undefined;
}

/** Which fused kernels the active backend provides (forward and gradient both present). */
export function fusedKernelsAvailable(): Record<
  'sparseCrossEntropy' | 'layerNorm' | 'gelu' | 'geluErf' | 'attention',
  boolean
> {
  const has = (a: FusedKernelName, b: FusedKernelName) => {
    const backend = tf.getBackend();
    return tf.getKernel(a, backend) !== undefined && tf.getKernel(b, backend) !== undefined;
  };
  return {
    sparseCrossEntropy: has(FusedKernel.SparseCrossEntropy, FusedKernel.SparseCrossEntropyGrad),
    layerNorm: has(FusedKernel.LayerNorm, FusedKernel.LayerNormGrad),
    gelu: has(FusedKernel.Gelu, FusedKernel.GeluGrad),
    geluErf: has(FusedKernel.GeluErf, FusedKernel.GeluErfGrad),
    attention: has(FusedKernel.Attention, FusedKernel.AttentionGrad),
  };
}

/** Runs a registered kernel and returns its outputs as an array. */
export function runKernel(name: FusedKernelName, inputs: tf.NamedTensorMap, attrs: tf.NamedAttrMap = {}): tf.Tensor[] {
  const out = tf.engine().runKernel(name, inputs, attrs);
  return Array.isArray(out) ? (out as tf.Tensor[]) : [out as tf.Tensor];
}

/**
 * `tf.customGrad` with plain types: `forward(inputs, save)` returns the value and a gradient function giving one
 * gradient per input. Tensors the gradient needs must go through `save` (closures may be disposed by then).
 */
export function customOp(
  forward: (
    inputs: tf.Tensor[],
    save: tf.GradSaveFunc,
  ) => { value: tf.Tensor; gradFunc: (dy: tf.Tensor, saved: tf.Tensor[]) => tf.Tensor | tf.Tensor[] },
): (...inputs: tf.Tensor[]) => tf.Tensor {
  const op = tf.customGrad((...args: (tf.Tensor | tf.GradSaveFunc)[]) => {
    const save = args.pop() as tf.GradSaveFunc;
    return forward(args as tf.Tensor[], save);
  });
  // Outside a gradient (evaluation, generation) the wrapper's bookkeeping is pure overhead: run the forward alone.
  return (...inputs) => (recordingGradients() ? op(...inputs) : tf.tidy(() => forward(inputs, () => {}).value));
}

/** True while tfjs records operations for a gradient (inside tf.grad, tf.variableGrads, optimizer.minimize). */
export function recordingGradients(): boolean {
  return tf.engine().state.gradientDepth > 0;
}
