/**
 * Reading and writing tensors of the wasm backend in place: typed-array views on its heap and our SIMD kernels bound
 * to the same memory. Views must be made after every allocation of a kernel call (a growing heap replaces its buffer).
 */
import type { DataType, TensorInfo } from '@tensorflow/tfjs-core';
import { type SimdKernels, simdKernels } from '../simd/module.js';
import { type EmscriptenWasmModule, moduleMemory } from './loader.js';
import type { WasmMemory } from './webassembly.js';

interface TensorData {
  id: number;
  memoryOffset: number;
  shape: number[];
  dtype: DataType;
}

/** The members of tfjs-backend-wasm's BackendWasm that our kernels use. */
export interface WasmBackendLike {
  wasm: EmscriptenWasmModule;
  dataIdMap: { get(dataId: object): TensorData | undefined };
  makeOutput(shape: number[], dtype: DataType): TensorInfo;
  disposeData(dataId: object, force?: boolean): boolean;
}

export function asWasm(backend: unknown): WasmBackendLike {
  return backend as WasmBackendLike;
}

export function memoryOf(backend: WasmBackendLike): WasmMemory {
  return moduleMemory(backend.wasm);
}

export function simdOf(backend: WasmBackendLike): SimdKernels {
  return simdKernels(memoryOf(backend));
}

/** Byte address of a tensor's data on the heap. */
export function addressOf(backend: WasmBackendLike, info: TensorInfo): number {
  const data = backend.dataIdMap.get(info.dataId);
  if (!data) throw new Error('tensor is not on the wasm backend');
  return data.memoryOffset;
}

function size(shape: readonly number[]): number {
  let n = 1;
  for (const d of shape) n *= d;
  return n;
}

export function f32View(backend: WasmBackendLike, info: TensorInfo): Float32Array {
  return new Float32Array(memoryOf(backend).buffer, addressOf(backend, info), size(info.shape));
}

export function i32View(backend: WasmBackendLike, info: TensorInfo): Int32Array {
  return new Int32Array(memoryOf(backend).buffer, addressOf(backend, info), size(info.shape));
}
