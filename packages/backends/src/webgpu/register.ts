/** Kernels we register for tfjs-backend-webgpu: an AddN for any number of inputs (and fused kernels in WGSL). */
import { AddN, getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { makeAddNConfig } from './kernels/AddN.js';
import { adamwConfig } from './kernels/SelfsupAdamW.js';
import { geluConfig } from './kernels/SelfsupGelu.js';
import { geluGradConfig } from './kernels/SelfsupGeluGrad.js';
import { layerNormConfig } from './kernels/SelfsupLayerNorm.js';
import { layerNormGradConfig } from './kernels/SelfsupLayerNormGrad.js';
import { sparseCrossEntropyConfig } from './kernels/SelfsupSparseCrossEntropy.js';
import { sparseCrossEntropyGradConfig } from './kernels/SelfsupSparseCrossEntropyGrad.js';

/** GELU, LayerNorm, sparse cross-entropy and AdamW in WGSL; attention stays on the composite ops (batched matmuls and
 *  softmax already run on the GPU). */
export const webgpuFusedKernels: KernelConfig[] = [
  geluConfig,
  geluGradConfig,
  layerNormConfig,
  layerNormGradConfig,
  sparseCrossEntropyConfig,
  sparseCrossEntropyGradConfig,
  adamwConfig,
];

const OURS = Symbol.for('selfsup.backends.kernel');

function replace(config: KernelConfig): void {
  unregisterKernel(config.kernelName, config.backendName);
  registerKernel({ ...config, [OURS]: true } as KernelConfig);
}

/** Registers our webgpu kernels (idempotent; call after '@tensorflow/tfjs-backend-webgpu' is imported). */
export function registerWebgpuKernels(options: { fused?: boolean } = {}): void {
  const addN = getKernel(AddN, 'webgpu') as (KernelConfig & { [OURS]?: true }) | undefined;
  if (addN && !addN[OURS]) replace(makeAddNConfig(addN));
  for (const k of webgpuFusedKernels) {
    const present = getKernel(k.kernelName, 'webgpu') !== undefined;
    if (options.fused === false) {
      if (present) unregisterKernel(k.kernelName, 'webgpu');
    } else if (!present) registerKernel(k);
  }
}
