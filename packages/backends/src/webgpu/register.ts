/** Kernels we register for tfjs-backend-webgpu (fused kernels in WGSL). */
import { getKernel, type KernelConfig, registerKernel, unregisterKernel } from '@tensorflow/tfjs-core';

export const webgpuFusedKernels: KernelConfig[] = [];

export function registerWebgpuKernels(options: { fused?: boolean } = {}): void {
  for (const k of webgpuFusedKernels) {
    const present = getKernel(k.kernelName, 'webgpu') !== undefined;
    if (options.fused === false) {
      if (present) unregisterKernel(k.kernelName, 'webgpu');
    } else if (!present) registerKernel(k);
  }
}
