/** The fused kernels' backend interface (src/fused/io.ts) for the wasm backend: views on its heap, our SIMD GEMM. */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import type { FusedImpl, KernelIO } from '../fused/io.js';
import { type Gemm, jsGemm, simdGemm } from '../kernels-js/gemm.js';
import { asWasm, f32View, i32View, simdOf, type WasmBackendLike } from './heap.js';
import { simdSupported } from './loader.js';

const SIMD = simdSupported();

export function wasmGemm(backend: WasmBackendLike): Gemm {
  return SIMD ? simdGemm(simdOf(backend)) : jsGemm;
}

export function wasmIO(backend: WasmBackendLike): KernelIO {
  return {
    out: (shape: number[], dtype: DataType = 'float32') => backend.makeOutput(shape, dtype),
    temp: (size: number) => backend.makeOutput([size], 'float32'),
    release: (info: TensorInfo) => {
      backend.disposeData(info.dataId, true);
    },
    f32: (info: TensorInfo) => f32View(backend, info),
    i32: (info: TensorInfo) => i32View(backend, info),
    gemm: wasmGemm(backend),
    ...(SIMD ? { simd: simdOf(backend) } : {}),
  };
}

/** A KernelFunc for the wasm backend running a backend-neutral fused kernel. */
export function wasmKernel(impl: FusedImpl) {
  return ({ inputs, attrs, backend }: { inputs: object; attrs?: object; backend: unknown }) =>
    impl(wasmIO(asWasm(backend)), inputs as never, (attrs ?? {}) as never);
}
