/** The fused kernels' backend interface (src/fused/io.ts) for tfjs-backend-cpu: its typed arrays, a JS GEMM. */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import type { FusedImpl, KernelIO } from '../fused/io.js';
import { sizeOf } from '../fused/io.js';
import { jsGemm } from '../kernels-js/gemm.js';

interface CpuBackendLike {
  data: { get(dataId: object): { values?: unknown } | undefined };
  makeTensorInfo(shape: number[], dtype: DataType, values?: Float32Array | Int32Array): TensorInfo;
  disposeIntermediateTensorInfo(info: TensorInfo): void;
}

function values(backend: CpuBackendLike, info: TensorInfo): unknown {
  const v = backend.data.get(info.dataId)?.values;
  if (v === undefined) throw new Error('tensor has no values on the cpu backend');
  return v;
}

export function cpuIO(backend: CpuBackendLike): KernelIO {
  return {
    out: (shape: number[], dtype: DataType = 'float32') =>
      backend.makeTensorInfo(
        shape,
        dtype,
        dtype === 'int32' ? new Int32Array(sizeOf(shape)) : new Float32Array(sizeOf(shape)),
      ),
    temp: (size: number) => backend.makeTensorInfo([size], 'float32', new Float32Array(size)),
    release: (info: TensorInfo) => backend.disposeIntermediateTensorInfo(info),
    f32: (info: TensorInfo) => {
      const v = values(backend, info);
      return v instanceof Float32Array ? v : Float32Array.from(v as ArrayLike<number>);
    },
    i32: (info: TensorInfo) => {
      const v = values(backend, info);
      return v instanceof Int32Array ? v : Int32Array.from(v as ArrayLike<number>);
    },
    gemm: jsGemm,
  };
}

/** A KernelFunc for the cpu backend running a backend-neutral fused kernel. */
export function cpuKernel(impl: FusedImpl) {
  return ({ inputs, attrs, backend }: { inputs: object; attrs?: object; backend: unknown }) =>
    impl(cpuIO(backend as CpuBackendLike), inputs as never, (attrs ?? {}) as never);
}
