import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { attention } from '../../fused/attention.js';
import { cpuKernel } from '../io.js';

export const selfsupAttentionConfig: KernelConfig = {
  kernelName: FusedKernel.Attention,
  backendName: 'cpu',
  kernelFunc: cpuKernel(attention) as unknown as KernelFunc,
};
