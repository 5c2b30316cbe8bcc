import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { sparseCrossEntropy } from '../../fused/cross-entropy.js';
import { cpuKernel } from '../io.js';

export const selfsupSparseCrossEntropyConfig: KernelConfig = {
  kernelName: FusedKernel.SparseCrossEntropy,
  backendName: 'cpu',
  kernelFunc: cpuKernel(sparseCrossEntropy) as unknown as KernelFunc,
};
