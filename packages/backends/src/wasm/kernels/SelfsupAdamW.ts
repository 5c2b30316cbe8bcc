import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { adamw } from '../../fused/adamw.js';
import { wasmKernel } from '../io.js';

export const selfsupAdamWConfig: KernelConfig = {
  kernelName: FusedKernel.AdamW,
  backendName: 'wasm',
  kernelFunc: wasmKernel(adamw) as unknown as KernelFunc,
};
