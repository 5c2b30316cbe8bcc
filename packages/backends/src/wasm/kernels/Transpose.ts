/**
 * Transpose for wasm without the slow general path for the permutations a transformer uses. tfjs-backend-wasm's
 * Transpose walks every element through index arithmetic; the attention heads' [B,T,H,D] ↔ [B,H,T,D] reshuffles took
 * 30% of a composite-ops training step. Here:
 * - the last axis stays last (head split/merge): whole rows of D values are moved with `copyWithin` on the heap;
 * - only the last two axes swap (kᵀ): our wasm batched 2-D transpose;
 * - anything else, or 1-byte dtypes: the package's own kernel.
 */
import type { KernelConfig, TensorInfo } from '@tensorflow/tfjs-core';
import { sizeOf } from '../../fused/io.js';
import { addressOf, asWasm, memoryOf, simdOf, type WasmBackendLike } from '../heap.js';
import { wrapKernel } from './wrap.js';

type Args = { inputs: { x: TensorInfo }; attrs: { perm: number[] }; backend: unknown };

function moveRows(backend: WasmBackendLike, x: TensorInfo, perm: number[], out: TensorInfo): void {
  const rank = x.shape.length;
  const inner = x.shape[rank - 1];
  const outShape = out.shape;
  // Strides of x (in floats) for each output axis.
  const xStrides = new Array<number>(rank).fill(1);
  for (let i = rank - 2; i >= 0; i--) xStrides[i] = xStrides[i + 1] * x.shape[i + 1];
  const stride = perm.map((p) => xStrides[p]);
  const heap = new Float32Array(memoryOf(backend).buffer);
  const src0 = addressOf(backend, x) / 4;
  let dst = addressOf(backend, out) / 4;
  const outer = rank - 1;
  const idx = new Array<number>(outer).fill(0);
  const rows = sizeOf(outShape.slice(0, outer));
  let src = src0;
  for (let r = 0; r < rows; r++) {
    heap.copyWithin(dst, src, src + inner);
    dst += inner;
    // Odometer over the output's leading axes, keeping `src` in step.
    for (let a = outer - 1; a >= 0; a--) {
      idx[a]++;
      src += stride[a];
      if (idx[a] < outShape[a]) break;
      src -= stride[a] * outShape[a];
      idx[a] = 0;
    }
  }
}

export function makeTransposeConfig(original: KernelConfig): KernelConfig {
  return wrapKernel<Args>(original, (args, fallback) => {
    const backend = asWasm(args.backend);
    const { x } = args.inputs;
    const { perm } = args.attrs;
    const rank = x.shape.length;
    if (x.dtype === 'bool' || x.dtype === 'string' || rank < 2) return fallback(args);
    const outShape = perm.map((p) => x.shape[p]);
    const leadingSame = perm.slice(0, rank - 2).every((p, i) => p === i);
    if (perm[rank - 1] === rank - 1) {
      const out = backend.makeOutput(outShape, x.dtype);
      if (sizeOf(outShape) > 0) moveRows(backend, x, perm, out);
      return out;
    }
    if (leadingSame && perm[rank - 2] === rank - 1 && perm[rank - 1] === rank - 2) {
      const out = backend.makeOutput(outShape, x.dtype);
      const rows = x.shape[rank - 2];
      const cols = x.shape[rank - 1];
      simdOf(backend).transpose(
        addressOf(backend, x),
        addressOf(backend, out),
        sizeOf(x.shape.slice(0, -2)),
        rows,
        cols,
      );
      return out;
    }
    return fallback(args);
  });
}
