import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { sparseCrossEntropy } from '../../fused/cross-entropy.js';
import { wasmKernel } from '../io.js';

export const selfsupSparseCrossEntropyConfig: KernelConfig = {
  kernelName: FusedKernel.SparseCrossEntropy,
  backendName: 'wasm',
  kernelFunc: wasmKernel(sparseCrossEntropy) as unknown as KernelFunc,
};
