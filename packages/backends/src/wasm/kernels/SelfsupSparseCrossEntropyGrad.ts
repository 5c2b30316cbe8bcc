import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { sparseCrossEntropyGrad } from '../../fused/cross-entropy.js';
import { wasmKernel } from '../io.js';

export const selfsupSparseCrossEntropyGradConfig: KernelConfig = {
  kernelName: FusedKernel.SparseCrossEntropyGrad,
  backendName: 'wasm',
  kernelFunc: wasmKernel(sparseCrossEntropyGrad) as unknown as KernelFunc,
};
