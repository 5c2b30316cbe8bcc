/**
 * AddN for WebGPU that works with any number of inputs. tfjs-backend-webgpu binds one storage buffer per input, so
 * past 7 inputs (WebGPU's default limit is 8 storage buffers per shader stage, output included) the pipeline is
 * invalid and the sum silently comes out as zeros; gradient clipping's global norm adds one term per parameter.
 * Here: sums of at most (limit − 1) inputs, then sums of those, through the package's own kernel.
 */
import { AddN, type KernelConfig, type KernelFunc, type TensorInfo } from '@tensorflow/tfjs-core';

interface WebgpuBackendLike {
  device?: { limits?: { maxStorageBuffersPerShaderStage?: number } };
  disposeData(dataId: object): void;
}

type Args = { inputs: TensorInfo[]; backend: unknown; attrs?: object };

export function makeAddNConfig(original: KernelConfig): KernelConfig {
  const addN = original.kernelFunc as unknown as (args: Args) => TensorInfo;
  const kernelFunc = (args: Args): TensorInfo => {
    const backend = args.backend as WebgpuBackendLike;
    const limit = backend.device?.limits?.maxStorageBuffersPerShaderStage ?? 8;
    const chunk = Math.max(2, limit - 1);
    let level = args.inputs;
    const temps: TensorInfo[] = [];
    while (level.length > chunk) {
      const next: TensorInfo[] = [];
      for (let i = 0; i < level.length; i += chunk) {
        const part = level.slice(i, i + chunk);
        if (part.length === 1) next.push(part[0]);
        else {
          const sum = addN({ ...args, inputs: part });
          temps.push(sum);
          next.push(sum);
        }
      }
      level = next;
    }
    const out = addN({ ...args, inputs: level });
    for (const t of temps) backend.disposeData(t.dataId);
    return out;
  };
  return { kernelName: AddN, backendName: 'webgpu', kernelFunc: kernelFunc as unknown as KernelFunc };
}
