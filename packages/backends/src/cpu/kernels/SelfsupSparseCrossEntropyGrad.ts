import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { sparseCrossEntropyGrad } from '../../fused/cross-entropy.js';
import { cpuKernel } from '../io.js';

export const selfsupSparseCrossEntropyGradConfig: KernelConfig = {
  kernelName: FusedKernel.SparseCrossEntropyGrad,
  backendName: 'cpu',
  kernelFunc: cpuKernel(sparseCrossEntropyGrad) as unknown as KernelFunc,
};
