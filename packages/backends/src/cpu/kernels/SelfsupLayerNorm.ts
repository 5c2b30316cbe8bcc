import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { layerNorm } from '../../fused/layer-norm.js';
import { cpuKernel } from '../io.js';

export const selfsupLayerNormConfig: KernelConfig = {
  kernelName: FusedKernel.LayerNorm,
  backendName: 'cpu',
  kernelFunc: cpuKernel(layerNorm) as unknown as KernelFunc,
};
