/**
 * Sum for wasm without a transpose when the leading axes are reduced. tfjs-backend-wasm sums along the last axes only,
 * so for any other axes it first transposes with its general element-by-element path. Every bias gradient is such a
 * sum (dy [N, C] → [C] over the rows): on a bert-tiny step those took a fifth of the kernel time. Here a reduction
 * over a leading run of axes (float32 or int32) adds whole rows into a float64 accumulator in one pass over the data
 * (float32 rows of a multiple of 4 in wasm SIMD, see simd/col-sum.ts);
 * an empty input gives zeros (tfjs-backend-wasm 4.22 returns whatever the new buffer held); anything else goes to
 * the package's own kernel.
 */
import { type KernelConfig, type TensorInfo, util } from '@tensorflow/tfjs-core';
import { sizeOf } from '../../fused/io.js';
import { addressOf, asWasm, f32View, i32View, memoryOf, simdOf, type WasmBackendLike } from '../heap.js';
import { simdSupported } from '../loader.js';
import { wrapKernel } from './wrap.js';

const SIMD = simdSupported();

type Args = { inputs: { x: TensorInfo }; attrs: { axis: number | number[]; keepDims: boolean }; backend: unknown };

/** out[j] = Σ_i x[i·cols + j] for `rows` rows, added in float64. */
export function sumRows(
  x: Float32Array | Int32Array,
  rows: number,
  cols: number,
  out: Float32Array | Int32Array,
): void {
  const acc = new Float64Array(cols);
  for (let i = 0, o = 0; i < rows; i++, o += cols) {
    for (let j = 0; j < cols; j++) acc[j] += x[o + j];
  }
  for (let j = 0; j < cols; j++) out[j] = acc[j];
}

/** The column sums of x (rows × cols float32, cols a multiple of 4) into out, with our SIMD kernel. */
function sumRowsSimd(backend: WasmBackendLike, x: TensorInfo, rows: number, cols: number, out: TensorInfo): void {
  const scratch = backend.makeOutput([2 * cols + 2], 'float32'); // cols float64, and room to align them to 8 bytes
  try {
    const at = addressOf(backend, scratch);
    const acc = at + (at % 8);
    const sums = new Float64Array(memoryOf(backend).buffer, acc, cols);
    sums.fill(0);
    simdOf(backend).colSum(addressOf(backend, x), acc, rows, cols);
    f32View(backend, out).set(sums);
  } finally {
    backend.disposeData(scratch.dataId, true);
  }
}

export function makeSumConfig(original: KernelConfig): KernelConfig {
  return wrapKernel<Args>(original, (args, fallback) => {
    const { x } = args.inputs;
    if (x.dtype !== 'float32' && x.dtype !== 'int32') return fallback(args);
    const rank = x.shape.length;
    const axes = [...new Set(util.parseAxisParam(args.attrs.axis, x.shape))].sort((a, b) => a - b);
    const leading = axes.every((a, i) => a === i) ? axes.length : 0;
    const empty = sizeOf(x.shape) === 0;
    if (!empty && (leading === 0 || leading === rank)) return fallback(args);
    const backend = asWasm(args.backend);
    const reduced = new Set(axes);
    const kept = x.shape.filter((_, i) => !reduced.has(i));
    const out = backend.makeOutput(
      args.attrs.keepDims ? x.shape.map((d, i) => (reduced.has(i) ? 1 : d)) : kept,
      x.dtype,
    );
    const view = x.dtype === 'float32' ? f32View : i32View;
    const o = view(backend, out);
    const rows = sizeOf(x.shape.slice(0, leading));
    if (empty) o.fill(0);
    else if (SIMD && x.dtype === 'float32' && o.length % 4 === 0) sumRowsSimd(backend, x, rows, o.length, out);
    else sumRows(view(backend, x), rows, o.length, o);
    return out;
  });
}
