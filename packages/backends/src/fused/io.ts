/**
 * What a fused kernel needs from a backend, so each kernel is written once (src/fused/*.ts) and registered for cpu and
 * wasm from thin per-backend files. Rule for implementations: allocate every output and temporary first, then take
 * views (on wasm a growing heap replaces the buffer that earlier views point into).
 */
import type { DataType, NamedAttrMap, NamedTensorInfoMap, TensorInfo } from '@tensorflow/tfjs-core';
import type { Gemm } from '../kernels-js/gemm.js';
import type { SimdKernels } from '../simd/module.js';

export interface KernelIO {
  /** A new output tensor (uninitialised). */
  out(shape: number[], dtype?: DataType): TensorInfo;
  /** A temporary float32 buffer of `size` values, freed by `release`. */
  temp(size: number): TensorInfo;
  release(info: TensorInfo): void;
  f32(info: TensorInfo): Float32Array;
  i32(info: TensorInfo): Int32Array;
  gemm: Gemm;
  /** Our wasm SIMD kernels when every view is on their memory (the wasm backend). */
  simd?: SimdKernels;
}

export type FusedImpl = (io: KernelIO, inputs: NamedTensorInfoMap, attrs: NamedAttrMap) => TensorInfo[];

export function input(inputs: NamedTensorInfoMap, name: string, kernel: string): TensorInfo {
  const t = inputs[name];
  if (!t) throw new Error(`${kernel}: missing input '${name}'`);
  return t;
}

export function sizeOf(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}
