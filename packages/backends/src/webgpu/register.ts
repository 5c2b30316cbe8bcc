/** Kernels we register for tfjs-backend-webgpu: an AddN for any number of inputs (and fused kernels in WGSL). */
import { AddN, getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';
import { makeAddNConfig } from './kernels/AddN.js';

export const webgpuFusedKernels: KernelConfig[] = [];

const OURS = Symbol.for('selfsup.backends.kernel');

function replace(config: KernelConfig): void {
  unregisterKernel(config.kernelName, config.backendName);
  registerKernel({ ...config, [OURS]: true } as KernelConfig);
}

/** Registers our webgpu kernels (idempotent; call after '@tensorflow/tfjs-backend-webgpu' is imported). */
export function registerWebgpuKernels(options: { fused?: boolean } = {}): void {
  const addN = getKernel(AddN, 'webgpu') as (KernelConfig & { [OURS]?: true }) | undefined;
  if (addN && !addN[OURS]) replace(makeAddNConfig(addN));
  for (const k of webgpuFusedKernels) {
    const present = getKernel(k.kernelName, 'webgpu') !== undefined;
    if (options.fused === false) {
      if (present) unregisterKernel(k.kernelName, 'webgpu');
    } else if (!present) registerKernel(k);
  }
}
