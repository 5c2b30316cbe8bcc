import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { geluErfGrad } from '../../fused/gelu.js';
import { cpuKernel } from '../io.js';

export const selfsupGeluErfGradConfig: KernelConfig = {
  kernelName: FusedKernel.GeluErfGrad,
  backendName: 'cpu',
  kernelFunc: cpuKernel(geluErfGrad) as unknown as KernelFunc,
};
