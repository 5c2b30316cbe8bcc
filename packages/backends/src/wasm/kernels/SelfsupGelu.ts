import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { gelu } from '../../fused/gelu.js';
import { wasmKernel } from '../io.js';

export const selfsupGeluConfig: KernelConfig = {
  kernelName: FusedKernel.Gelu,
  backendName: 'wasm',
  kernelFunc: wasmKernel(gelu) as unknown as KernelFunc,
};
