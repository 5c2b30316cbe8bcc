import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { attention } from '../../fused/attention.js';
import { wasmKernel } from '../io.js';

export const selfsupAttentionConfig: KernelConfig = {
  kernelName: FusedKernel.Attention,
  backendName: 'wasm',
  kernelFunc: wasmKernel(attention) as unknown as KernelFunc,
};
