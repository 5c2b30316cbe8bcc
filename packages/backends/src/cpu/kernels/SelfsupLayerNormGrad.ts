import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { layerNormGrad } from '../../fused/layer-norm.js';
import { cpuKernel } from '../io.js';

export const selfsupLayerNormGradConfig: KernelConfig = {
  kernelName: FusedKernel.LayerNormGrad,
  backendName: 'cpu',
  kernelFunc: cpuKernel(layerNormGrad) as unknown as KernelFunc,
};
