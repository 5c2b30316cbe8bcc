import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { geluErf } from '../../fused/gelu.js';
import { cpuKernel } from '../io.js';

export const selfsupGeluErfConfig: KernelConfig = {
  kernelName: FusedKernel.GeluErf,
  backendName: 'cpu',
  kernelFunc: cpuKernel(geluErf) as unknown as KernelFunc,
};
