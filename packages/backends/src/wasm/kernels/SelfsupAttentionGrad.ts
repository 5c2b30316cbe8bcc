import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { attentionGrad } from '../../fused/attention.js';
import { wasmKernel } from '../io.js';

export const selfsupAttentionGradConfig: KernelConfig = {
  kernelName: FusedKernel.AttentionGrad,
  backendName: 'wasm',
  kernelFunc: wasmKernel(attentionGrad) as unknown as KernelFunc,
};
