import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { attentionGrad } from '../../fused/attention.js';
import { cpuKernel } from '../io.js';

export const selfsupAttentionGradConfig: KernelConfig = {
  kernelName: FusedKernel.AttentionGrad,
  backendName: 'cpu',
  kernelFunc: cpuKernel(attentionGrad) as unknown as KernelFunc,
};
