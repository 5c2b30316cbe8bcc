/**
 * Our SIMD kernels, instantiated on a given wasm memory (the tfjs-backend-wasm heap), so they read and write tensors
 * in place. One instance per memory; the memory may grow, the instance follows it.
 */

import { type WasmMemory, type WasmModule, wasmApi } from '../wasm/webassembly.js';
import { assemble } from './assembler.js';
import { colSumFunction } from './col-sum.js';
import { geluBackwardFunction, geluForwardFunction } from './gelu.js';
import { geluErfBackwardFunction, geluErfForwardFunction } from './gelu-erf.js';
import { gemmFunction } from './gemm.js';
import { layerNormBackwardFunction, layerNormForwardFunction } from './layer-norm.js';
import { expScaledFunction, rowMaxFunction, sumExpFunction } from './softmax.js';
import { transposeFunction } from './transpose.js';

export interface SimdKernels {
  /** See gemm.ts. Addresses in bytes, strides in floats. */
  gemm(
    a: number,
    lda: number,
    b: number,
    ldb: number,
    c: number,
    ldc: number,
    m: number,
    n: number,
    k: number,
    alpha: number,
    accumulate: number,
  ): void;
  /** out[j·rows + i] = x[i·cols + j] for each of `batch` matrices [rows, cols] laid end to end. */
  transpose(x: number, out: number, batch: number, rows: number, cols: number): void;
  /** GELU (tanh form) of n4 floats (a multiple of 4); see gelu.ts. */
  geluForward(x: number, y: number, n4: number): void;
  geluBackward(dy: number, x: number, dx: number, n4: number): void;
  /** Exact GELU (erf) of n4 floats (a multiple of 4); see gelu-erf.ts. */
  geluErfForward(x: number, y: number, n4: number): void;
  geluErfBackward(dy: number, x: number, dx: number, n4: number): void;
  /** Softmax pieces over n4 floats (a positive multiple of 4); see softmax.ts. */
  rowMax(p: number, n4: number): number;
  sumExp(p: number, n4: number, shift: number): number;
  expScaled(p: number, out: number, n4: number, shift: number, scale: number): void;
  /** acc (cols float64) += the column sums of rows × cols floats, cols a multiple of 4; see col-sum.ts. */
  colSum(x: number, acc: number, rows: number, cols: number): void;
  /** LayerNorm of rows × cols floats, cols a multiple of 4; see layer-norm.ts. */
  layerNormForward(
    x: number,
    gamma: number,
    beta: number,
    y: number,
    mean: number,
    rstd: number,
    rows: number,
    cols: number,
    eps: number,
  ): void;
  layerNormBackward(
    dy: number,
    x: number,
    gamma: number,
    mean: number,
    rstd: number,
    dx: number,
    dGamma: number,
    dBeta: number,
    rows: number,
    cols: number,
  ): void;
}

const cache = new WeakMap<WasmMemory, SimdKernels>();
let moduleFor: { shared: WasmModule | undefined; plain: WasmModule | undefined } = {
  shared: undefined,
  plain: undefined,
};

function isShared(memory: WasmMemory): boolean {
  return typeof SharedArrayBuffer !== 'undefined' && memory.buffer instanceof SharedArrayBuffer;
}

/** The kernels bound to `memory` (compiled once per process, instantiated once per memory). */
export function simdKernels(memory: WasmMemory): SimdKernels {
  const hit = cache.get(memory);
  if (hit) return hit;
  const shared = isShared(memory);
  const key = shared ? 'shared' : 'plain';
  let module = moduleFor[key];
  if (!module) {
    // A shared memory import must state a maximum; 65536 pages (4 GiB) admits any memory tfjs makes.
    const bytes = assemble({ shared, minPages: 1, maxPages: shared ? 65536 : undefined }, [
      gemmFunction(),
      transposeFunction(),
      geluForwardFunction(),
      geluBackwardFunction(),
      geluErfForwardFunction(),
      geluErfBackwardFunction(),
      rowMaxFunction(),
      sumExpFunction(),
      expScaledFunction(),
      colSumFunction(),
      layerNormForwardFunction(),
      layerNormBackwardFunction(),
    ]);
    module = new (wasmApi().Module)(bytes);
    moduleFor = { ...moduleFor, [key]: module };
  }
  const instance = new (wasmApi().Instance)(module, { env: { memory } });
  const kernels = instance.exports as unknown as SimdKernels;
  cache.set(memory, kernels);
  return kernels;
}
