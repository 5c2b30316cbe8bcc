import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { gelu } from '../../fused/gelu.js';
import { cpuKernel } from '../io.js';

export const selfsupGeluConfig: KernelConfig = {
  kernelName: FusedKernel.Gelu,
  backendName: 'cpu',
  kernelFunc: cpuKernel(gelu) as unknown as KernelFunc,
};
