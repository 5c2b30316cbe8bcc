import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { geluGrad } from '../../fused/gelu.js';
import { wasmKernel } from '../io.js';

export const selfsupGeluGradConfig: KernelConfig = {
  kernelName: FusedKernel.GeluGrad,
  backendName: 'wasm',
  kernelFunc: wasmKernel(geluGrad) as unknown as KernelFunc,
};
