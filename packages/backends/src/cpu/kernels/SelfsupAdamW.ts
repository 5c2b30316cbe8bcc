import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { adamw } from '../../fused/adamw.js';
import { cpuKernel } from '../io.js';

export const selfsupAdamWConfig: KernelConfig = {
  kernelName: FusedKernel.AdamW,
  backendName: 'cpu',
  kernelFunc: cpuKernel(adamw) as unknown as KernelFunc,
};
