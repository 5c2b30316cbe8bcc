/**
 * BatchMatMul for wasm that always takes a fast path. tfjs-backend-wasm sends a product to XNNPACK only when neither
 * operand is transposed and there is no batch; every other case (the backward pass: transposeA for weight gradients,
 * transposeB for input gradients; attention's batched products) runs a scalar loop 12–25× slower. Here:
 * - one matrix each: transpose the flagged operand with our wasm transpose, then XNNPACK (threaded);
 * - batched: our SIMD GEMM per batch (operands transposed first when flagged), with batch broadcasting.
 * Wraps the package's own kernel (kept as `original`) for the XNNPACK call. Registered only where wasm SIMD runs.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { sizeOf } from '../../fused/io.js';
import { addressOf, asWasm, simdOf, type WasmBackendLike } from '../heap.js';
import { wrapKernel } from './wrap.js';

type Args = {
  inputs: { a: TensorInfo; b: TensorInfo };
  attrs: { transposeA: boolean; transposeB: boolean };
  backend: unknown;
};

/** A new tensor holding `x` with its last two axes swapped. */
function transposeLast2(backend: WasmBackendLike, x: TensorInfo): TensorInfo {
  const rank = x.shape.length;
  const rows = x.shape[rank - 2];
  const cols = x.shape[rank - 1];
  const batch = sizeOf(x.shape.slice(0, -2));
  const out = backend.makeOutput([...x.shape.slice(0, -2), cols, rows], x.dtype);
  simdOf(backend).transpose(addressOf(backend, x), addressOf(backend, out), batch, rows, cols);
  return out;
}

export function makeBatchMatMulConfig(original: KernelConfig): KernelConfig {
  return wrapKernel<Args>(original, (args, fallback) => {
    const backend = asWasm(args.backend);
    const { a, b } = args.inputs;
    const { transposeA, transposeB } = args.attrs;
    const aBatch = sizeOf(a.shape.slice(0, -2));
    const bBatch = sizeOf(b.shape.slice(0, -2));
    if (a.dtype !== 'float32' || b.dtype !== 'float32') return fallback(args);
    if (aBatch === 1 && bBatch === 1) {
      if (!transposeA && !transposeB) return fallback(args);
      const a2 = transposeA ? transposeLast2(backend, a) : a;
      const b2 = transposeB ? transposeLast2(backend, b) : b;
      try {
        return fallback({
          inputs: { a: a2, b: b2 },
          attrs: { transposeA: false, transposeB: false },
          backend: args.backend,
        });
      } finally {
        if (a2 !== a) backend.disposeData(a2.dataId, true);
        if (b2 !== b) backend.disposeData(b2.dataId, true);
      }
    }
    if (aBatch !== bBatch && aBatch !== 1 && bBatch !== 1) return fallback(args);
    return batched(backend, a, b, transposeA, transposeB, aBatch, bBatch);
  });
}

function batched(
  backend: WasmBackendLike,
  a: TensorInfo,
  b: TensorInfo,
  transposeA: boolean,
  transposeB: boolean,
  aBatch: number,
  bBatch: number,
): TensorInfo {
  const ar = a.shape.length;
  const br = b.shape.length;
  const m = transposeA ? a.shape[ar - 1] : a.shape[ar - 2];
  const k = transposeA ? a.shape[ar - 2] : a.shape[ar - 1];
  const n = transposeB ? b.shape[br - 2] : b.shape[br - 1];
  const batchShape = (aBatch >= bBatch ? a : b).shape.slice(0, -2);
  const batch = Math.max(aBatch, bBatch);
  const a2 = transposeA ? transposeLast2(backend, a) : a;
  const b2 = transposeB ? transposeLast2(backend, b) : b;
  const out = backend.makeOutput([...batchShape, m, n], 'float32');
  const simd = simdOf(backend);
  const aAddr = addressOf(backend, a2);
  const bAddr = addressOf(backend, b2);
  const oAddr = addressOf(backend, out);
  for (let i = 0; i < batch; i++) {
    const ai = aBatch === 1 ? 0 : i;
    const bi = bBatch === 1 ? 0 : i;
    simd.gemm(aAddr + 4 * ai * m * k, k, bAddr + 4 * bi * k * n, n, oAddr + 4 * i * m * n, n, m, n, k, 1, 0);
  }
  if (a2 !== a) backend.disposeData(a2.dataId, true);
  if (b2 !== b) backend.disposeData(b2.dataId, true);
  return out;
}
