import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { layerNorm } from '../../fused/layer-norm.js';
import { wasmKernel } from '../io.js';

export const selfsupLayerNormConfig: KernelConfig = {
  kernelName: FusedKernel.LayerNorm,
  backendName: 'wasm',
  kernelFunc: wasmKernel(layerNorm) as unknown as KernelFunc,
};
