/** Kernels we register for tfjs-backend-cpu: the fused kernels (JavaScript versions shared with wasm). */
import { getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { selfsupAdamWConfig } from './kernels/SelfsupAdamW.js';
import { selfsupAttentionConfig } from './kernels/SelfsupAttention.js';
import { selfsupAttentionGradConfig } from './kernels/SelfsupAttentionGrad.js';
import { selfsupGeluConfig } from './kernels/SelfsupGelu.js';
import { selfsupGeluErfConfig } from './kernels/SelfsupGeluErf.js';
import { selfsupGeluErfGradConfig } from './kernels/SelfsupGeluErfGrad.js';
import { selfsupGeluGradConfig } from './kernels/SelfsupGeluGrad.js';
import { selfsupLayerNormConfig } from './kernels/SelfsupLayerNorm.js';
import { selfsupLayerNormGradConfig } from './kernels/SelfsupLayerNormGrad.js';
import { selfsupSparseCrossEntropyConfig } from './kernels/SelfsupSparseCrossEntropy.js';
import { selfsupSparseCrossEntropyGradConfig } from './kernels/SelfsupSparseCrossEntropyGrad.js';

export const cpuFusedKernels: KernelConfig[] = [
  selfsupSparseCrossEntropyConfig,
  selfsupSparseCrossEntropyGradConfig,
  selfsupLayerNormConfig,
  selfsupLayerNormGradConfig,
  selfsupGeluConfig,
  selfsupGeluGradConfig,
  selfsupGeluErfConfig,
  selfsupGeluErfGradConfig,
  selfsupAttentionConfig,
  selfsupAttentionGradConfig,
  selfsupAdamWConfig,
];

/** Registers (or with `fused: false` removes) the fused kernels for cpu; idempotent. */
export function registerCpuKernels(options: { fused?: boolean } = {}): void {
  for (const k of cpuFusedKernels) {
    const present = getKernel(k.kernelName, 'cpu') !== undefined;
    if (options.fused === false) {
      if (present) unregisterKernel(k.kernelName, 'cpu');
    } else if (!present) registerKernel(k);
  }
}
