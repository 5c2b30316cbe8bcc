import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { geluErfGrad } from '../../fused/gelu.js';
import { wasmKernel } from '../io.js';

export const selfsupGeluErfGradConfig: KernelConfig = {
  kernelName: FusedKernel.GeluErfGrad,
  backendName: 'wasm',
  kernelFunc: wasmKernel(geluErfGrad) as unknown as KernelFunc,
};
