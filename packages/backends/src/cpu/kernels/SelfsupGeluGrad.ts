import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { geluGrad } from '../../fused/gelu.js';
import { cpuKernel } from '../io.js';

export const selfsupGeluGradConfig: KernelConfig = {
  kernelName: FusedKernel.GeluGrad,
  backendName: 'cpu',
  kernelFunc: cpuKernel(geluGrad) as unknown as KernelFunc,
};
