import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { layerNormGrad } from '../../fused/layer-norm.js';
import { wasmKernel } from '../io.js';

export const selfsupLayerNormGradConfig: KernelConfig = {
  kernelName: FusedKernel.LayerNormGrad,
  backendName: 'wasm',
  kernelFunc: wasmKernel(layerNormGrad) as unknown as KernelFunc,
};
