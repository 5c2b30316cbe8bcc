/**
 * A wasm kernel that takes the fast cases itself and hands the rest to the package's own kernel (`original`), which
 * keeps its name, backend and setup.
 */
import type { KernelConfig, KernelFunc, TensorInfo } from '@tensorflow/tfjs-core';

export function wrapKernel<Args>(
  original: KernelConfig,
  impl: (args: Args, fallback: (args: Args) => TensorInfo) => TensorInfo,
): KernelConfig {
  const fallback = original.kernelFunc as unknown as (args: Args) => TensorInfo;
  return {
    kernelName: original.kernelName,
    backendName: original.backendName,
    setupFunc: original.setupFunc,
    kernelFunc: ((args: Args) => impl(args, fallback)) as unknown as KernelFunc,
  };
}
