import { FusedKernel } from '@selfsup/core';
import type { KernelConfig, KernelFunc } from '@tensorflow/tfjs-core';
import { geluErf } from '../../fused/gelu.js';
import { wasmKernel } from '../io.js';

export const selfsupGeluErfConfig: KernelConfig = {
  kernelName: FusedKernel.GeluErf,
  backendName: 'wasm',
  kernelFunc: wasmKernel(geluErf) as unknown as KernelFunc,
};
